package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// The ticket page shows the most recent thread only, and no page,
// fragment or search ever carries an internal note or comment.
func TestTicketPageAndInternalMessages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)

	t.Run("latest thread only", func(t *testing.T) {
		res, body := c.get("/portal/tickets/25", false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if !strings.Contains(body, "newer thread") || strings.Contains(body, "older thread") {
			t.Error("#25 must show the newer thread and not the older one")
		}
		if got := h1(body); got != "#25 Invoice address change" {
			t.Errorf("heading %q", got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q", got)
		}
	})

	t.Run("attachment listed", func(t *testing.T) {
		_, body := c.get("/portal/tickets/22", false)
		id := h.attachmentID("screenshot.png")
		if !strings.Contains(body, fmt.Sprintf(`href="/portal/attachments/%d"`, id)) || !strings.Contains(body, "screenshot.png") {
			t.Error("#22 does not link its screenshot")
		}
	})

	t.Run("no thread", func(t *testing.T) {
		res, body := c.get("/portal/tickets/31", false)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "No messages yet.") {
			t.Errorf("#31: %d", res.StatusCode)
		}
		if strings.Contains(body, "Ana called to ask") {
			t.Error("#31 shows the agent's phone note (the description)")
		}
	})

	t.Run("notes and comments never shown", func(t *testing.T) {
		// Every ticket Ana may see (hers and Acme's), as a page, plus the
		// list and its fragments, plus searches for words only notes hold.
		_, org := c.get("/portal/tickets?view=org&status=all", false)
		_, org2 := c.get("/portal/tickets?view=org&status=all&page=2", false)
		ids := append(rowIDs(org), rowIDs(org2)...)
		if len(ids) != 31 {
			t.Fatalf("Ana sees %d tickets, want 31", len(ids))
		}
		var pages, searches []string
		for _, id := range ids {
			res, body := c.get(fmt.Sprintf("/portal/tickets/%d", id), false)
			if res.StatusCode != http.StatusOK {
				t.Errorf("#%d: status %d", id, res.StatusCode)
			}
			pages = append(pages, body)
		}
		for _, q := range []string{"warranty", "rollback", "faulty", "priority account", "finance", "connection pool", "INTERNAL", "NOTE"} {
			for _, view := range []string{"mine", "org"} {
				for _, htmx := range []bool{false, true} {
					_, body := c.get("/portal/tickets?status=all&view="+view+"&q="+url.QueryEscape(q), htmx)
					searches = append(searches, body)
					if ids := rowIDs(body); len(ids) != 0 {
						t.Errorf("search %q (%s) finds %v through internal messages", q, view, ids)
					}
				}
			}
		}
		// Words found only in notes and comments; searches echo their
		// query, so they are checked for the markers only.
		for i, body := range append(pages, org, org2) {
			for _, secret := range []string{"INTERNAL NOTE", "INTERNAL COMMENT", "warranty", "rollback", "faulty", "finance", "priority account"} {
				if strings.Contains(body, secret) {
					t.Errorf("page %d contains %q", i, secret)
				}
			}
		}
		for i, body := range searches {
			if strings.Contains(body, "INTERNAL NOTE") || strings.Contains(body, "INTERNAL COMMENT") {
				t.Errorf("search %d shows an internal message", i)
			}
		}
	})

	t.Run("hidden by the filter rule", func(t *testing.T) {
		// Ana's own [IT] tickets fail the portal's filter rule: they are
		// the same 404 as a missing ticket, with their files.
		thread := h.count("SELECT id FROM threads WHERE ticket_id = 16 ORDER BY id LIMIT 1")
		h.exec(`INSERT INTO messages (thread_id, ticket_id, kind, direction, channel, author_contact_id, body, created_at)
			VALUES (?, 16, 'public', 'incoming', 'portal', ?, 'vpn profile attached', ?)`, thread, h.contactID(ana), time.Now().UTC())
		msg := h.count("SELECT max(id) FROM messages")
		h.exec(`INSERT INTO attachments (message_id, ticket_id, storage_key, filename, content_type, size, data, created_at)
			VALUES (?, 16, 'k-it', 'vpn.ovpn', 'text/plain', 3, ?, ?)`, msg, []byte("vpn"), time.Now().UTC())
		before := h.count("SELECT count(*) FROM messages")
		for _, p := range []string{"/portal/tickets/16", "/portal/tickets/36", fmt.Sprintf("/portal/attachments/%d", h.attachmentID("vpn.ovpn"))} {
			if res, body := c.get(p, false); res.StatusCode != http.StatusNotFound || h1(body) != "Page not found" {
				t.Errorf("%s: %d %q", p, res.StatusCode, h1(body))
			}
		}
		if res, _ := c.multipart("/portal/tickets/36/replies", [][2]string{{"body", "any news?"}}, nil, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("reply to #36: %d", res.StatusCode)
		}
		if _, body := c.get("/portal/tickets?status=all&q=VPN", true); containsID(rowIDs(body), 16) {
			t.Error("search finds #16")
		}
		if h.count("SELECT count(*) FROM messages") != before {
			t.Error("a reply to a hidden ticket was stored")
		}
	})

	t.Run("attachment of a note", func(t *testing.T) {
		// A file on an internal note of Ana's own ticket is not hers to see.
		staff := h.count("SELECT id FROM staff_users ORDER BY id LIMIT 1")
		thread := h.count("SELECT id FROM threads WHERE ticket_id = 22 ORDER BY id DESC LIMIT 1")
		h.exec(`INSERT INTO messages (thread_id, ticket_id, kind, direction, channel, author_staff_id, body, created_at)
			VALUES (?, 22, 'note', 'outgoing', 'internal', ?, 'INTERNAL NOTE: see file', ?)`, thread, staff, time.Now().UTC())
		msg := h.count("SELECT max(id) FROM messages")
		h.exec(`INSERT INTO attachments (message_id, ticket_id, storage_key, filename, content_type, size, data, created_at)
			VALUES (?, 22, 'k-note', 'staff-only.txt', 'text/plain', 6, ?, ?)`, msg, []byte("secret"), time.Now().UTC())
		att := h.attachmentID("staff-only.txt")
		res, body := c.get(fmt.Sprintf("/portal/attachments/%d", att), false)
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
			t.Errorf("note attachment: %d", res.StatusCode)
		}
		if _, body := c.get("/portal/tickets/22", false); strings.Contains(body, "staff-only.txt") || strings.Contains(body, "INTERNAL NOTE") {
			t.Error("#22 shows the note or its file")
		}
	})
}

