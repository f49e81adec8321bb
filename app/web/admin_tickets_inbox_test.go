package web

import (
	"net/http"
	"net/url"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/web/admin"
	"strconv"
	"strings"
	"testing"
)

func testBtInbox(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)

	// Full page vs htmx fragment.
	res, body := c.get("/admin/inbox", false)
	recWant(t, "inbox page", res, http.StatusOK)
	if !strings.Contains(body, "<html") || !strings.Contains(body, `<section id="inbox-list"`) || !strings.Contains(body, `id="inbox-heading"`) {
		t.Errorf("inbox page is not a full page with the list: %.300s", body)
	}
	res, frag := c.get("/admin/inbox", true)
	recWant(t, "inbox fragment", res, http.StatusOK)
	if strings.Contains(frag, "<html") || !strings.HasPrefix(strings.TrimSpace(frag), `<section id="inbox-list"`) {
		t.Errorf("htmx inbox is not the fragment: %.200s", frag)
	}
	open := h.recCount("SELECT count(*) FROM tickets WHERE closed = ?", false)
	if !strings.Contains(frag, recT(h, "tickets.count", open)) {
		t.Errorf("default inbox does not count %d open tickets", open)
	}

	support := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	it := h.recInt("SELECT id FROM pipelines WHERE name = 'Internal IT'")
	onUs := h.recInt("SELECT id FROM stages WHERE name = 'Waiting on us' AND pipeline_id = ?", support)
	billing := h.recInt("SELECT id FROM inboxes WHERE name = 'Billing'")
	agent := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AgentEmail)
	s := func(id int64) string { return strconv.FormatInt(id, 10) }

	// Filters narrow the rows to exactly what the database holds.
	filters := []struct {
		query, sql string
		args       []any
	}{
		{"status=open", "SELECT id FROM tickets WHERE closed = ?", []any{false}},
		{"status=closed", "SELECT id FROM tickets WHERE closed = ?", []any{true}},
		{"status=all", "SELECT id FROM tickets", nil},
		{"status=all&pipeline=" + s(it), "SELECT id FROM tickets WHERE pipeline_id = ?", []any{it}},
		{"status=all&stage=" + s(onUs), "SELECT id FROM tickets WHERE stage_id = ?", []any{onUs}},
		{"status=open&owner=" + s(agent), "SELECT id FROM tickets WHERE closed = ? AND owner_id = ?", []any{false, agent}},
		{"status=all&owner=-1", "SELECT id FROM tickets WHERE owner_id IS NULL", nil},
		{"status=all&priority=urgent", "SELECT id FROM tickets WHERE priority = ?", []any{model.PriorityUrgent}},
		{"status=all&inbox=" + s(billing), "SELECT id FROM tickets WHERE inbox_id = ?", []any{billing}},
		{"status=open&pipeline=" + s(support) + "&priority=high", "SELECT id FROM tickets WHERE closed = ? AND pipeline_id = ? AND priority = ?", []any{false, support, model.PriorityHigh}},
	}
	for _, f := range filters {
		want := h.btSQLIDs(f.sql, f.args...)
		if len(want) == 0 {
			t.Errorf("%s: the demo data has no such ticket, the check proves nothing", f.query)
		}
		got := btInboxIDs(t, c, f.query)
		if !btSame(btSorted(got), want) {
			t.Errorf("inbox?%s: rows %v, want %v", f.query, btSorted(got), want)
		}
		_, body := c.get("/admin/inbox?"+f.query, true)
		if !strings.Contains(body, recT(h, "tickets.count", len(want))) {
			t.Errorf("inbox?%s: count is not %d", f.query, len(want))
		}
	}
	if n := h.recCount("SELECT count(*) FROM tickets WHERE owner_id IS NULL"); n == h.recCount("SELECT count(*) FROM tickets") {
		t.Error("every ticket is unassigned: the owner filter proves nothing")
	}

	// Search: by ID, by subject, and by a word only in an internal note.
	search := map[string]int64{"22": 22, "#22": 22, "printer shows error": 22, "warranty": 22}
	for q, id := range search {
		ids := btInboxIDs(t, c, "status=all&q="+url.QueryEscape(q))
		if !containsID(ids, id) {
			t.Errorf("search %q: rows %v miss #%d", q, ids, id)
		}
	}
	if n := h.recCount("SELECT count(*) FROM messages WHERE body LIKE '%warranty%' AND kind = 'public'"); n != 0 {
		t.Fatalf("the note's word is also in %d public messages", n)
	}
	if ids := btInboxIDs(t, c, "status=all&q=warranty"); len(ids) != 1 {
		t.Errorf("search for the note's word: rows %v, want only #22", ids)
	}
	if ids := btInboxIDs(t, c, "status=all&q=nosuchwordanywhere"); len(ids) != 0 {
		t.Errorf("search for nothing: rows %v", ids)
	}
	if ids := btInboxIDs(t, c, "status=all&q=%25"); len(ids) != 0 {
		t.Errorf("search for %%: rows %v, want none (escaped)", ids)
	}

	// Sort and page.
	total := h.recCount("SELECT count(*) FROM tickets")
	_, body = c.get("/admin/inbox?status=all&sort=id", true)
	if ids := btRows(body); len(ids) != admin.InboxPageSize || ids[0] != 1 || ids[1] != 2 {
		t.Errorf("sort=id: rows %v", ids)
	}
	if !strings.Contains(body, `aria-sort="ascending"`) {
		t.Error("sort=id: no aria-sort on the column")
	}
	_, body = c.get("/admin/inbox?status=all&sort=-id", true)
	if ids := btRows(body); len(ids) == 0 || ids[0] != int64(total) {
		t.Errorf("sort=-id: rows %v, want #%d first", ids, total)
	}
	_, body = c.get("/admin/inbox?status=all&sort=id&page=2", true)
	if ids := btRows(body); len(ids) != total-admin.InboxPageSize || ids[0] != admin.InboxPageSize+1 {
		t.Errorf("page 2: rows %v", ids)
	}
	if !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Error("page 2 of 2: wrong pagination links")
	}
	latest := h.recInt("SELECT id FROM tickets WHERE closed = ? ORDER BY last_activity_at DESC, id DESC LIMIT 1", false)

	// Junk parameters fall back to the defaults.
	for _, q := range []string{"sort=DROP", "sort=id%3BDROP%20TABLE%20tickets", "page=-1", "page=abc", "owner=abc", "status=bogus", "priority=x'", "inbox=-3"} {
		res, body := c.get("/admin/inbox?"+q, true)
		recWant(t, "inbox?"+q, res, http.StatusOK)
		ids := btRows(body)
		if len(ids) == 0 || ids[0] != latest || !strings.Contains(body, recT(h, "tickets.count", open)) {
			t.Errorf("inbox?%s: rows %v, want the default list (first #%d, %d open)", q, ids, latest, open)
		}
	}
	if ids := btInboxIDs(t, c, "status=all&page=999999&sort=id"); len(ids) != 0 {
		t.Errorf("page past the end: rows %v", ids)
	}
}

