package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/admin"
)

// The agents' work: inbox, ticket page, replies and notes, ticket changes,
// associations, phone tickets, access and attachments, on both dialects.
// Every subtest builds its own server on a fresh database with the demo
// data and the agent-reply mail hook wired as in production.

func TestBackOfficeSQLite(t *testing.T) {
	btSuite(t, func(t *testing.T) *store.Store { return testutil.SQLite(t) })
}

func TestBackOfficePostgres(t *testing.T) {
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	btSuite(t, func(t *testing.T) *store.Store { return testutil.Postgres(t) })
}

func btSuite(t *testing.T, newStore func(*testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"Inbox", testBtInbox},
		{"TicketPage", testBtTicketPage},
		{"ReplyAndNote", testBtReplyAndNote},
		{"Properties", testBtProperties},
		{"Associations", testBtAssociations},
		{"PhoneTicket", testBtPhoneTicket},
		{"Access", testBtAccess},
		{"Attachments", testBtAttachments},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newHarnessOn(t, newStore(t), btMailHook(t)))
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "bt" so as not to collide with other tests.

// btMailHook gives the server a real mailer and queues the customers'
// notification on an agent's public reply.
func btMailHook(t *testing.T) harnessOpt {
	return func(d *Deps) {
		m, err := mail.NewFromConfig(d.Config, d.Views, d.I18n, d.Secret)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = m
		d.OnAgentReply = func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error {
			return m.NotifyContacts(ctx, tx, ticketID, msg)
		}
	}
}

var (
	btRowRe  = regexp.MustCompile(`<a href="/admin/tickets/(\d+)" class="hover:underline">`)
	btNextRe = regexp.MustCompile(`<a href="([^"]+)" hx-get="[^"]+" rel="next"`)
)

