package web

import (
	"strings"
	"testing"
)

// A contact with no ticket at all sees one call to action, not empty
// filters next to two identical buttons; a contact with tickets keeps the
// controls.
func TestTicketListEmptyAccount(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.exec("INSERT INTO contacts (email, name) VALUES (?, ?)", "newcomer@example.com", "Newcomer")
	c := h.client()
	c.as("newcomer@example.com")
	for _, htmx := range []bool{false, true} {
		_, body := c.get("/portal/tickets", htmx)
		if n := strings.Count(body, `href="/portal/tickets/new"`); n != 1 {
			t.Errorf("htmx %v: %d links to the support form, want 1", htmx, n)
		}
		for _, gone := range []string{`id="status-tabs"`, `role="search"`, `id="sort-phone"`} {
			if strings.Contains(body, gone) {
				t.Errorf("htmx %v: an empty account's list still has %s", htmx, gone)
			}
		}
		if !strings.Contains(body, "No tickets here yet") {
			t.Errorf("htmx %v: no empty state", htmx)
		}
	}

	a := h.client()
	a.as(ana)
	_, body := a.get("/portal/tickets", false)
	for _, kept := range []string{`id="status-tabs"`, `role="search"`, `id="sort-phone"`} {
		if !strings.Contains(body, kept) {
			t.Errorf("a list with tickets lost %s", kept)
		}
	}
	// A search with no result keeps the controls, to change it.
	_, body = a.get("/portal/tickets?q=zzqx-nothing", false)
	if !strings.Contains(body, `role="search"`) {
		t.Error("an empty search lost the search box")
	}
}
