package web

import (
	"fmt"
	"net/http"
	"net/url"
	"portico/app/model"
	"strings"
	"testing"
)

// A portal switched off answers "unavailable" on every page but the
// stylesheet; a contact the access lists leave out gets "access denied".
func TestPortalOffAndAccessLists(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ana1 := h.client()
	ana1.as(ana)
	carla1 := h.client()
	carla1.as(carla)

	h.updateSettings(func(s *model.PortalSettings) { s.Enabled = false })
	anon := h.client()
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{anon, "/portal/login"},
		{anon, "/portal/register"},
		{anon, "/portal/tickets"},
		{ana1, "/portal/tickets"},
		{ana1, "/portal/tickets/22"},
		{ana1, "/portal/tickets/new"},
		{ana1, fmt.Sprintf("/portal/attachments/%d", h.attachmentID("screenshot.png"))},
	} {
		res, body := tc.c.get(tc.path, false)
		if res.StatusCode != http.StatusServiceUnavailable || h1(body) != "Portal unavailable" {
			t.Errorf("%s while off: %d %q", tc.path, res.StatusCode, h1(body))
		}
		if strings.Contains(body, "Printer shows error") {
			t.Errorf("%s while off shows a ticket", tc.path)
		}
	}
	res, _ := ana1.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login POST while off: %d", res.StatusCode)
	}
	if res, _ := anon.get("/portal/theme.css", false); res.StatusCode != http.StatusOK {
		t.Errorf("theme.css while off: %d", res.StatusCode)
	}

	// Back on, list-based access, and Carla taken off the list.
	h.updateSettings(func(s *model.PortalSettings) { s.Enabled = true; s.Access = model.AccessLists })
	h.exec("DELETE FROM list_members WHERE contact_id = ?", h.contactID(carla))
	for _, path := range []string{"/portal/tickets", "/portal/tickets/23", "/portal/tickets/new"} {
		res, body := carla1.get(path, false)
		if res.StatusCode != http.StatusForbidden || h1(body) != "Access denied" {
			t.Errorf("Carla %s: %d %q, want 403 Access denied", path, res.StatusCode, h1(body))
		}
		if strings.Contains(body, "How do I delete my account") {
			t.Errorf("Carla %s: ticket shown", path)
		}
	}
	res, body := carla1.get("/portal/tickets", true)
	if res.StatusCode != http.StatusForbidden || strings.Contains(body, "ticket-list") {
		t.Errorf("Carla htmx: %d", res.StatusCode)
	}
	before := h.count("SELECT count(*) FROM messages")
	res, _ = carla1.multipart("/portal/tickets/23/replies", [][2]string{{"body", "let me in"}}, nil, false)
	if res.StatusCode != http.StatusForbidden || h.count("SELECT count(*) FROM messages") != before {
		t.Errorf("Carla reply: %d", res.StatusCode)
	}
	if res, _ := ana1.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("Ana, on the list: %d", res.StatusCode)
	}
	// An admin's own heading for the denied page wins.
	h.updateSettings(func(s *model.PortalSettings) {
		s.Pages = map[string]model.PageText{"access_denied": {Heading: model.PlainText("Members only"), Intro: model.PlainText("Ask your admin.")}}
	})
	if _, body := carla1.get("/portal/tickets", false); h1(body) != "Members only" || !strings.Contains(body, "Ask your admin.") {
		t.Errorf("custom denied page: %q", h1(body))
	}
}