func btRows(body string) []int64 {
	var ids []int64
	for _, m := range btRowRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// btInboxIDs walks every page of an inbox query and returns the ticket IDs
// in the order shown, and the count the page announces.
func btInboxIDs(t *testing.T, c *client, query string) []int64 {
	t.Helper()
	var all []int64
	path := "/admin/inbox?" + query
	for i := 0; path != "" && i < 10; i++ {
		res, body := c.get(path, true)
		recWant(t, "GET "+path, res, http.StatusOK)
		all = append(all, btRows(body)...)
		path = ""
		if m := btNextRe.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return all
}

// btSQLIDs returns the ticket IDs a query selects, sorted.
func (h *harness) btSQLIDs(query string, args ...any) []int64 {
	h.t.Helper()
	var ids []int64
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &ids); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func btSorted(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func btSame(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *harness) btTicket(id int64) *model.Ticket {
	h.t.Helper()
	tk := new(model.Ticket)
	if err := h.st.DB.NewSelect().Model(tk).Where("id = ?", id).Scan(context.Background()); err != nil {
		h.t.Fatalf("ticket %d: %v", id, err)
	}
	return tk
}

func btPath(id int64, rest string) string {
	return "/admin/tickets/" + strconv.FormatInt(id, 10) + rest
}

// btMultipartHeader posts a multipart form with the CSRF token in the
// X-CSRF-Token header instead of the _csrf field, as htmx does.
func (c *client) btMultipartHeader(path string, fields [][2]string, files []upload) (*http.Response, string) {
	c.h.t.Helper()
	token := c.csrf
	c.csrf = ""
	req := c.multipartRequest(path, fields, files, true)
	c.csrf = token
	req.Header.Set("X-CSRF-Token", token)
	return c.do(req)
}

// ---------------------------------------------------------------------------

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

func testBtReplyAndNote(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	agent := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AgentEmail)
	before := h.btTicket(22)
	msgs := func() int { return h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22") }
	anaMails := func() int {
		return h.recCount("SELECT count(*) FROM mail_outbox WHERE to_addr = ? AND kind = ?", demo.AnaEmail, mail.KindReply)
	}
	n0, mails0 := msgs(), anaMails()

	// A public reply, with an attachment, CSRF in the header.
	reply := "Please replace the print head; a courier brings it tomorrow (quokka)."
	res, body := c.btMultipartHeader("/admin/tickets/22/replies", [][2]string{{"body", reply}},
		[]upload{{"steps.txt", []byte("step one\nstep two\n")}})
	recWant(t, "reply", res, http.StatusOK)
	recFragment(t, body, "ticket-work")
	if !strings.HasPrefix(strings.TrimSpace(body), `<section id="ticket-work"`) || !strings.Contains(body, "quokka") ||
		!strings.Contains(body, recT(h, "backoffice.reply_sent")) || !strings.Contains(body, "steps.txt") {
		t.Errorf("reply fragment lacks the reply: %.300s", body)
	}
	if msgs() != n0+1 {
		t.Fatalf("messages %d, want %d", msgs(), n0+1)
	}
	if n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22 AND body = ? AND kind = ? AND direction = ? AND author_staff_id = ? AND author_contact_id IS NULL",
		reply, model.KindPublic, model.DirectionOutgoing, agent); n != 1 {
		t.Error("the reply is not a public outgoing message by the agent")
	}
	if n := h.recCount("SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.body = ? AND a.filename = 'steps.txt' AND a.ticket_id = 22", reply); n != 1 {
		t.Error("the reply's attachment is not stored")
	}
	afterReply := h.btTicket(22)
	if !afterReply.LastActivityAt.After(before.LastActivityAt) {
		t.Errorf("last activity did not move: %v → %v", before.LastActivityAt, afterReply.LastActivityAt)
	}
	if anaMails() != mails0+1 {
		t.Errorf("outbox mails to Ana: %d, want %d", anaMails(), mails0+1)
	}
	if len(h.recAudits("ticket.public", "ticket:22")) != 1 {
		t.Error("no audit entry for the reply")
	}

	// A note, CSRF in the field.
	note := "INTERNAL NOTE: customer sounded annoyed, offer a discount (wombat)."
	res, body = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", note}}, nil, true)
	recWant(t, "note", res, http.StatusOK)
	recFragment(t, body, "ticket-work")
	if !strings.Contains(body, "wombat") || !strings.Contains(body, recT(h, "backoffice.note_added")) {
		t.Error("note fragment lacks the note")
	}
	if n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22 AND body = ? AND kind = ? AND author_staff_id = ?", note, model.KindNote, agent); n != 1 {
		t.Error("the note is not stored as kind note")
	}
	if got := h.btTicket(22).LastActivityAt; !got.Equal(afterReply.LastActivityAt) {
		t.Errorf("a note moved last activity: %v → %v", afterReply.LastActivityAt, got)
	}
	if anaMails() != mails0+1 || h.recCount("SELECT count(*) FROM mail_outbox WHERE text_body LIKE '%wombat%' OR html_body LIKE '%wombat%'") != 0 {
		t.Error("a note queued mail")
	}

	// Empty body: 422 at the field, nothing stored, for both kinds.
	n1 := msgs()
	for _, kind := range []string{"replies", "notes"} {
		res, body = c.multipart("/admin/tickets/22/"+kind, [][2]string{{"body", "  \r\n "}}, []upload{{"x.txt", []byte("x")}}, true)
		recWant(t, "empty "+kind, res, http.StatusUnprocessableEntity)
		recFragment(t, body, "ticket-work")
		recInvalid(t, body, "composer-body", recT(h, "reply.body_required"))
	}
	if msgs() != n1 || h.recCount("SELECT count(*) FROM attachments WHERE filename = 'x.txt'") != 0 || anaMails() != mails0+1 {
		t.Error("an empty message stored something")
	}

	// Without htmx: 303 to the ticket's latest message.
	res, _ = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", "Plain form note."}}, nil, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/tickets/22#latest" {
		t.Errorf("plain note: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = c.multipart("/admin/tickets/22/replies", [][2]string{{"body", "Plain form reply."}}, nil, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/tickets/22#latest" {
		t.Errorf("plain reply: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// The customer sees the reply and never the note.
	ana := h.client()
	ana.login(demo.AnaEmail)
	res, body = ana.get("/portal/tickets/22", false)
	recWant(t, "portal ticket 22", res, http.StatusOK)
	if !strings.Contains(body, "quokka") || !strings.Contains(body, "steps.txt") {
		t.Error("Ana does not see the reply")
	}
	if strings.Contains(body, "wombat") || strings.Contains(body, "INTERNAL NOTE") || strings.Contains(body, "Plain form note") {
		t.Error("Ana sees the note")
	}
	_, body = ana.get("/portal/tickets?status=all&q=quokka", false)
	if !containsID(rowIDs(body), 22) {
		t.Error("Ana's search does not find the reply (control)")
	}
	for _, htmx := range []bool{false, true} {
		_, body = ana.get("/portal/tickets?status=all&q=wombat", htmx)
		if containsID(rowIDs(body), 22) || strings.Contains(body, "wombat") && !strings.Contains(body, `value="wombat"`) {
			t.Errorf("Ana's search (htmx %v) finds the note", htmx)
		}
		_, body = ana.get("/portal/tickets?status=all", htmx)
		if strings.Contains(body, "wombat") || strings.Contains(body, "INTERNAL NOTE") {
			t.Errorf("Ana's list (htmx %v) leaks the note", htmx)
		}
	}
}

func testBtProperties(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	s := func(id int64) string { return strconv.FormatInt(id, 10) }
	support := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	it := h.recInt("SELECT id FROM pipelines WHERE name = 'Internal IT'")
	closedStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ?", support, true)
	onUs := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND name = 'Waiting on us'", support)
	triage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? ORDER BY position, id LIMIT 1", it)
	admin := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AdminEmail)
	before := h.btTicket(22)
	if before.Closed || before.StageID != onUs {
		t.Fatalf("ticket 22 is not open in 'Waiting on us': %+v", before)
	}

	// Bad priority or owner: 422 at the field, nothing changed.
	for _, tc := range []struct{ field, value, id string }{
		{"priority", "extreme", "p-priority"},
		{"owner", "999999", "p-owner"},
		{"owner", "-4", "p-owner"},
	} {
		v := recVals("pipeline", s(support), "stage", s(closedStage), "priority", "low", "owner", s(admin))
		v.Set(tc.field, tc.value)
		res, body := c.post("/admin/tickets/22/properties", v, true)
		recWant(t, tc.field+"="+tc.value, res, http.StatusUnprocessableEntity)
		recFragment(t, body, "ticket-props")
		recInvalid(t, body, tc.id, recT(h, "form.invalid"))
	}
	if res, body := c.post("/admin/tickets/22/properties", recVals("pipeline", "999999", "stage", s(closedStage)), true); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown pipeline: %d", res.StatusCode)
	} else {
		recInvalid(t, body, "p-pipeline", recT(h, "form.invalid"))
	}
	if got := h.btTicket(22); got.StageID != before.StageID || got.Closed || got.Priority != before.Priority ||
		fmt.Sprint(got.OwnerID != nil) != fmt.Sprint(before.OwnerID != nil) {
		t.Fatalf("a refused change was saved: %+v", got)
	}
	if len(h.recAudits("ticket.update", "ticket:22")) != 0 {
		t.Error("a refused change was audited")
	}

	// Move to the closed stage, with a new priority and owner.
	res, body := c.post("/admin/tickets/22/properties", recVals("pipeline", s(support), "stage", s(closedStage), "priority", "low", "owner", s(admin), "closed", "false", "subject", "hacked"), true)
	recWant(t, "close", res, http.StatusOK)
	recFragment(t, body, "ticket-props")
	if recSelected(body, "p-stage") != s(closedStage) {
		t.Errorf("fragment shows stage %q", recSelected(body, "p-stage"))
	}
	got := h.btTicket(22)
	if !got.Closed || got.StageID != closedStage || got.Priority != "low" || got.OwnerID == nil || *got.OwnerID != admin || got.Subject != before.Subject {
		t.Errorf("after closing: %+v", got)
	}
	audits := h.recAudits("ticket.update", "ticket:22")
	if len(audits) != 1 {
		t.Fatalf("%d audit entries", len(audits))
	}
	var b, a map[string]any
	if err := json.Unmarshal([]byte(audits[0].Before), &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(audits[0].After), &a); err != nil {
		t.Fatal(err)
	}
	if b["stage"] != float64(onUs) || a["stage"] != float64(closedStage) || b["priority"] != before.Priority || a["priority"] != "low" ||
		a["owner"] != float64(admin) || audits[0].ActorType != "staff" || audits[0].ActorID == nil {
		t.Errorf("audit before %s after %s", audits[0].Before, audits[0].After)
	}

	// The portal shows it read-only and refuses a reply.
	ana := h.client()
	ana.as(demo.AnaEmail)
	res, body = ana.get("/portal/tickets/22", false)
	recWant(t, "portal closed ticket", res, http.StatusOK)
	if strings.Contains(body, `action="/portal/tickets/22/replies"`) {
		t.Error("the portal still offers a reply form on a closed ticket")
	}
	n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22")
	res, _ = ana.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Reopen please"}}, nil, false)
	recWant(t, "reply to closed", res, http.StatusConflict)
	if h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22") != n {
		t.Error("a reply to a closed ticket was stored")
	}

	// A stage from another pipeline becomes the pipeline's first stage;
	// unassigning works.
	res, _ = c.post("/admin/tickets/22/properties", recVals("pipeline", s(it), "stage", s(onUs), "priority", "", "owner", "0"), true)
	recWant(t, "other pipeline", res, http.StatusOK)
	got = h.btTicket(22)
	if got.PipelineID != it || got.StageID != triage || got.Closed || got.OwnerID != nil || got.Priority != "" {
		t.Errorf("stage from another pipeline: %+v, want stage %d", got, triage)
	}
	if len(h.recAudits("ticket.update", "ticket:22")) != 2 {
		t.Error("second change not audited")
	}
	// Without htmx: 303 back to the ticket.
	res, _ = c.post("/admin/tickets/22/properties", recVals("pipeline", s(support), "stage", s(onUs)), false)
	recLocation(t, "plain properties", res, "/admin/tickets/22")
	if got := h.btTicket(22); got.StageID != onUs || got.Closed {
		t.Errorf("plain properties: %+v", got)
	}
	if res, _ := c.post("/admin/tickets/999999/properties", recVals("pipeline", s(support), "stage", s(onUs)), true); res.StatusCode != http.StatusNotFound {
		t.Errorf("properties of a missing ticket: %d", res.StatusCode)
	}
}

func testBtAssociations(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	carla := h.client()
	carla.as(demo.CarlaEmail)
	if res, _ := carla.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Carla sees #22 before: %d", res.StatusCode)
	}
	carlaID := h.contactID(demo.CarlaEmail)
	assoc := func() int {
		return h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = 22 AND contact_id = ?", carlaID)
	}

	res, body := c.post("/admin/tickets/22/associations", recVals("contact_email", demo.CarlaEmail), true)
	recWant(t, "associate", res, http.StatusOK)
	recFragment(t, body, "ticket-assoc")
	if !strings.Contains(body, demo.CarlaEmail) || assoc() != 1 {
		t.Fatal("Carla is not associated")
	}
	if len(h.recAudits("ticket.associate", "ticket:22")) != 1 {
		t.Error("association not audited")
	}
	// Twice is a no-op.
	if res, _ := c.post("/admin/tickets/22/associations", recVals("contact_email", strings.ToUpper(demo.CarlaEmail)), true); res.StatusCode != http.StatusOK || assoc() != 1 {
		t.Errorf("associating twice: %d, %d rows", res.StatusCode, assoc())
	}
	res, body = carla.get("/portal/tickets/22", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Printer shows error E42") {
		t.Errorf("Carla does not see #22 once associated: %d", res.StatusCode)
	}
	if _, body := carla.get("/portal/tickets", false); !containsID(rowIDs(body), 22) {
		t.Error("#22 is not in Carla's list")
	}

	// Unknown email or nothing at all: 422 at the field.
	total := h.recCount("SELECT count(*) FROM ticket_contacts")
	res, body = c.post("/admin/tickets/22/associations", recVals("contact_email", "nobody@example.com"), true)
	recWant(t, "unknown email", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "ticket-assoc")
	recInvalid(t, body, "assoc-email", recT(h, "backoffice.no_such_contact"))
	if recValue(body, "assoc-email") != "nobody@example.com" {
		t.Error("the typed email is not kept")
	}
	res, body = c.post("/admin/tickets/22/associations", recVals("contact_email", ""), true)
	recWant(t, "no email", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "assoc-email", recT(h, "backoffice.contact_or_company"))
	if h.recCount("SELECT count(*) FROM ticket_contacts") != total {
		t.Error("a refused association stored something")
	}

	// Remove: Carla loses access at once.
	res, body = c.post("/admin/tickets/22/associations", recVals("action", "remove", "contact_email", demo.CarlaEmail), true)
	recWant(t, "remove", res, http.StatusOK)
	if assoc() != 0 || strings.Contains(body, demo.CarlaEmail) {
		t.Error("Carla is still associated")
	}
	if res, _ := carla.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("Carla sees #22 after removal: %d", res.StatusCode)
	}
	if len(h.recAudits("ticket.dissociate", "ticket:22")) != 1 {
		t.Error("removal not audited")
	}
	// Ana keeps hers.
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = 22 AND contact_id = ?", h.contactID(demo.AnaEmail)) != 1 {
		t.Error("removing Carla removed Ana")
	}
}

