package mail_test

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	portmail "portico/app/mail"
	"portico/app/mail/mailtest"
	"portico/app/store"
	"portico/app/testutil"
)

func TestEnqueueDedupes(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := portmail.Mail{Kind: "test", ToAddr: "a@example.com", Subject: "s", Text: "t", DedupeKey: "k1"}
		for i, want := range []bool{true, false} {
			// Inside a transaction too: the skipped insert must not abort it.
			err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				added, err := portmail.Enqueue(ctx, tx, m)
				if err != nil {
					return err
				}
				if added != want {
					t.Errorf("call %d: added = %v, want %v", i, added, want)
				}
				_, err = tx.NewSelect().TableExpr("mail_outbox").Count(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := len(rows(t, st)); n != 1 {
			t.Fatalf("%d rows, want 1", n)
		}
		if _, err := portmail.Enqueue(ctx, st.DB, portmail.Mail{ToAddr: "x@y\r\nBcc: z@example.com", DedupeKey: "k2"}); !errors.Is(err, portmail.ErrNoRecipient) {
			t.Fatalf("a bad address: %v", err)
		}
	})
}

// Two workers racing over the same outbox deliver each mail exactly once
// and mark each sent once.
func TestTwoWorkersDeliverOnce(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		srv := mailtest.Start(t)
		const n = 30
		enqueue(t, st, n)
		ctx := context.Background()
		var wg sync.WaitGroup
		for range 2 {
			w := newWorker(t, st, srv)
			w.Batch = 3
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					claimed, err := w.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if claimed == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		msgs := srv.Messages()
		if len(msgs) != n {
			t.Fatalf("%d messages delivered, want %d", len(msgs), n)
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			id := m.Header().Get("Message-Id")
			if seen[id] {
				t.Errorf("message %s delivered twice", id)
			}
			seen[id] = true
		}
		for _, r := range rows(t, st) {
			if r.Status != store.MailSent || r.Attempts != 1 || r.SentAt.IsZero() {
				t.Errorf("mail %d: status %s, attempts %d, sent %v", r.ID, r.Status, r.Attempts, !r.SentAt.IsZero())
			}
		}
	})
}

// While the server is down the mail waits, with the error and a later
// attempt recorded; once it is back, the retry delivers it once.
func TestRetryAfterServerDown(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		srv.Down()
		enqueue(t, st, 1)
		w := newWorker(t, st, srv)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		r := rows(t, st)[0]
		if r.Status != store.MailPending || r.Attempts != 1 || r.LastError == "" || !r.NextAttemptAt.After(time.Now().Add(-time.Second)) {
			t.Fatalf("after a failure: %+v", r.OutboxMail)
		}
		// Not due yet: nothing is claimed.
		if claimed, _ := w.RunOnce(ctx); claimed != 0 && time.Until(r.NextAttemptAt) > 5*time.Millisecond {
			t.Fatalf("claimed %d before the backoff ended", claimed)
		}
		srv.Up()
		deadline := time.Now().Add(5 * time.Second)
		for rows(t, st)[0].Status != store.MailSent {
			if time.Now().After(deadline) {
				t.Fatalf("not delivered after the server came back: %+v", rows(t, st)[0].OutboxMail)
			}
			time.Sleep(25 * time.Millisecond)
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(srv.Messages()); got != 1 {
			t.Fatalf("%d messages, want 1", got)
		}
		if r := rows(t, st)[0]; r.LastError != "" || r.Attempts < 2 {
			t.Fatalf("after the retry: %+v", r.OutboxMail)
		}
	})
}