// A reply through htmx and through a plain form, and every way it can be
// refused: the typed text is always kept, and nothing is half-saved.
func TestReply(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	messages := func(ticket int) int { return h.count("SELECT count(*) FROM messages WHERE ticket_id = ?", ticket) }
	attachments := func() int { return h.count("SELECT count(*) FROM attachments") }

	t.Run("htmx", func(t *testing.T) {
		before := messages(22)
		h.exec("UPDATE tickets SET last_activity_at = ? WHERE id = 22", time.Date(2020, 1, 2, 3, 4, 0, 0, time.UTC))
		res, body := c.multipart("/portal/tickets/22/replies",
			[][2]string{{"body", "The head was replaced, thanks!\nSecond line."}},
			[]upload{{"photo.txt", []byte("a photo, in words")}}, true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		trimmed := strings.TrimSpace(body)
		if !strings.HasPrefix(trimmed, `<section id="conversation"`) || strings.Contains(body, "<html") {
			t.Errorf("not the conversation fragment: %.80q", trimmed)
		}
		if !strings.Contains(body, "The head was replaced, thanks!") || !strings.Contains(body, "photo.txt") {
			t.Error("the fragment lacks the new message or its file")
		}
		if !regexp.MustCompile(`<dd id="last-activity" hx-swap-oob="true">`).MatchString(body) {
			t.Error("no out-of-band last activity")
		}
		if strings.Contains(body, "2020-01-02") {
			t.Error("last activity was not updated")
		}
		if strings.Contains(body, "The head was replaced, thanks!</textarea>") {
			t.Error("the textarea still holds the sent text")
		}
		if messages(22) != before+1 {
			t.Errorf("messages %d, want %d", messages(22), before+1)
		}
		if n := h.count("SELECT count(*) FROM tickets WHERE id = 22 AND last_activity_at > ?", time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)); n != 1 {
			t.Error("the ticket's last activity was not stored")
		}
		// The reply lands in the ticket's latest thread, as public,
		// incoming, by Ana.
		latest := h.count("SELECT id FROM threads WHERE ticket_id = 22 ORDER BY created_at DESC, id DESC LIMIT 1")
		if n := h.count(`SELECT count(*) FROM messages WHERE ticket_id = 22 AND thread_id = ? AND kind = 'public'
			AND direction = 'incoming' AND author_contact_id = ? AND body LIKE 'The head was replaced%'`, latest, h.contactID(ana)); n != 1 {
			t.Error("the reply is not stored as Ana's public message in the latest thread")
		}
	})

	t.Run("plain form", func(t *testing.T) {
		res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Plain form reply"}}, nil, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/tickets/22?sent=1") {
			t.Fatalf("status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body := c.get(res.Header.Get("Location"), false)
		if !strings.Contains(body, "Plain form reply") || !strings.Contains(body, "Your reply was sent.") {
			t.Error("the ticket page lacks the reply or the confirmation")
		}
		// A urlencoded form works too.
		res, _ = c.post("/portal/tickets/22/replies", url.Values{"body": {"Urlencoded reply"}}, false)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("urlencoded: status %d", res.StatusCode)
		}
	})

	big := bytes.Repeat([]byte("x"), 1<<20+1)
	refused := []struct {
		name    string
		ticket  int
		body    string
		files   []upload
		status  int
		field   string // where the error shows
		errText string
		keep    string // typed text shown again
	}{
		{name: "empty", ticket: 22, body: "", status: 422, field: "body", errText: "Write a message before sending."},
		{name: "blank", ticket: 22, body: " \r\n\t ", status: 422, field: "body", errText: "Write a message before sending."},
		{name: "too long", ticket: 22, body: strings.Repeat("é", 20001), status: 422, field: "body", errText: "This is too long.", keep: strings.Repeat("é", 20001)},
		{name: "too many files", ticket: 22, body: "Four files attached", status: 422, field: "attachments",
			files:   []upload{{"1.txt", []byte("1")}, {"2.txt", []byte("2")}, {"3.txt", []byte("3")}, {"4.txt", []byte("4")}},
			errText: "Too many files. Remove some and try again.", keep: "Four files attached"},
		{name: "file too large", ticket: 22, body: "A big file", status: 422, field: "attachments",
			files: []upload{{"small.txt", []byte("ok")}, {"big.bin", big}}, errText: "A file is larger than allowed. Choose a smaller file.", keep: "A big file"},
		{name: "empty body and a file", ticket: 22, body: "", files: []upload{{"lonely.txt", []byte("x")}}, status: 422, field: "body", errText: "Write a message before sending."},
	}
	for _, tc := range refused {
		for _, htmx := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s htmx=%v", tc.name, htmx), func(t *testing.T) {
				beforeM, beforeA := messages(tc.ticket), attachments()
				res, body := c.multipart(fmt.Sprintf("/portal/tickets/%d/replies", tc.ticket), [][2]string{{"body", tc.body}}, tc.files, htmx)
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
				}
				if got := fieldErrors(body)[tc.field]; !strings.HasSuffix(got, tc.errText) {
					t.Errorf("error at %s: %q, want %q (all: %v)", tc.field, got, tc.errText, fieldErrors(body))
				}
				if !strings.Contains(body, `id="`+tc.field+`"`) || !strings.Contains(body, `aria-invalid="true"`) {
					t.Error("the field is not marked invalid")
				}
				if tc.keep != "" && !strings.Contains(body, ">"+tc.keep+"</textarea>") {
					t.Error("the typed text is not kept")
				}
				if htmx == strings.Contains(body, "<html") {
					t.Errorf("htmx=%v but full page=%v", htmx, !htmx)
				}
				if messages(tc.ticket) != beforeM || attachments() != beforeA {
					t.Error("something was stored")
				}
			})
		}
	}

	t.Run("file name with a path", func(t *testing.T) {
		res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "with a path"}},
			[]upload{{`..\..\windows\system32\evil.txt`, []byte("x")}, {"../../etc/passwd", []byte("y")}}, true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if strings.Contains(body, "..") && strings.Contains(body, "etc/passwd") {
			t.Error("the path is shown")
		}
		if n := h.count("SELECT count(*) FROM attachments WHERE filename IN ('evil.txt', 'passwd')"); n != 2 {
			t.Errorf("%d attachments stored under their base name, want 2", n)
		}
		if n := h.count("SELECT count(*) FROM attachments WHERE storage_key LIKE '%passwd%' OR storage_key LIKE '%/%'"); n != 0 {
			t.Error("a storage key derives from the file name")
		}
	})

	t.Run("storing fails", func(t *testing.T) {
		// The second attachment fails to store: nothing of the reply stays,
		// the error says so and the text is kept.
		h.exec(`CREATE TRIGGER fail_attachment BEFORE INSERT ON attachments WHEN new.filename = 'fail.txt'
			BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		defer h.exec("DROP TRIGGER fail_attachment")
		activity := h.count("SELECT count(*) FROM tickets WHERE id = 22 AND last_activity_at > ?", time.Now().Add(-time.Hour).UTC())
		beforeM, beforeA := messages(22), attachments()
		for _, htmx := range []bool{true, false} {
			res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Text worth keeping"}},
				[]upload{{"ok.txt", []byte("ok")}, {"fail.txt", []byte("no")}}, htmx)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("htmx=%v: status %d", htmx, res.StatusCode)
			}
			if !strings.Contains(body, "Your reply couldn&#39;t be saved") || !strings.Contains(body, ">Text worth keeping</textarea>") {
				t.Errorf("htmx=%v: no error or the text is lost", htmx)
			}
			if strings.Contains(body, "disk full") {
				t.Errorf("htmx=%v: the database error is shown", htmx)
			}
		}
		if messages(22) != beforeM || attachments() != beforeA {
			t.Error("part of the failed reply was stored")
		}
		if n := h.count("SELECT count(*) FROM tickets WHERE id = 22 AND last_activity_at > ?", time.Now().Add(-time.Hour).UTC()); n != activity {
			t.Error("the failed reply moved the last activity")
		}
	})

	t.Run("closed ticket", func(t *testing.T) {
		before, beforeA := messages(19), attachments()
		for _, htmx := range []bool{false, true} {
			res, body := c.multipart("/portal/tickets/19/replies", [][2]string{{"body", "Reopen please"}}, []upload{{"a.txt", []byte("a")}}, htmx)
			if res.StatusCode != http.StatusConflict {
				t.Errorf("htmx=%v: status %d, want 409", htmx, res.StatusCode)
			}
			if !strings.Contains(body, "Closed tickets can&#39;t be answered") {
				t.Errorf("htmx=%v: no explanation", htmx)
			}
		}
		if messages(19) != before || attachments() != beforeA {
			t.Error("a reply to a closed ticket was stored")
		}
		if _, body := c.get("/portal/tickets/19", false); strings.Contains(body, `action="/portal/tickets/19/replies"`) {
			t.Error("a closed ticket shows the reply form")
		}
	})

	t.Run("closed while the page was open", func(t *testing.T) {
		h.exec("UPDATE tickets SET closed = true WHERE id = 42")
		defer h.exec("UPDATE tickets SET closed = false WHERE id = 42")
		before := messages(42)
		res, _ := c.multipart("/portal/tickets/42/replies", [][2]string{{"body", "late"}}, nil, true)
		if res.StatusCode != http.StatusConflict || messages(42) != before {
			t.Errorf("status %d", res.StatusCode)
		}
	})

	t.Run("ticket without a thread", func(t *testing.T) {
		if n := h.count("SELECT count(*) FROM threads WHERE ticket_id = 31"); n != 0 {
			t.Fatalf("#31 has %d threads before the reply", n)
		}
		res, body := c.multipart("/portal/tickets/31/replies", [][2]string{{"body", "Any news on the quote?"}}, nil, true)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Any news on the quote?") {
			t.Fatalf("status %d", res.StatusCode)
		}
		st := h.settingsNow()
		if n := h.count("SELECT count(*) FROM threads WHERE ticket_id = 31 AND inbox_id = ?", st.DefaultInboxID); n != 1 {
			t.Errorf("#31 has %d threads in the default inbox, want 1", n)
		}
		// A second reply joins the same thread.
		c.multipart("/portal/tickets/31/replies", [][2]string{{"body", "Hello again"}}, nil, true)
		if n := h.count("SELECT count(*) FROM threads WHERE ticket_id = 31"); n != 1 {
			t.Errorf("#31 has %d threads after two replies", n)
		}
		if n := messages(31); n != 2 {
			t.Errorf("#31 has %d messages", n)
		}
	})

	t.Run("organization ticket", func(t *testing.T) {
		// Ana may answer Acme's #26, under the company permission.
		res, _ := c.multipart("/portal/tickets/26/replies", [][2]string{{"body", "Approved on our side too."}}, nil, false)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("status %d", res.StatusCode)
		}
	})

	t.Run("body over the server limit", func(t *testing.T) {
		// More than the body limit (3 files of 1 MiB, plus 1 MiB) is refused
		// from the headers, before the body is read, with a clear page.
		// app.Test can't see that answer, so this runs on a real listener,
		// last.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Skip(err)
		}
		go func() { _ = h.srv.App().Listener(ln) }()
		defer func() { _ = h.srv.App().Shutdown() }()
		before := messages(22)
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "POST /portal/tickets/22/replies HTTP/1.1\r\nHost: portal.example\r\n"+
			"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\nCookie: %s=%s\r\n"+
			"X-CSRF-Token: %s\r\nConnection: close\r\n\r\n--xyz\r\n", 6<<20, core.SessionCookie, c.sid(), c.csrf)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", res.StatusCode)
		}
		if !strings.Contains(string(body), "Upload too large") {
			t.Errorf("no explanation: %.200q", body)
		}
		if messages(22) != before {
			t.Error("stored")
		}
	})
}

func (h *harness) settingsNow() model.PortalSettings {
	h.t.Helper()
	st, _, err := store.Settings(context.Background(), h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

var keyRe = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]+)"`)

// The support form creates exactly one ticket per submission, shows its
// errors at the fields with the values kept, and binds only its own
// fields.
func TestSupportForm(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	tickets := func() int { return h.count("SELECT count(*) FROM tickets") }

	formKey := func(t *testing.T) string {
		t.Helper()
		res, body := c.get("/portal/tickets/new", false)
		m := keyRe.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil || len(m[1]) < 32 {
			t.Fatalf("GET /portal/tickets/new: %d, key %v", res.StatusCode, m)
		}
		return m[1]
	}

	t.Run("fresh key each time", func(t *testing.T) {
		if formKey(t) == formKey(t) {
			t.Error("two form pages share an idempotency key")
		}
	})

	t.Run("double submit", func(t *testing.T) {
		key := formKey(t)
		before := tickets()
		fields := [][2]string{{"idempotency_key", key}, {"subject", "Scanner jams"}, {"description", "Every third page jams."}, {"priority", "high"}}
		res1, _ := c.multipart("/portal/tickets", fields, []upload{{"jam.txt", []byte("jam")}}, false)
		res2, _ := c.multipart("/portal/tickets", fields, []upload{{"jam.txt", []byte("jam")}}, false)
		res3, _ := c.multipart("/portal/tickets", fields, nil, true)
		if res1.StatusCode != http.StatusSeeOther || res2.StatusCode != http.StatusSeeOther {
			t.Fatalf("statuses %d, %d", res1.StatusCode, res2.StatusCode)
		}
		if tickets() != before+1 {
			t.Fatalf("%d tickets created, want 1", tickets()-before)
		}
		id := h.count("SELECT max(id) FROM tickets")
		want := fmt.Sprintf("/portal/tickets/%d", id)
		loc1, loc2 := res1.Header.Get("Location"), res2.Header.Get("Location")
		if !strings.HasPrefix(loc1, want) || strings.Split(loc2, "?")[0] != want {
			t.Errorf("locations %q, %q; want %s", loc1, loc2, want)
		}
		if got := res3.Header.Get("HX-Redirect"); strings.Split(got, "?")[0] != want {
			t.Errorf("htmx retry: HX-Redirect %q", got)
		}
		if n := h.count("SELECT count(*) FROM attachments WHERE ticket_id = ?", id); n != 1 {
			t.Errorf("%d attachments, want 1", n)
		}
		// The ticket shows in Ana's list with its first message.
		_, body := c.get(loc1, false)
		if !strings.Contains(body, "Scanner jams") || !strings.Contains(body, "Every third page jams.") {
			t.Error("the new ticket page lacks the subject or description")
		}
		if _, body := c.get("/portal/tickets", false); !containsID(rowIDs(body), int64(id)) {
			t.Error("the new ticket is not in the list")
		}
		// Another contact reusing the same key gets a ticket of their own.
		g := h.client()
		g.as(gina)
		res, _ := g.multipart("/portal/tickets", fields, nil, false)
		if loc := res.Header.Get("Location"); strings.Split(loc, "?")[0] == want || tickets() != before+2 {
			t.Errorf("Gina's submission with Ana's key led to %q", loc)
		}
	})

	t.Run("concurrent double submit", func(t *testing.T) {
		key := formKey(t)
		before := tickets()
		fields := [][2]string{{"idempotency_key", key}, {"subject", "Clicked twice"}, {"description", "Impatient."}}
		const n = 4
		type answer struct {
			status int
			to     string
		}
		answers := make(chan answer, n)
		reqs := make([]*http.Request, n)
		for i := range reqs {
			reqs[i] = c.multipartRequest("/portal/tickets", fields, []upload{{"f.txt", []byte("f")}}, i%2 == 1)
			reqs[i].AddCookie(&http.Cookie{Name: core.SessionCookie, Value: c.sid()})
		}
		for _, req := range reqs {
			go func() {
				res, err := h.srv.App().Test(req, -1)
				if err != nil {
					answers <- answer{status: -1, to: err.Error()}
					return
				}
				to := res.Header.Get("Location") + res.Header.Get("HX-Redirect")
				answers <- answer{res.StatusCode, strings.Split(to, "?")[0]}
			}()
		}
		var first string
		for range n {
			a := <-answers
			if a.status != http.StatusSeeOther && a.status != http.StatusNoContent {
				t.Errorf("answer %d %q", a.status, a.to)
				continue
			}
			if first == "" {
				first = a.to
			} else if a.to != first {
				t.Errorf("answers lead to %q and %q", first, a.to)
			}
		}
		if got := tickets() - before; got != 1 {
			t.Errorf("%d tickets created, want 1", got)
		}
		if n := h.count("SELECT count(*) FROM tickets WHERE subject = 'Clicked twice'"); n != 1 {
			t.Errorf("%d tickets with the subject", n)
		}
	})

	t.Run("storing fails", func(t *testing.T) {
		h.exec(`CREATE TRIGGER fail_form_attachment BEFORE INSERT ON attachments WHEN new.filename = 'fail.txt'
			BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		defer h.exec("DROP TRIGGER fail_form_attachment")
		before, beforeSub := tickets(), h.count("SELECT count(*) FROM form_submissions")
		key := formKey(t)
		res, body := c.multipart("/portal/tickets", [][2]string{{"idempotency_key", key}, {"subject", "Kept subject"}, {"description", "Kept text"}},
			[]upload{{"fail.txt", []byte("x")}}, false)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Your ticket couldn&#39;t be saved") {
			t.Errorf("status %d", res.StatusCode)
		}
		if !strings.Contains(body, `value="Kept subject"`) || !strings.Contains(body, ">Kept text</textarea>") || !strings.Contains(body, `value="`+key+`"`) {
			t.Error("values or key not kept")
		}
		if tickets() != before || h.count("SELECT count(*) FROM form_submissions") != beforeSub {
			t.Error("part of the failed ticket was stored")
		}
	})

	t.Run("missing subject", func(t *testing.T) {
		before := tickets()
		for _, htmx := range []bool{false, true} {
			res, body := c.multipart("/portal/tickets", [][2]string{{"idempotency_key", formKey(t)},
				{"subject", "  "}, {"description", "Kept description"}, {"custom_product", "Kept product"}, {"priority", "urgent"}}, nil, htmx)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("htmx=%v: status %d", htmx, res.StatusCode)
			}
			if got := fieldErrors(body)["subject"]; !strings.Contains(got, "This field is required.") {
				t.Errorf("htmx=%v: subject error %q", htmx, got)
			}
			for _, want := range []string{">Kept description</textarea>", `value="Kept product"`, `value="urgent" selected`} {
				if !strings.Contains(body, want) {
					t.Errorf("htmx=%v: value not kept: %s", htmx, want)
				}
			}
			if htmx && (strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<form id="ticket-form"`)) {
				t.Error("htmx: not the form fragment")
			}
		}
		if tickets() != before {
			t.Error("an invalid form created a ticket")
		}
	})

	t.Run("invalid values", func(t *testing.T) {
		before := tickets()
		for _, tc := range []struct {
			fields [][2]string
			field  string
		}{
			{[][2]string{{"subject", "x"}, {"description", "y"}, {"priority", "apocalyptic"}}, "priority"},
			{[][2]string{{"subject", strings.Repeat("s", 301)}, {"description", "y"}}, "subject"},
			{[][2]string{{"subject", "x"}, {"description", ""}}, "description"},
		} {
			res, body := c.multipart("/portal/tickets", append(tc.fields, [2]string{"idempotency_key", formKey(t)}), nil, false)
			if res.StatusCode != http.StatusUnprocessableEntity || fieldErrors(body)[tc.field] == "" {
				t.Errorf("%s: status %d, errors %v", tc.field, res.StatusCode, fieldErrors(body))
			}
		}
		// No key, or a made-up short one: the form has expired.
		res, _ := c.multipart("/portal/tickets", [][2]string{{"subject", "x"}, {"description", "y"}}, nil, false)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("no key: status %d", res.StatusCode)
		}
		if tickets() != before {
			t.Error("an invalid form created a ticket")
		}
	})

	t.Run("extra fields ignored", func(t *testing.T) {
		gid := h.contactID(gina)
		globex := h.count("SELECT company_id FROM contacts WHERE id = ?", gid)
		closedStage := h.count("SELECT id FROM stages WHERE is_closed = true ORDER BY id LIMIT 1")
		res, _ := c.multipart("/portal/tickets", [][2]string{
			{"idempotency_key", formKey(t)}, {"subject", "Mass assignment"}, {"description", "Trying extra fields."},
			{"contact_id", fmt.Sprint(gid)}, {"company_id", fmt.Sprint(globex)}, {"stage_id", fmt.Sprint(closedStage)},
			{"stage", fmt.Sprint(closedStage)}, {"closed", "true"}, {"internal", "1"}, {"kind", "note"}, {"role", "admin"},
			{"owner_id", "1"}, {"source", "email"}, {"pipeline_id", "2"}, {"inbox_id", "2"},
		}, nil, false)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", res.StatusCode)
		}
		id := h.count("SELECT id FROM tickets WHERE subject = 'Mass assignment'")
		aid := h.contactID(ana)
		acme := h.count("SELECT company_id FROM contacts WHERE id = ?", aid)
		// Each query answers 1 when the ticket is as it must be.
		checks := []struct {
			what  string
			query string
			args  []any
		}{
			{"only Ana as contact", "SELECT count(*) = 1 AND min(contact_id) = ? FROM ticket_contacts WHERE ticket_id = ?", []any{aid, id}},
			{"only Acme as company", "SELECT count(*) = 1 AND min(company_id) = ? FROM ticket_companies WHERE ticket_id = ?", []any{acme, id}},
			{"first open stage", "SELECT count(*) FROM tickets t JOIN stages s ON s.id = t.stage_id WHERE t.id = ? AND s.name = 'New' AND t.closed = false", []any{id}},
			{"form source, no owner", "SELECT count(*) FROM tickets WHERE id = ? AND source = 'form' AND owner_id IS NULL", []any{id}},
			{"public first message", "SELECT count(*) FROM messages WHERE ticket_id = ? AND kind = 'public'", []any{id}},
			{"no internal message", "SELECT count(*) = 0 FROM messages WHERE ticket_id = ? AND kind <> 'public'", []any{id}},
			{"Ana still a plain contact", "SELECT count(*) = 0 FROM staff_users WHERE email = ?", []any{ana}},
		}
		for _, ck := range checks {
			if got := h.count(ck.query, ck.args...); got != 1 {
				t.Errorf("%s: got %d", ck.what, got)
			}
		}
		// Gina does not see it.
		g := h.client()
		g.as(gina)
		if res, _ := g.get(fmt.Sprintf("/portal/tickets/%d", id), false); res.StatusCode != http.StatusNotFound {
			t.Errorf("Gina opens the ticket: %d", res.StatusCode)
		}
	})

	t.Run("too many files", func(t *testing.T) {
		before := tickets()
		res, body := c.multipart("/portal/tickets", [][2]string{{"idempotency_key", formKey(t)}, {"subject", "Files"}, {"description", "Many files"}},
			[]upload{{"1", []byte("1")}, {"2", []byte("2")}, {"3", []byte("3")}, {"4", []byte("4")}}, false)
		if res.StatusCode != http.StatusUnprocessableEntity || fieldErrors(body)["attachments"] == "" || !strings.Contains(body, ">Many files</textarea>") {
			t.Errorf("status %d, errors %v", res.StatusCode, fieldErrors(body))
		}
		if tickets() != before {
			t.Error("ticket created")
		}
	})
}
