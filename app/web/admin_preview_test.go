package web

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/web/core"
)

// "View customer portal": an admin sees the portal as a chosen contact,
// read-only, without that contact's login. The preview runs inside TestAdminSettingsSQLite and
// TestAdminSettingsPostgres (admin_settings_test.go), on their server, as
// the subtests PreviewAsContact and PreviewRefused.

// admPortalToken is the portal's CSRF token on a portal page, which htmx
// sends as a header. (In a preview the first form on the page is the
// banner's, which carries the staff token.)
func admPortalToken(t *testing.T, body string) string {
	t.Helper()
	m := admHXTokenRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no portal CSRF token on the page")
	}
	return m[1]
}

func testAdmPreviewAsContact(t *testing.T, h *harness) {
	admin := h.admin()
	adminID := h.admStaffID(demo.AdminEmail)
	anaID := h.contactID(demo.AnaEmail)

	// What Ana herself sees.
	ana := h.client()
	ana.as(demo.AnaEmail)
	_, own := ana.get("/portal/tickets?status=all", false)
	want := rowIDs(own)
	if !containsID(want, 22) {
		t.Fatalf("demo: Ana's list lacks #22: %v", want)
	}

	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin in the portal before any preview: %d", res.StatusCode)
	}

	// htmx gets HX-Redirect, a plain form a 303; both start the preview.
	res, _ := admin.admPost("/admin/portal/preview", url.Values{"email": {demo.AnaEmail}}, true)
	if res.Header.Get("HX-Redirect") != "/portal/tickets" {
		t.Errorf("htmx preview: %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	auditBefore := h.count("SELECT count(*) FROM audit_log WHERE action = 'portal.preview'")
	res, _ = admin.admPost("/admin/portal/preview", url.Values{"email": {demo.AnaEmail}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
		t.Fatalf("preview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'portal.preview'"); n != auditBefore+1 {
		t.Errorf("preview audit entries %d → %d", auditBefore, n)
	}
	e := h.admLastAudit()
	if e.Action != "portal.preview" || e.ActorType != "staff" || e.ActorID == nil || *e.ActorID != adminID ||
		!strings.Contains(e.Target, demo.AnaEmail) {
		t.Errorf("audit entry %+v", e)
	}

	// The same browser now sees Ana's tickets, with the banner.
	res, body := admin.get("/portal/tickets?status=all", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview list: %d", res.StatusCode)
	}
	if !admHas(body, h.admT("layout.preview")) || !strings.Contains(body, demo.AnaEmail) {
		t.Error("no preview banner naming Ana")
	}
	if got := rowIDs(body); !reflect.DeepEqual(got, want) {
		t.Errorf("preview list %v, Ana's own %v", got, want)
	}
	if !strings.Contains(body, `action="/admin/portal/preview/end"`) {
		t.Error("banner has no way to end the preview")
	}
	res, body = admin.get("/portal/tickets/22", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview of #22: %d", res.StatusCode)
	}
	token := admPortalToken(t, body)

	// Nothing can be changed, even with a valid portal token.
	messages := h.count("SELECT count(*) FROM messages")
	tickets := h.count("SELECT count(*) FROM tickets")
	lang := h.count("SELECT count(*) FROM contacts WHERE id = ? AND language = 'es'", anaID)
	for _, tc := range []struct {
		path string
		form url.Values
		htmx bool
	}{
		{"/portal/tickets/22/replies", url.Values{"body": {"Written in a preview"}}, false},
		{"/portal/tickets/22/replies", url.Values{"body": {"Written in a preview"}}, true},
		{"/portal/tickets", url.Values{"subject": {"From a preview"}, "body": {"Hello"}}, false},
		{"/portal/language", url.Values{"lang": {"es"}, "next": {"/portal/tickets"}}, false},
		{"/portal/logout", nil, false},
	} {
		f := url.Values{core.CSRFField: {token}}
		for k, v := range tc.form {
			f[k] = v
		}
		res, body := admin.post(tc.path, f, tc.htmx)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s in a preview: %d, want 403", tc.path, res.StatusCode)
		} else if !admHas(body, h.admT("preview.readonly_body")) {
			t.Errorf("POST %s: 403 for another reason than the preview", tc.path)
		}
	}
	if n := h.count("SELECT count(*) FROM messages"); n != messages {
		t.Errorf("messages %d → %d in a preview", messages, n)
	}
	if n := h.count("SELECT count(*) FROM tickets"); n != tickets {
		t.Errorf("tickets %d → %d in a preview", tickets, n)
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE id = ? AND language = 'es'", anaID); n != lang {
		t.Error("Ana's language changed in a preview")
	}
	// The same reply from Ana herself goes through, so the 403 was the
	// preview's.
	_, page := ana.get("/portal/tickets/22", false)
	if res, _ := ana.post("/portal/tickets/22/replies", url.Values{core.CSRFField: {admPortalToken(t, page)}, "body": {"From Ana"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("Ana's own reply: %d", res.StatusCode)
	}

	// The preview works while the portal is off, for the admin only.
	h.admSet(func(s *model.PortalSettings) { s.Enabled = false })
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("preview with the portal off: %d", res.StatusCode)
	}
	if res, _ := h.client().get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off for customers: %d", res.StatusCode)
	}
	h.admSet(func(s *model.PortalSettings) { s.Enabled = true })

	// Ending it, with the banner's form, leaves the admin logged in to the
	// back office and out of the portal.
	end := url.Values{core.CSRFField: {admin.admToken()}}
	if res, _ := admin.post("/admin/portal/preview/end", end, false); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/admin/portal" {
		t.Fatalf("end preview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = admin.get("/portal/tickets", false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
		t.Errorf("portal after the preview: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := admin.get("/admin/portal", false); res.StatusCode != http.StatusOK {
		t.Errorf("back office after the preview: %d", res.StatusCode)
	}

	// Logging out of the back office ends a preview too.
	admin.admPost("/admin/portal/preview", url.Values{"email": {demo.BenEmail}}, false)
	if _, body := admin.get("/portal/tickets", false); !strings.Contains(body, demo.BenEmail) {
		t.Fatal("preview as Ben didn't start")
	}
	admin.admPost("/admin/logout", nil, false)
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("preview after staff logout: %d", res.StatusCode)
	}
}

func testAdmPreviewRefused(t *testing.T, h *harness) {
	admin := h.admin()
	count := func() int { return h.count("SELECT count(*) FROM audit_log WHERE action = 'portal.preview'") }
	before := count()

	// An unknown email: the form again, with the error at the field.
	for _, email := range []string{"nobody@acme.example", "", "ana@acme.example' OR '1'='1"} {
		res, body := admin.admPost("/admin/portal/preview", url.Values{"email": {email}}, true)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d, want 422", email, res.StatusCode)
		}
		admFragment(t, body, "preview")
		admInvalid(t, body, "preview-email")
		if got, _ := admValue(body, "preview-email"); got != email {
			t.Errorf("%q: field shows %q", email, got)
		}
		if !admHas(body, h.admT("preview.unknown_contact")) {
			t.Errorf("%q: no error text", email)
		}
	}
	res, body := admin.admPost("/admin/portal/preview", url.Values{"email": {"nobody@acme.example"}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<html") || !strings.Contains(body, `<section id="general"`) {
		t.Errorf("plain form: %d, whole page %v", res.StatusCode, strings.Contains(body, "<html"))
	}
	admInvalid(t, body, "preview-email")
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("portal after a refused preview: %d", res.StatusCode)
	}

	// An agent may not preview, and gets no portal either.
	agent := h.admAs(demo.AgentEmail)
	if res, _ := agent.admPost("/admin/portal/preview", url.Values{"email": {demo.AnaEmail}}, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent preview: %d, want 403", res.StatusCode)
	}
	if res, _ := agent.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("agent in the portal: %d", res.StatusCode)
	}

	// Without a CSRF token, nothing starts.
	if res, _ := admin.admRaw("/admin/portal/preview", url.Values{"email": {demo.AnaEmail}}, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("preview without token: %d", res.StatusCode)
	}
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("portal after a forged preview: %d", res.StatusCode)
	}
	if n := count(); n != before {
		t.Errorf("refused previews were audited: %d → %d", before, n)
	}

	// An admin who loses the settings permission loses the preview at once.
	admin.admPost("/admin/portal/preview", url.Values{"email": {demo.AnaEmail}}, false)
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", res.StatusCode)
	}
	h.exec("UPDATE staff_users SET can_portal_settings = ? WHERE email = ?", false, demo.AdminEmail)
	if res, _ := admin.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("preview after losing the permission: %d", res.StatusCode)
	}

	// A customer's own session wins over a preview in the same browser.
	h.exec("UPDATE staff_users SET can_portal_settings = ? WHERE email = ?", true, demo.AdminEmail)
	admin.as(demo.GinaEmail)
	if _, body := admin.get("/portal/tickets", false); admHas(body, h.admT("layout.preview")) || !strings.Contains(body, demo.GinaEmail) {
		t.Error("a customer session in the same browser is shown as a preview")
	}
}
