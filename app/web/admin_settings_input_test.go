package web

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"portico/app/model"
)

func testAdmExtraFields(t *testing.T, h *harness) {
	admin := h.admin()
	if res, _ := admin.admPost("/admin/portal/switch", admForm("enabled", "off"), true); res.StatusCode != http.StatusOK {
		t.Fatal("switch off")
	}
	extras := []string{
		"enabled", "on", "consent_version_id", "999", "ConsentVersionID", "999", "title", "Hijacked",
		"primary_color", "#000000", "access", "lists", "permission", "company", "default_inbox_id", "1",
		"form_id", "1", "idle_minutes", "1440", "logo_url", "javascript:alert(1)", "require_verification", "on",
		"filters", `[{"property":"x"}]`, "id", "2", "version", "99",
	}
	cases := []struct {
		section string
		own     []string
	}{
		{"general", []string{"title", "Own title", "slug", "portal", "base_url", "https://help.acme.example", "language", "en"}},
		{"consent", []string{"notice", "Own notice", "label", "Own label"}},
		{"permissions", []string{"permission", "contact"}},
		{"sessions", []string{"idle_minutes", "20", "lifetime_hours", "6"}},
		{"pages", []string{"register_heading", "Join us"}},
		{"switch", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.section, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			f := admForm(extras...)
			for i := 0; i+1 < len(tc.own); i += 2 {
				f.Del(tc.own[i])
			}
			for k, v := range admForm(tc.own...) {
				f[k] = v
			}
			if tc.section == "switch" {
				f.Set("enabled", "off")
			}
			res, body := admin.admPost("/admin/portal/"+tc.section, f, true)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d %v", res.StatusCode, fieldErrors(body))
			}
			after := h.admState()
			admOnlyOwn(t, tc.section, before.s, after.s)
			if after.s.Enabled || after.s.ConsentVersionID == 999 || after.s.Title.In("en", "en") == "Hijacked" || after.s.LogoURL != "" {
				t.Errorf("an extra field was stored: %s", after.json)
			}
		})
	}
}

func testAdmUploads(t *testing.T, h *harness) {
	admin := h.admin()
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	brand := [][2]string{{"primary_color", "#2563eb"}, {"accent_color", "#0f766e"}, {"font", "system"}}

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>`)},
		{"logo.png", []byte(`<html><script>alert(1)</script></html>`)},
		{"big.png", append(pngData.Bytes(), make([]byte, 300<<10)...)},
	} {
		before := h.admState()
		res, body := admin.admMultipart("/admin/portal/branding", brand, []admFile{{"logo", tc.name, tc.data}}, true)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.StatusCode)
			continue
		}
		admInvalid(t, body, "logo")
		admSame(t, tc.name, before, h.admState())
	}

	res, body := admin.admMultipart("/admin/portal/branding", brand, []admFile{{"logo", "logo.png", pngData.Bytes()}}, true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("png logo: %d %v", res.StatusCode, fieldErrors(body))
	}
	s := h.admState().s
	if !strings.HasPrefix(s.LogoURL, "data:image/png;base64,") {
		t.Fatalf("logo stored as %.40q", s.LogoURL)
	}
	if e := h.admLastAudit(); strings.Contains(e.After, "base64") {
		t.Error("audit log keeps the image bytes")
	}
	if !strings.Contains(body, `<img src="data:image/png;base64,`) {
		t.Error("branding section doesn't show the uploaded logo")
	}
	// The portal links to the logo under a name made from its bytes,
	// instead of inlining it into every page.
	_, page := h.client().get("/portal/login", false)
	logo := regexp.MustCompile(`src="(/portal/brand/[0-9a-f]{20}\.png)"`).FindStringSubmatch(page)
	if logo == nil || strings.Contains(page, "data:image/png") {
		t.Fatal("portal doesn't link to the uploaded logo, or inlines it")
	}
	res, err := h.srv.App().Test(httptest.NewRequest(http.MethodGet, logo[1], nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, pngData.Bytes()) || res.Header.Get("Content-Type") != "image/png" ||
		res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("logo: %d %q %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), len(got))
	}
	if res, _ := h.srv.App().Test(httptest.NewRequest(http.MethodGet, "/portal/brand/00000000000000000000.png", nil), -1); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown brand file: %d, want 404", res.StatusCode)
	}
	// Saving the section again without a file keeps the logo; "remove"
	// drops it.
	admin.admMultipart("/admin/portal/branding", brand, nil, true)
	if h.admState().s.LogoURL != s.LogoURL {
		t.Error("logo lost on a save without a file")
	}
	admin.admMultipart("/admin/portal/branding", append(brand, [2]string{"remove_logo", "yes"}), nil, true)
	if h.admState().s.LogoURL != "" {
		t.Error("logo not removed")
	}
}