// Backoff doubles, and a mail that keeps failing ends as failed.
func TestFailsAfterMaxAttempts(t *testing.T) {
	st := testutil.SQLite(t)
	srv := mailtest.Start(t)
	srv.Down()
	enqueue(t, st, 1)
	w := newWorker(t, st, srv)
	w.MaxAttempts = 3
	w.BaseDelay, w.MaxDelay = time.Hour, 24*time.Hour
	ctx := context.Background()
	var delays []time.Duration
	for range 3 {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		r := rows(t, st)[0]
		delays = append(delays, time.Until(r.NextAttemptAt).Round(time.Hour))
		// Make it due again now.
		if _, err := st.DB.NewUpdate().Table("mail_outbox").Set("next_attempt_at = ?", time.Now().UTC().Add(-time.Second)).
			Where("id = ?", r.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if delays[0] != time.Hour || delays[1] != 2*time.Hour {
		t.Errorf("delays %v, want 1h then 2h", delays)
	}
	r := rows(t, st)[0]
	if r.Status != store.MailFailed || r.Attempts != 3 {
		t.Fatalf("after 3 failures: status %s, attempts %d", r.Status, r.Attempts)
	}
	if claimed, _ := w.RunOnce(ctx); claimed != 0 {
		t.Fatal("a failed mail was claimed again")
	}
	if err := store.RetryMail(ctx, st.DB, r.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv.Up()
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Fatalf("after a retry by hand: %d messages", got)
	}
}

// A mail written in a transaction that rolls back never exists.
func TestRolledBackMailIsNotSent(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		boom := errors.New("the event failed")
		err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := portmail.Enqueue(ctx, tx, portmail.Mail{
				Kind: "test", ToAddr: "a@example.com", Subject: "s", Text: "t", DedupeKey: "rollback",
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		w := newWorker(t, st, srv)
		if claimed, err := w.RunOnce(ctx); err != nil || claimed != 0 {
			t.Fatalf("claimed %d, err %v", claimed, err)
		}
		if len(srv.Messages()) != 0 || len(rows(t, st)) != 0 {
			t.Fatal("a rolled-back mail exists")
		}
	})
}

// CR and LF in a name or subject never reach a header: not through
// Enqueue, and not even from a row written around it.
func TestNoHeaderInjection(t *testing.T) {
	st := testutil.SQLite(t)
	ctx := context.Background()
	srv := mailtest.Start(t)
	evilName := "Eve\r\nBcc: victim@example.com"
	evilSubject := "Hello\r\nBcc: victim@example.com\nX-Evil: 1\rContent-Type: text/html"
	if _, err := portmail.Enqueue(ctx, st.DB, portmail.Mail{
		Kind: "test", ToAddr: "a@example.com", ToName: evilName, Subject: evilSubject,
		Text: "body", HTML: "<p>body</p>", DedupeKey: "evil1", ReplyTo: "r@example.com\r\nBcc: v@example.com",
	}); err != nil {
		t.Fatal(err)
	}
	raw := &store.OutboxMail{}
	raw.Kind, raw.ToAddr, raw.ToName, raw.Subject = "test", "b@example.com", evilName, evilSubject
	raw.TextBody, raw.DedupeKey = "body", "evil2"
	if _, err := store.EnqueueMail(ctx, st.DB, raw); err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, st, srv)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(2, 5*time.Second)
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Errorf("recipients %v", m.To)
		}
		head, _, _ := bytes.Cut(m.Data, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			l := strings.ToLower(line)
			if strings.HasPrefix(l, "bcc:") || strings.HasPrefix(l, "x-evil:") {
				t.Errorf("injected header line %q", line)
			}
		}
		if bytes.Contains(head, []byte("\r\n\r\n")) || bytes.ContainsAny(bytes.ReplaceAll(head, []byte("\r\n"), nil), "\r\n") {
			t.Errorf("a bare CR or LF in the header")
		}
		h := m.Header()
		subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		if err != nil || strings.ContainsAny(subj, "\r\n") || !strings.Contains(subj, "Hello") {
			t.Errorf("subject %q (%v)", subj, err)
		}
		if h.Get("Content-Type") == "text/html" {
			t.Error("the subject changed the content type")
		}
	}
	for _, r := range rows(t, st) {
		if r.Status != store.MailSent {
			t.Errorf("mail %d: %s %s", r.ID, r.Status, r.LastError)
		}
	}
}

// The message is multipart text plus HTML, from the configured sender.
func TestMessageFormat(t *testing.T) {
	st := testutil.SQLite(t)
	ctx := context.Background()
	srv := mailtest.Start(t)
	enqueue(t, st, 1)
	w := newWorker(t, st, srv)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(1, 5*time.Second)[0]
	h := m.Header()
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("content type %q", h.Get("Content-Type"))
	}
	if from := h.Get("From"); !strings.Contains(from, "help@portico.test") {
		t.Errorf("from %q", from)
	}
	if m.From != "help@portico.test" || len(m.To) != 1 || m.To[0] != "user0@example.com" {
		t.Errorf("envelope %s -> %v", m.From, m.To)
	}
	body := string(m.Data)
	if !strings.Contains(body, "text/plain") || !strings.Contains(body, "text/html") {
		t.Error("a part is missing")
	}
}

func TestParseSMTPURL(t *testing.T) {
	cases := []struct {
		in       string
		security string
		port     int
		user     string
		bad      bool
	}{
		{"smtp://mail.example.com", "none", 25, "", false},
		{"smtp://u:p%40ss@mail.example.com:2525", "none", 2525, "u", false},
		{"smtp+starttls://mail.example.com", "starttls", 587, "", false},
		{"smtps://mail.example.com", "tls", 465, "", false},
		{"smtpx://mail.example.com", "", 0, "", true},
		{"smtp://", "", 0, "", true},
		{"smtp://h:99999", "", 0, "", true},
	}
	for _, c := range cases {
		s, err := portmail.ParseSMTPURL(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%s: accepted", c.in)
			}
			continue
		}
		if err != nil || s.Security != c.security || s.Port != c.port || s.Username != c.user {
			t.Errorf("%s: %+v %v", c.in, s, err)
		}
	}
	if s, _ := portmail.ParseSMTPURL("smtp://u:p%40ss@h"); s.Password != "p@ss" {
		t.Errorf("password %q", s.Password)
	}
}
