package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

func TestOutboxBacklog(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{"sqlite": testutil.SQLite, "postgres": testutil.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			n, oldest, err := st.OutboxBacklog(ctx)
			if err != nil || n != 0 || !oldest.IsZero() {
				t.Fatalf("empty outbox: %d %v %v", n, oldest, err)
			}
			first := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
			for i, status := range []string{store.MailSent, store.MailPending, store.MailSending, store.MailFailed} {
				m := &store.OutboxMail{OutboxMail: model.OutboxMail{Kind: "test", ToAddr: "a@example.com",
					Subject: "s", DedupeKey: fmt.Sprint("k", i), Status: status,
					CreatedAt: first.Add(time.Duration(i) * time.Minute)}}
				if _, err := store.EnqueueMail(ctx, st.DB, m); err != nil {
					t.Fatal(err)
				}
			}
			n, oldest, err = st.OutboxBacklog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The sent mail is the oldest but waits no more; the pending one
			// is next, a minute later.
			if n != 2 || !oldest.Equal(first.Add(time.Minute)) {
				t.Fatalf("backlog %d since %v, want 2 since %v", n, oldest, first.Add(time.Minute))
			}
		})
	}
}
