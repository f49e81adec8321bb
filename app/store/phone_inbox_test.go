package store_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/demo"
	"portico/app/store"
	"portico/app/testutil"
)

// A ticket taken by phone has no inbox until its first thread starts; it
// then joins that thread's inbox, so agents find it under that inbox.
func TestPhoneTicketJoinsTheThreadInbox(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{"SQLite": testutil.SQLite, "Postgres": testutil.Postgres} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			if err := demo.Load(ctx, st); err != nil {
				t.Fatal(err)
			}
			var ticketID, inboxID, contactID int64
			if err := st.DB.NewRaw("SELECT id FROM tickets WHERE source = 'phone' AND inbox_id IS NULL LIMIT 1").Scan(ctx, &ticketID); err != nil {
				t.Fatalf("a demo phone ticket without inbox: %v", err)
			}
			_ = st.DB.NewRaw("SELECT id FROM inboxes ORDER BY id LIMIT 1").Scan(ctx, &inboxID)
			_ = st.DB.NewRaw("SELECT contact_id FROM ticket_contacts WHERE ticket_id = ? LIMIT 1", ticketID).Scan(ctx, &contactID)
			err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				_, err := st.AddContactReply(ctx, tx, store.NewReply{TicketID: ticketID, ContactID: contactID, Body: "first words", DefaultInboxID: inboxID})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var got *int64
			if err := st.DB.NewRaw("SELECT inbox_id FROM tickets WHERE id = ?", ticketID).Scan(ctx, &got); err != nil || got == nil || *got != inboxID {
				t.Fatalf("ticket inbox after its first thread: %v (err %v), want %d", got, err, inboxID)
			}
		})
	}
}