func testBtPhoneTicket(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	s := func(id int64) string { return strconv.FormatInt(id, 10) }
	support := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	firstOpen := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ? ORDER BY position, id LIMIT 1", support, false)
	closedStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ?", support, true)
	billing := h.recInt("SELECT id FROM inboxes WHERE name = 'Billing'")
	ana := h.recContact(demo.AnaEmail)
	tickets := func() int { return h.recCount("SELECT count(*) FROM tickets") }

	res, body := c.get("/admin/tickets/new?contact="+url.QueryEscape(demo.AnaEmail), false)
	recWant(t, "new ticket form", res, http.StatusOK)
	if recValue(body, "contact_email") != demo.AnaEmail || recSelected(body, "source") != model.SourcePhone {
		t.Errorf("form not prefilled: contact %q, source %q", recValue(body, "contact_email"), recSelected(body, "source"))
	}

	// Validation: nothing is created.
	n0 := tickets()
	res, body = c.post("/admin/tickets", recVals("subject", "Call", "pipeline", s(support), "source", "phone"), false)
	recWant(t, "no contact, no company", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "contact_email", recT(h, "backoffice.contact_or_company"))
	res, body = c.post("/admin/tickets", recVals("subject", "Call", "contact_email", "nobody@example.com", "pipeline", s(support), "source", "phone"), false)
	recWant(t, "unknown contact", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "contact_email", recT(h, "backoffice.no_such_contact"))
	if recValue(body, "subject") != "Call" {
		t.Error("the typed subject is not kept")
	}
	res, body = c.post("/admin/tickets", recVals("subject", "", "contact_email", demo.AnaEmail, "pipeline", s(support)), false)
	recWant(t, "no subject", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "subject", recT(h, "form.required"))
	if res, _ := c.post("/admin/tickets", recVals("subject", "Call", "contact_email", demo.AnaEmail, "pipeline", "999999"), false); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown pipeline: %d", res.StatusCode)
	}
	if tickets() != n0 {
		t.Fatal("a refused phone ticket was stored")
	}

	// Create, with extra fields that must be ignored.
	res, _ = c.post("/admin/tickets", recVals("subject", "Phone call: printer quote", "contact_email", demo.AnaEmail,
		"pipeline", s(support), "stage_id", s(closedStage), "stage", s(closedStage), "closed", "true", "owner_id", "1", "owner", "1",
		"inbox_id", s(billing), "inbox", s(billing)), false)
	loc := recLocation(t, "create", res, "/admin/tickets/")
	id := recIDFrom(t, loc, "/admin/tickets/")
	if tickets() != n0+1 {
		t.Fatal("no ticket created")
	}
	tk := h.btTicket(id)
	if tk.Subject != "Phone call: printer quote" || tk.Source != model.SourcePhone || tk.PipelineID != support ||
		tk.StageID != firstOpen || tk.Closed || tk.OwnerID != nil || tk.InboxID != nil {
		t.Errorf("phone ticket: %+v", tk)
	}
	if n := h.recCount("SELECT count(*) FROM threads WHERE ticket_id = ?", id); n != 0 {
		t.Errorf("phone ticket has %d threads", n)
	}
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ?", id, ana.ID) != 1 ||
		h.recCount("SELECT count(*) FROM ticket_companies WHERE ticket_id = ? AND company_id = ?", id, *ana.CompanyID) != 1 {
		t.Error("Ana and her company are not associated")
	}
	if len(h.recAudits("ticket.create", "ticket:"+s(id))) != 1 {
		t.Error("creation not audited")
	}
	if res, body := c.get(loc, false); res.StatusCode != http.StatusOK || !strings.Contains(body, "Phone call: printer quote") {
		t.Errorf("GET %s: %d", loc, res.StatusCode)
	}

	// Ana sees it and her reply starts a thread in the default inbox.
	portal := h.client()
	portal.as(demo.AnaEmail)
	if _, body := portal.get("/portal/tickets", false); !containsID(rowIDs(body), id) {
		t.Error("the phone ticket is not in Ana's list")
	}
	res, _ = portal.multipart("/portal/tickets/"+s(id)+"/replies", [][2]string{{"body", "Thanks for the call, here are the details."}}, nil, false)
	recWant(t, "Ana's reply", res, http.StatusSeeOther)
	set := h.settingsNow()
	if set.DefaultInboxID == 0 {
		t.Fatal("no default inbox")
	}
	if n := h.recCount("SELECT count(*) FROM threads WHERE ticket_id = ? AND inbox_id = ?", id, set.DefaultInboxID); n != 1 {
		t.Errorf("threads in the default inbox: %d", n)
	}
	if _, body := c.get(loc, false); !strings.Contains(body, "here are the details") {
		t.Error("the agent does not see Ana's reply")
	}

	// A company-only ticket is fine too.
	res, _ = c.post("/admin/tickets", recVals("subject", "Company call", "company", s(*ana.CompanyID), "pipeline", s(support), "source", "chat"), false)
	cid := recIDFrom(t, recLocation(t, "company ticket", res, "/admin/tickets/"), "/admin/tickets/")
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ?", cid) != 0 ||
		h.recCount("SELECT count(*) FROM ticket_companies WHERE ticket_id = ?", cid) != 1 || h.btTicket(cid).Source != model.SourceChat {
		t.Error("company-only ticket associations or source wrong")
	}
}

