package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"portico/app/demo"
	"portico/app/store"
	"strings"
	"testing"
	"time"
)

func testAdmConsent(t *testing.T, h *harness) {
	admin := h.admin()
	notice := `<p onclick="steal()">We keep <a href="https://acme.example/privacy" onclick="x()">your data</a> safe.</p>` +
		`<script>alert(1)</script><img src=x onerror=alert(1)>`
	for i, label := range []string{"I accept the Acme privacy notice", "I accept the new Acme notice"} {
		before := h.admState()
		res, body := admin.admPost("/admin/portal/consent", admForm("notice", notice, "label", label), true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("save %d: status %d, errors %v", i, res.StatusCode, fieldErrors(body))
		}
		after := h.admState()
		if after.consents != before.consents+1 {
			t.Fatalf("save %d: consent versions %d → %d", i, before.consents, after.consents)
		}
		var maxID int64
		if err := h.st.DB.QueryRowContext(context.Background(), "SELECT max(id) FROM consent_versions").Scan(&maxID); err != nil {
			t.Fatal(err)
		}
		if after.s.ConsentVersionID != maxID || after.s.ConsentVersionID == before.s.ConsentVersionID {
			t.Fatalf("save %d: settings point at consent version %d, newest is %d", i, after.s.ConsentVersionID, maxID)
		}
		v, err := store.ConsentVersion(context.Background(), h.st.DB, maxID)
		if err != nil {
			t.Fatal(err)
		}
		notice := v.Notice.In("en", "en")
		low := strings.ToLower(notice)
		for _, bad := range []string{"<script", "onclick", "onerror", "<img", "alert(1)"} {
			if strings.Contains(low, bad) {
				t.Errorf("stored notice keeps %q: %s", bad, notice)
			}
		}
		if !strings.Contains(notice, `<a href="https://acme.example/privacy"`) || !strings.Contains(notice, "your data</a>") {
			t.Errorf("stored notice lost its link: %s", notice)
		}
		if v.Label.In("en", "en") != label {
			t.Errorf("stored label %q", v.Label)
		}
		// The section shows the saved version, sanitized, in its textarea.
		if got, _ := admValue(body, "notice_en"); got != notice {
			t.Errorf("section shows notice %q, want %q", got, notice)
		}
		if !admHas(body, h.admT("settings.consent_version", maxID)) {
			t.Errorf("section doesn't name consent version %d", maxID)
		}

		// An anonymous visitor sees the new label at once.
		visitor := h.client()
		res, page := visitor.get("/portal/register", false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("register page: %d", res.StatusCode)
		}
		if !admHas(page, label) {
			t.Errorf("register page lacks the new label %q", label)
		}
		if i == 1 && admHas(page, "I accept the Acme privacy notice") {
			t.Error("register page still shows the old label")
		}
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "onerror=alert") {
			t.Error("register page shows the unsafe notice")
		}
		// The sanitized notice is HTML: its link is a link, not text.
		if !strings.Contains(page, `<a href="https://acme.example/privacy"`) || strings.Contains(page, "&lt;a href=") {
			t.Error("register page doesn't show the notice's link as a link (escaped HTML instead)")
		}
	}
}

func testAdmSwitch(t *testing.T, h *harness) {
	admin := h.admin()
	customer := h.client()
	general := func(base string) {
		t.Helper()
		res, body := admin.admPost("/admin/portal/general", admForm("title", "Acme", "slug", "portal",
			"base_url", base, "language", "en", "languages", "en"), true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("general with base_url %q: status %d, errors %v", base, res.StatusCode, fieldErrors(body))
		}
	}
	toggle := func(v string) (*http.Response, string) {
		t.Helper()
		return admin.admPost("/admin/portal/switch", admForm("enabled", v), true)
	}

	if res, body := toggle("off"); res.StatusCode != http.StatusOK || !admHas(body, h.admT("settings.saved")) {
		t.Fatalf("switch off: %d", res.StatusCode)
	}
	if h.admState().s.Enabled {
		t.Fatal("still on")
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off: /portal/login answers %d, want 503", res.StatusCode)
	}
	if res, _ := customer.get("/portal/register", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off: /portal/register answers %d, want 503", res.StatusCode)
	}

	general("")
	before := h.admState()
	res, body := toggle("on")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("switch on without base URL: status %d, want 422", res.StatusCode)
	}
	admFragment(t, body, "switch")
	admInvalid(t, body, "enabled")
	if !admHas(body, h.admT("settings.missing_base_url")) || !strings.Contains(body, `href="#general"`) {
		t.Error("checklist doesn't name the missing base URL")
	}
	if admHas(body, h.admT("settings.missing_inbox")) || admHas(body, h.admT("settings.missing_consent")) {
		t.Error("checklist names something that is not missing")
	}
	admSame(t, "refused switch", before, h.admState())
	if h.admState().s.Enabled {
		t.Fatal("portal switched on with a missing base URL")
	}

	general("https://help.acme.example")
	res, body = toggle("on")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("switch on: status %d, errors %v", res.StatusCode, fieldErrors(body))
	}
	if !admHas(body, h.admT("settings.checklist_done")) {
		t.Error("complete checklist not shown as done")
	}
	if !h.admState().s.Enabled {
		t.Fatal("not switched on")
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusOK {
		t.Errorf("portal on: /portal/login answers %d", res.StatusCode)
	}

	// Anything but "on" is off; the switch reads nothing else.
	if res, _ := admin.admPost("/admin/portal/switch", admForm("enabled", "yes", "base_url", ""), true); res.StatusCode != http.StatusOK {
		t.Fatalf("switch enabled=yes: %d", res.StatusCode)
	}
	if s := h.admState().s; s.Enabled || s.BaseURL != "https://help.acme.example" {
		t.Errorf("after enabled=yes: enabled %v, base URL %q", s.Enabled, s.BaseURL)
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off again: /portal/login answers %d", res.StatusCode)
	}
}

