package faults

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"portico/app/mail"
	"portico/app/mail/mailtest"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// SMTP down, then up, while two workers (as two instances would) deliver
// the outbox: mail waits, and once the server is back each mail is
// received exactly once.
func TestSMTPDownThenUp(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test")
	}
	st := testutil.SQLite(t)
	smtp := mailtest.Start(t)
	smtp.Down()
	ctx := context.Background()
	const mails = 40
	for i := range mails {
		m := &store.OutboxMail{OutboxMail: model.OutboxMail{Kind: "fault", ToAddr: fmt.Sprintf("c%d@example.com", i),
			Subject: fmt.Sprintf("mail %d", i), TextBody: "hello", DedupeKey: fmt.Sprintf("fault-smtp-%d", i)}}
		if _, err := store.EnqueueMail(ctx, st.DB, m); err != nil {
			t.Fatal(err)
		}
	}
	server, err := mail.ParseSMTPURL(smtp.URL())
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 {
		w := &mail.Worker{Store: st, SMTP: server, From: "Help <help@example.com>", Log: slog.New(slog.DiscardHandler),
			Interval: 50 * time.Millisecond, Batch: 7, BaseDelay: 100 * time.Millisecond, MaxDelay: 400 * time.Millisecond,
			MaxAttempts: 1000, Timeout: 5 * time.Second}
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(wctx) }()
	}
	defer func() { stop(); wg.Wait() }()

	// Down: every mail is tried, fails, and waits.
	waitFor(t, "every mail tried while SMTP is down", func() bool {
		n, err := st.DB.NewSelect().Model((*model.OutboxMail)(nil)).Where("attempts > 0 AND last_error <> ''").Count(ctx)
		return err == nil && n == mails
	})
	if got := len(smtp.Messages()); got != 0 {
		t.Fatalf("%d mails received while the server was down", got)
	}

	smtp.Up()
	waitFor(t, "every mail sent", func() bool {
		n, err := st.DB.NewSelect().Model((*model.OutboxMail)(nil)).Where("status = ?", store.MailSent).Count(ctx)
		return err == nil && n == mails
	})
	// A few more rounds of both workers: nothing is sent again.
	time.Sleep(500 * time.Millisecond)
	got := smtp.Messages()
	seen := map[string]int{}
	for _, m := range got {
		seen[m.Header().Get("Subject")]++
	}
	if len(got) != mails || len(seen) != mails {
		t.Fatalf("received %d mails with %d subjects, want %d once each", len(got), len(seen), mails)
	}
	for subject, n := range seen {
		if n != 1 {
			t.Errorf("%q received %d times", subject, n)
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