func testBtAccess(t *testing.T, h *harness) {
	anon := h.client()
	res, body := anon.get("/admin/inbox?status=all", false)
	want := "/admin/login?next=" + url.QueryEscape("/admin/inbox?status=all")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Errorf("anonymous inbox: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if strings.Contains(body, "Printer shows error") {
		t.Error("anonymous inbox leaks data")
	}
	res, _ = anon.get("/admin/inbox", true)
	if res.StatusCode != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/admin/login") {
		t.Errorf("anonymous htmx inbox: %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	for _, p := range []string{"/admin/tickets/22", "/admin/tickets/new", "/admin/attachments/1"} {
		res, _ := anon.get(p, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=") {
			t.Errorf("anonymous GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}

	// A customer session is not a staff session.
	ana := h.client()
	ana.login(demo.AnaEmail)
	for _, p := range []string{"/admin/inbox", "/admin/tickets/22"} {
		res, body := ana.get(p, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") || strings.Contains(body, "INTERNAL NOTE") {
			t.Errorf("customer GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	n := h.recCount("SELECT count(*) FROM messages")
	ana.get("/admin/login", false) // a staff-side token for the anonymous staff session
	res, _ = ana.multipart("/admin/tickets/22/notes", [][2]string{{"body", "customer note"}}, nil, false)
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden {
		t.Errorf("customer note POST: %d", res.StatusCode)
	}
	if res, _ = anon.multipart("/admin/tickets/22/replies", [][2]string{{"body", "anon"}}, nil, false); res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous reply POST: %d", res.StatusCode)
	}
	if h.recCount("SELECT count(*) FROM messages") != n {
		t.Fatal("a non-staff POST stored a message")
	}

	// Staff without the CSRF token: 403, nothing stored.
	agent := h.recStaff(demo.AgentEmail)
	res, body = agent.get("/admin/inbox", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<section id="inbox-list"`) {
		t.Fatalf("agent inbox after a real login: %d", res.StatusCode)
	}
	token := agent.csrf
	agent.csrf = ""
	res, _ = agent.multipart("/admin/tickets/22/replies", [][2]string{{"body", "no token"}}, nil, true)
	recWant(t, "reply without CSRF", res, http.StatusForbidden)
	agent.csrf = ""
	res, _ = agent.multipart("/admin/tickets/22/notes", [][2]string{{"body", "bad token"}, {"_csrf", "forged"}}, nil, true)
	recWant(t, "note with a forged CSRF", res, http.StatusForbidden)
	agent.csrf = ""
	req := httptest.NewRequest(http.MethodPost, "/admin/tickets/22/properties", strings.NewReader("pipeline=1&stage=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ = agent.do(req)
	recWant(t, "properties without CSRF", res, http.StatusForbidden)
	agent.csrf = "" // the error page may carry the token again
	res, _ = agent.post("/admin/tickets", recVals("subject", "x", "contact_email", demo.AnaEmail, "pipeline", "1"), false)
	recWant(t, "create without CSRF", res, http.StatusForbidden)
	agent.csrf = token
	if h.recCount("SELECT count(*) FROM messages") != n || len(h.recAudits("ticket.update", "ticket:22")) != 0 {
		t.Error("a POST without CSRF changed data")
	}
	// The token from a real login works.
	res, _ = agent.multipart("/admin/tickets/22/notes", [][2]string{{"body", "with token"}}, nil, true)
	recWant(t, "note with CSRF", res, http.StatusOK)
}

func testBtAttachments(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	shot := h.attachmentID("screenshot.png")
	res, body := c.get("/admin/attachments/"+strconv.FormatInt(shot, 10), false)
	recWant(t, "demo attachment", res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || len(body) == 0 ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("demo attachment: Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}

	// An attachment on a note: agents get it, the customer never.
	data := "secret internal findings\n"
	res, _ = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", "Findings attached."}},
		[]upload{{"findings <b>.html", []byte(data)}}, true)
	recWant(t, "note with attachment", res, http.StatusOK)
	var id int64
	if err := h.st.DB.NewRaw("SELECT a.id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.kind = ? AND a.ticket_id = 22",
		model.KindNote).Scan(context.Background(), &id); err != nil {
		t.Fatalf("note attachment: %v", err)
	}
	path := "/admin/attachments/" + strconv.FormatInt(id, 10)
	res, body = c.get(path, false)
	recWant(t, "note attachment", res, http.StatusOK)
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment") || body != data || strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("note attachment: %q, %q, %q", cd, res.Header.Get("Content-Type"), body)
	}
	if _, page := c.get("/admin/tickets/22", false); !strings.Contains(page, `href="`+path+`"`) || strings.Contains(page, "findings <b>") {
		t.Error("the ticket page does not link the note's attachment, escaped")
	}
	for _, p := range []string{"/admin/attachments/999999", "/admin/attachments/abc", "/admin/attachments/0"} {
		if res, _ := c.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}

	anon := h.client()
	res, body = anon.get(path, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") || strings.Contains(body, "secret") {
		t.Errorf("anonymous attachment: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	ana := h.client()
	ana.as(demo.AnaEmail)
	if res, body := ana.get(path, false); res.StatusCode != http.StatusSeeOther || strings.Contains(body, "secret") {
		t.Errorf("customer on the agents' attachment route: %d", res.StatusCode)
	}
	if res, body := ana.get("/portal/attachments/"+strconv.FormatInt(id, 10), false); res.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
		t.Errorf("customer on the note's attachment: %d", res.StatusCode)
	}
	if res, _ := ana.get("/portal/attachments/"+strconv.FormatInt(shot, 10), false); res.StatusCode != http.StatusOK {
		t.Errorf("customer on her own public attachment (control): %d", res.StatusCode)
	}
}
