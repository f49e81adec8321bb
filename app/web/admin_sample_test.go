package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"portico/app/model"
	"portico/app/store"
)

// The template previews render the portal's pages with sample data for
// admins with the settings permission, and for nobody else.
func TestPortalSamplePages(t *testing.T) {
	h := newHarness(t)
	anon := h.client()
	res, _ := anon.get("/admin/portal/sample/list", false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Fatalf("anonymous: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	agent := h.recStaff("agent@example.com")
	if res, _ := agent.get("/admin/portal/sample/list", false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("an agent without the settings permission: %d", res.StatusCode)
	}
	admin := h.recStaff("admin@example.com")
	before := h.recCount("SELECT count(*) FROM tickets")
	cases := map[string]string{
		"list":     "Invoice shows the wrong VAT number",
		"detail":   "Thanks for letting us know!",
		"login":    `name="password"`,
		"register": `name="consent"`,
		"logout":   "You have logged out",
		"denied":   "Access denied",
		"reset":    `name="email"`,
	}
	for page, want := range cases {
		res, body := admin.get("/admin/portal/sample/"+page, false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", page, res.StatusCode)
		}
		if !strings.Contains(body, want) || !strings.Contains(body, "Sample data") {
			t.Errorf("%s: sample page lacks %q or the sample banner", page, want)
		}
		if strings.Contains(body, "Ana") {
			t.Errorf("%s: sample pages show no real customer", page)
		}
	}
	if res, _ := admin.get("/admin/portal/sample/settings", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown sample page: %d", res.StatusCode)
	}
	// The system page previews show the texts the admin saved.
	st, _, _ := store.Settings(context.Background(), h.st.DB)
	st.Pages = map[string]model.PageText{"access_denied": {Heading: model.PlainText("Members only"), Intro: model.PlainText("Ask your account manager.")}}
	if _, err := store.SaveSettings(context.Background(), h.st.DB, st); err != nil {
		t.Fatal(err)
	}
	if _, body := admin.get("/admin/portal/sample/denied", false); !strings.Contains(body, "Members only") || !strings.Contains(body, "Ask your account manager.") {
		t.Error("the access denied preview ignores the saved texts")
	}
	if after := h.recCount("SELECT count(*) FROM tickets"); after != before {
		t.Errorf("previews wrote tickets: %d → %d", before, after)
	}
}
