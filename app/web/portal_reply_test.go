package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"portico/app/web/core"
	"regexp"
	"strings"
	"testing"
	"time"
)

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

	t.Run("file name with a right-to-left override", func(t *testing.T) {
		// "invoice\u202efdp.exe" would read as "invoiceexe.pdf".
		res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "the invoice"}},
			[]upload{{"invoice\u202efdp.exe", []byte("MZ")}}, true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if strings.ContainsRune(body, '\u202e') {
			t.Error("the override is shown")
		}
		if n := h.count("SELECT count(*) FROM attachments WHERE filename = 'invoicefdp.exe'"); n != 1 {
			t.Errorf("%d attachments named invoicefdp.exe, want 1", n)
		}
		if n := h.count("SELECT count(*) FROM attachments WHERE filename LIKE ?", "%\u202e%"); n != 0 {
			t.Error("a stored file name keeps the override")
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
		// from the headers, before the body is read (beyond the first few
		// KiB the server takes in with them), with a clear page.
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
			"X-CSRF-Token: %s\r\nConnection: close\r\n\r\n--xyz\r\n%s", 6<<20, core.SessionCookie, c.sid(), c.csrf, strings.Repeat("x", 16<<10))
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
