package mail_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portico/app/i18n"
	"portico/app/mail"
	"portico/app/mail/mailtest"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// newMailer builds a Mailer on the repository's templates.
func newMailer(t *testing.T, replyDomain string) *mail.Mailer {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.New(mail.Config{
		Views: os.DirFS(filepath.Join(testutil.Root(t), "views")), I18n: b,
		BaseURL: "https://help.example.com", Secret: []byte("test-secret-test-secret-test-secret!"),
		ReplyDomain: replyDomain,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newWorker is a worker on the test server, with short delays.
func newWorker(t *testing.T, st *store.Store, srv *mailtest.Server) *mail.Worker {
	t.Helper()
	s, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Worker{
		Store: st, SMTP: s, From: "Portico Help <help@portico.test>",
		BaseDelay: 20 * time.Millisecond, MaxDelay: time.Second, Timeout: 5 * time.Second,
	}
}

// enqueue puts n plain mails in the outbox.
func enqueue(t *testing.T, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		_, err := mail.Enqueue(ctx, st.DB, mail.Mail{
			Kind: "test", ToAddr: fmt.Sprintf("user%d@example.com", i), ToName: fmt.Sprintf("User %d", i),
			Subject: fmt.Sprintf("Mail %d", i), Text: "Hello\n", HTML: "<p>Hello</p>",
			DedupeKey: fmt.Sprintf("test:%d", i),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// rows returns every outbox row.
func rows(t *testing.T, st *store.Store) []store.OutboxMail {
	t.Helper()
	var out []store.OutboxMail
	if err := st.DB.NewSelect().Model(&out).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// contact creates a contact for token and notification tests.
func contact(t *testing.T, st *store.Store, email, name, lang string) *model.Contact {
	t.Helper()
	c := &model.Contact{Email: email, Name: name, Language: lang}
	if err := store.CreateContact(context.Background(), st.DB, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// both runs a test on SQLite and, when configured, Postgres.
func both(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("SQLite", func(t *testing.T) { f(t, testutil.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { f(t, testutil.Postgres(t)) })
}
