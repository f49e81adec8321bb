package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Changing the slug moves the portal: pages, links, redirects and forms
// use the new path, and the old paths redirect to it.
func TestPortalSlug(t *testing.T) {
	h := newHarness(t)
	admin := h.recStaff("admin@example.com")
	general := func(slug string) (*http.Response, string) {
		return admin.post("/admin/portal/general", url.Values{
			"title": {"Portico Demo Help Center"}, "slug": {slug}, "base_url": {"https://help.example.com"},
			"language": {"en"}, "languages": {"en", "es"},
		}, true)
	}
	if res, body := general("admin"); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="slug-error"`) {
		t.Fatalf("a reserved slug is refused at the field: %d", res.StatusCode)
	}
	if res, _ := general("help"); res.StatusCode != http.StatusOK {
		t.Fatalf("save slug: %d", res.StatusCode)
	}

	ana := h.client()
	res, body := ana.get("/help/login", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `action="/help/login"`) || strings.Contains(body, `"/portal/`) {
		t.Fatalf("login under the new slug: %d; links still name /portal: %v", res.StatusCode, strings.Contains(body, `"/portal/`))
	}
	res, _ = ana.get("/portal/login?next=%2Fportal%2Ftickets", false)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/help/login?next=%2Fportal%2Ftickets" {
		t.Fatalf("old path: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	req := httptest.NewRequest(http.MethodPost, "/portal/login", strings.NewReader("email=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := ana.do(req); res.StatusCode != http.StatusPermanentRedirect {
		t.Fatalf("a form post to the old path keeps its method: %d", res.StatusCode)
	}

	res, _ = ana.post("/help/login", url.Values{"email": {"ana@acme.example"}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/help/tickets" {
		t.Fatalf("login lands under the slug: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = ana.get("/help/tickets", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/help/tickets/22"`) || !strings.Contains(body, `/help/theme.css`) {
		t.Fatalf("ticket list under the slug: %d", res.StatusCode)
	}
	res, body = ana.get("/help/tickets?status=closed", true)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `hx-get="/help/tickets?`) || !strings.HasPrefix(res.Header.Get("HX-Push-Url"), "/help/tickets?") {
		t.Fatalf("fragment links and pushed URL under the slug: %d %q", res.StatusCode, res.Header.Get("HX-Push-Url"))
	}

	if res, _ := general("support"); res.StatusCode != http.StatusOK {
		t.Fatalf("second slug: %d", res.StatusCode)
	}
	res, _ = ana.get("/help/tickets/22", false)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/support/tickets/22" {
		t.Fatalf("an earlier slug redirects to the new one: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := ana.get("/support/tickets/22", false); res.StatusCode != http.StatusOK {
		t.Fatalf("the session survives the move: %d", res.StatusCode)
	}
	if res, _ := ana.get("/admin/inbox", false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the back office is not under the slug: %d", res.StatusCode)
	}
}