func testAdmLive(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.admin()
	visitor := h.client()
	ana := h.client()
	ana.as(demo.AnaEmail)

	// Title.
	if res, body := admin.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "portal",
		"base_url", "", "language", "en", "languages", "en", "languages", "es"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("general: %d %v", res.StatusCode, fieldErrors(body))
	}
	for _, tc := range []struct {
		who  *client
		path string
	}{{visitor, "/portal/login"}, {visitor, "/portal/register"}, {ana, "/portal/tickets"}, {ana, "/portal/tickets/new"}} {
		_, body := tc.who.get(tc.path, false)
		if title := admTitle(body); !strings.HasSuffix(title, "Acme Help Center") {
			t.Errorf("%s: <title> %q", tc.path, title)
		}
	}

	// System page texts.
	if res, body := admin.admPost("/admin/portal/pages", admForm("login_heading", "Welcome to Acme",
		"login_intro", "Use your work email.", "register_heading", "Join Acme"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("pages: %d %v", res.StatusCode, fieldErrors(body))
	}
	if _, body := visitor.get("/portal/login", false); h1(body) != "Welcome to Acme" || !admHas(body, "Use your work email.") {
		t.Errorf("login page heading %q after saving the page texts", h1(body))
	}
	if _, body := visitor.get("/portal/register", false); h1(body) != "Join Acme" {
		t.Errorf("register page heading %q after saving the page texts", h1(body))
	}

	// Branding: the stylesheet's URL carries the settings version.
	theme := func() (string, string) {
		t.Helper()
		_, body := visitor.get("/portal/login", false)
		m := admThemeRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no theme stylesheet on the login page")
		}
		href := html.UnescapeString(m[1])
		res, css := visitor.get(href, false)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("%s: %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
		}
		return href, css
	}
	href1, css1 := theme()
	if !strings.Contains(css1, "--brand:37 99 235") {
		t.Errorf("demo theme: %s", css1)
	}
	if res, body := admin.admMultipart("/admin/portal/branding", [][2]string{
		{"primary_color", "#112233"}, {"accent_color", "#ff8800"}, {"font", "system"},
	}, nil, true); res.StatusCode != http.StatusOK {
		t.Fatalf("branding: %d %v", res.StatusCode, fieldErrors(body))
	}
	href2, css2 := theme()
	if href2 == href1 {
		t.Errorf("theme URL unchanged after a branding change: %s", href1)
	}
	if !strings.Contains(css2, "--brand:17 34 51") || !strings.Contains(css2, "--accent:255 136 0") {
		t.Errorf("new theme: %s", css2)
	}
	// The demo menu is gone with the branding save, which posted none.
	if _, body := visitor.get("/portal/login", false); strings.Contains(body, "https://status.example.com") {
		t.Error("removed menu entry still shown")
	}

	// Self-registration off.
	if _, body := visitor.get("/portal/login", false); !strings.Contains(body, `href="/portal/register"`) {
		t.Fatal("demo login page has no registration link")
	}
	if res, body := admin.admPost("/admin/portal/access", admForm("access", "lists",
		"access_lists", fmt.Sprint(ids.list), "sso_access", "all"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("access: %d %v", res.StatusCode, fieldErrors(body))
	}
	if res, _ := visitor.get("/portal/register", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("/portal/register with registration off: %d, want 404", res.StatusCode)
	}
	if res, _ := visitor.post("/portal/register", admForm("name", "Eve", "email", "eve@example.com",
		"password", "a long passphrase", "consent", "yes"), false); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /portal/register with registration off: %d, want 404", res.StatusCode)
	}
	_, body := visitor.get("/portal/login", false)
	if strings.Contains(body, `href="/portal/register"`) || admHas(body, h.admT("login.register_link")) {
		t.Error("login page still offers registration")
	}
	// Ana is on the list and keeps her access.
	if res, _ := ana.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("Ana on the access list: %d", res.StatusCode)
	}

	// Idle timeout: a session idle longer than the new timeout is over.
	if res, body := admin.admPost("/admin/portal/sessions", admForm("idle_minutes", "5", "lifetime_hours", "12"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("sessions: %d %v", res.StatusCode, fieldErrors(body))
	}
	se, err := h.srv.Sessions.Get(context.Background(), ana.sid())
	if err != nil || se == nil {
		t.Fatalf("Ana's session: %v %v", se, err)
	}
	se.LastSeen = se.LastSeen.Add(-6 * time.Minute)
	if err := h.srv.Sessions.Put(context.Background(), ana.sid(), se, time.Hour); err != nil {
		t.Fatal(err)
	}
	if res, _ := ana.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
		t.Errorf("session idle 6 minutes with a 5-minute timeout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
