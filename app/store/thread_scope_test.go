package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// Portal search and attachment downloads reach only the thread the portal
// shows, the ticket's newest: an older thread's text is not found and its
// attachments are not served, on SQLite and on Postgres (where the text
// lives in the derived search_doc, which a reindex rebuilds the same).
func testOlderThread(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	invoice := e.ticketID(t, "Invoice address change")  // two threads
	printer := e.ticketID(t, "Printer shows error E42") // one, with screenshot.png
	ana := e.org(e.ana)
	search := func(t *testing.T, term string) []int64 {
		t.Helper()
		got := listIDs(t, st, ana, store.ListQuery{Search: term})
		open, closed, err := st.CountTickets(ctx, st.DB, ana, term)
		if err != nil {
			t.Fatal(err)
		}
		if open+closed != len(got) {
			t.Errorf("CountTickets(%q) = %d+%d, the list has %d", term, open, closed, len(got))
		}
		return got
	}
	// "quarter" is only in the older thread of #25: check that first, or
	// the test would prove nothing.
	if n := count(t, st.DB, (*model.Message)(nil), "kind = 'public' AND lower(body) LIKE '%quarter%' AND ticket_id = ?", invoice); n == 0 {
		t.Fatal("the demo's older thread lost its word")
	}
	if n := count(t, st.DB, (*model.Message)(nil), "lower(body) LIKE '%quarter%' AND ticket_id <> ?", invoice); n != 0 {
		t.Fatal("the older thread's word is elsewhere too")
	}
	check := func(t *testing.T) {
		t.Helper()
		if got := search(t, "quarter"); len(got) != 0 {
			t.Errorf("the older thread's text is found: %v", got)
		}
		if got := search(t, "Madrid"); !slices.Equal(got, []int64{invoice}) {
			t.Errorf("the newer thread's text: %v, want [%d]", got, invoice)
		}
	}
	check(t)
	// Rebuilt from the base tables, the derived text is the same.
	if err := st.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	check(t)

	// A newer thread on #printer (written in plain SQL, then reindexed as
	// the README says): the older thread's text and screenshot are gone
	// from the portal; a reply lands in the new thread and is found.
	shot := new(model.Attachment)
	if err := st.DB.NewSelect().Model(shot).Where("ticket_id = ? AND filename = 'screenshot.png'", printer).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.VisibleAttachment(ctx, st.DB, ana, shot.ID); err != nil {
		t.Fatalf("the screenshot before a newer thread: %v", err)
	}
	if got := search(t, "overheating"); !slices.Equal(got, []int64{printer}) {
		t.Fatalf("printer text before a newer thread: %v", got)
	}
	th := &model.Thread{TicketID: printer, InboxID: e.settings.DefaultInboxID, CreatedAt: time.Now().UTC()}
	if _, err := st.DB.NewInsert().Model(th).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.VisibleAttachment(ctx, st.DB, ana, shot.ID); err != store.ErrNotFound {
		t.Errorf("the older thread's attachment: %v, want ErrNotFound", err)
	}
	if got := search(t, "overheating"); len(got) != 0 {
		t.Errorf("the older thread's text is found: %v", got)
	}
	var reply *model.Message
	err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		reply, err = st.AddContactReply(ctx, tx, store.NewReply{TicketID: printer, ContactID: e.ana.ID,
			Body: "Now the zebracrossing pattern prints", Files: []store.Upload{{Filename: "new.txt", ContentType: "text/plain", Data: []byte("n")}},
			DefaultInboxID: e.settings.DefaultInboxID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if reply.ThreadID != th.ID {
		t.Fatalf("the reply went to thread %d, want the newest, %d", reply.ThreadID, th.ID)
	}
	if got := search(t, "zebracrossing"); !slices.Equal(got, []int64{printer}) {
		t.Errorf("the newest thread's text: %v, want [%d]", got, printer)
	}
	if got := search(t, "overheating"); len(got) != 0 {
		t.Errorf("after a reply, the older thread's text is found: %v", got)
	}
	if _, err := st.VisibleAttachment(ctx, st.DB, ana, reply.Attachments[0].ID); err != nil {
		t.Errorf("the newest thread's attachment: %v", err)
	}
}
