package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
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
		h.exec(`INSERT INTO attachments (message_id, ticket_id, storage_key, filename, content_type, size, created_at)
			VALUES (?, 16, 'k-it', 'vpn.ovpn', 'text/plain', 3, ?)`, msg, time.Now().UTC())
		h.exec(`INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, 0, ?)`, h.attachmentID("vpn.ovpn"), []byte("vpn"))
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
		h.exec(`INSERT INTO attachments (message_id, ticket_id, storage_key, filename, content_type, size, created_at)
			VALUES (?, 22, 'k-note', 'staff-only.txt', 'text/plain', 6, ?)`, msg, time.Now().UTC())
		att := h.attachmentID("staff-only.txt")
		h.exec(`INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, 0, ?)`, att, []byte("secret"))
		res, body := c.get(fmt.Sprintf("/portal/attachments/%d", att), false)
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
			t.Errorf("note attachment: %d", res.StatusCode)
		}
		if _, body := c.get("/portal/tickets/22", false); strings.Contains(body, "staff-only.txt") || strings.Contains(body, "INTERNAL NOTE") {
			t.Error("#22 shows the note or its file")
		}
	})
}