func testAdmInjection(t *testing.T, h *harness) {
	admin := h.admin()
	const img = `"><img src=x onerror=alert(1)>`
	const hx = `<b hx-get="/admin/portal" hx-trigger="load">x</b>`
	saves := []struct {
		section string
		form    url.Values
	}{
		{"general", admForm("title", "Acme "+img, "slug", "portal", "language", "en", "languages", "en")},
		{"pages", admForm("login_heading", "Hi "+hx, "login_intro", "<script>alert(1)</script>"+img)},
		{"branding", admForm("primary_color", "#2563eb", "accent_color", "#0f766e",
			"menu_label", "Docs "+img, "menu_url", `/docs"><script>alert(1)</script>`)},
	}
	for _, sv := range saves {
		if res, body := admin.admPost("/admin/portal/"+sv.section, sv.form, true); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", sv.section, res.StatusCode, fieldErrors(body))
		}
	}
	if s := h.admState().s; !strings.Contains(s.Title.In("en", "en"), "<img") {
		t.Fatalf("title stored as %q: the test needs it as typed", s.Title.In("en", "en"))
	}
	bad := []string{"<img src=x", "<script>alert(1)", "<b hx-get", `hx-trigger="load"`}
	_, login := h.client().get("/portal/login", false)
	_, settings := admin.get("/admin/portal", false)
	_, fragment := admin.admPost("/admin/portal/general", admForm("title", "Acme "+img, "slug", "Bad Slug", "language", "en"), true)
	for name, body := range map[string]string{"portal login": login, "settings page": settings, "422 fragment": fragment} {
		for _, b := range bad {
			if strings.Contains(body, b) {
				t.Errorf("%s contains live markup %q", name, b)
			}
		}
	}
	if !strings.Contains(login, "Acme &#34;&gt;&lt;img") && !strings.Contains(login, "Acme &quot;&gt;&lt;img") {
		t.Error("portal login page doesn't show the title as text")
	}
	if got, _ := admValue(settings, "title_en"); got != "Acme "+img {
		t.Errorf("settings page title field shows %q", got)
	}
}

func testAdmConcurrent(t *testing.T, h *harness) {
	a, b := h.admin(), h.admin()
	for i := range 6 {
		title := fmt.Sprintf("Title %d", i)
		perm := []string{model.PermissionContact, model.PermissionCompany}[i%2]
		idle := 10 + i
		before := h.admState()
		var wg sync.WaitGroup
		codes := make([]int, 3)
		post := func(k int, c *client, section string, f url.Values) {
			defer wg.Done()
			res, _ := c.admPost("/admin/portal/"+section, f, true)
			codes[k] = res.StatusCode
		}
		wg.Add(3)
		go post(0, a, "general", admForm("title", title, "slug", "portal", "language", "en", "languages", "en"))
		go post(1, b, "permissions", admForm("permission", perm))
		go post(2, a.admIn(h), "sessions", admForm("idle_minutes", fmt.Sprint(idle), "lifetime_hours", "12"))
		wg.Wait()
		after := h.admState()
		if !reflect.DeepEqual(codes, []int{200, 200, 200}) {
			t.Fatalf("round %d: statuses %v", i, codes)
		}
		if after.s.Title.In("en", "en") != title || after.s.Permission != perm || after.s.IdleTimeoutSec != idle*60 {
			t.Errorf("round %d: a save was lost: title %q (want %q), permission %q (want %q), idle %d (want %d)",
				i, after.s.Title.In("en", "en"), title, after.s.Permission, perm, after.s.IdleTimeoutSec, idle*60)
		}
		if after.version != before.version+3 || after.audit != before.audit+3 {
			t.Errorf("round %d: version %d → %d, audit %d → %d, want +3 each", i, before.version, after.version, before.audit, after.audit)
		}
	}
}