func testBtTicketPage(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	res, body := c.get("/admin/tickets/25", false)
	recWant(t, "ticket 25", res, http.StatusOK)
	if !strings.Contains(body, "older thread") || !strings.Contains(body, "newer thread") {
		t.Error("ticket 25 does not show both threads")
	}
	if n := strings.Count(body, "<article"); n != 2 {
		t.Errorf("ticket 25: %d threads shown, want 2", n)
	}
	if strings.Index(body, "newer thread") > strings.Index(body, "older thread") {
		t.Error("ticket 25: the newer thread is not first")
	}
	if !strings.Contains(body, "Invoice address change") || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("ticket 25: subject or Cache-Control %q", res.Header.Get("Cache-Control"))
	}

	_, body = c.get("/admin/tickets/22", false)
	note := recT(h, "backoffice.kind_note")
	if !strings.Contains(body, "INTERNAL NOTE:") || !strings.Contains(body, note) {
		t.Error("ticket 22 does not show its internal note, marked")
	}
	if !strings.Contains(body, `action="/admin/tickets/22/replies"`) || !strings.Contains(body, `formaction="/admin/tickets/22/notes"`) ||
		!strings.Contains(body, `name="attachments"`) {
		t.Error("ticket 22: no reply and note forms")
	}
	if !strings.Contains(body, "screenshot.png") || !strings.Contains(body, "Ana Álvarez") {
		t.Error("ticket 22: attachment or contact missing")
	}
	_, body = c.get("/admin/tickets/24", false)
	if !strings.Contains(body, "INTERNAL COMMENT:") || !strings.Contains(body, recT(h, "backoffice.kind_comment")) {
		t.Error("ticket 24 does not show its internal comment, marked")
	}
	_, body = c.get("/admin/tickets/31", false)
	if !strings.Contains(body, recT(h, "backoffice.no_threads")) {
		t.Error("ticket 31 (phone): no 'no threads' text")
	}

	for _, p := range []string{"/admin/tickets/999999", "/admin/tickets/0", "/admin/tickets/-1", "/admin/tickets/abc"} {
		if res, _ := c.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := c.multipart("/admin/tickets/999999/replies", [][2]string{{"body", "x"}}, nil, true); res.StatusCode != http.StatusNotFound {
		t.Errorf("reply to a missing ticket: %d, want 404", res.StatusCode)
	}
}
