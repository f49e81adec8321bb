package web

import (
	"context"
	"fmt"
	"net/http"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"regexp"
	"strings"
	"testing"
)

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
		served := 0
		for range n {
			a := <-answers
			if a.status == http.StatusTooManyRequests {
				// Over the cap on one contact's concurrent uploads (2):
				// refused before anything is read, and nothing is stored.
				continue
			}
			served++
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
		if served < 2 {
			t.Errorf("%d answers served, want at least the upload cap's 2", served)
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
				{"subject", "  "}, {"description", "Kept description"}, {"custom_product", "Portico API"}, {"priority", "urgent"}}, nil, htmx)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("htmx=%v: status %d", htmx, res.StatusCode)
			}
			if got := fieldErrors(body)["subject"]; !strings.Contains(got, "This field is required.") {
				t.Errorf("htmx=%v: subject error %q", htmx, got)
			}
			for _, want := range []string{">Kept description</textarea>", `value="Portico API" selected`, `value="urgent" selected`} {
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
