package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

func testLatestThreadMessages(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	invoice := e.ticketID(t, "Invoice address change")
	printer := e.ticketID(t, "Printer shows error E42")
	phone := e.ticketID(t, "Phone call: renewal quote")

	t.Run("two threads", func(t *testing.T) {
		var threads []model.Thread
		if err := st.DB.NewSelect().Model(&threads).Where("ticket_id = ?", invoice).Order("created_at", "id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(threads) != 2 {
			t.Fatalf("#%d has %d threads, want 2", invoice, len(threads))
		}
		newer := threads[1].ID
		// A staff note on the newer thread must not show either.
		note := &model.Message{ThreadID: newer, TicketID: invoice, Kind: model.KindNote, Direction: model.DirectionOutgoing,
			Channel: "internal", Body: "INTERNAL NOTE: customer is moving offices, update the CRM too.", CreatedAt: time.Now().UTC()}
		if err := store.InsertMessage(ctx, st.DB, note, nil); err != nil {
			t.Fatal(err)
		}
		want := count(t, st.DB, (*model.Message)(nil), "thread_id = ? AND kind = 'public'", newer)
		msgs, err := store.LatestThreadMessages(ctx, st.DB, invoice)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != want || want == 0 {
			t.Fatalf("%d messages, want the %d public ones of the newer thread", len(msgs), want)
		}
		for i, m := range msgs {
			if m.ThreadID != newer || m.Kind != model.KindPublic {
				t.Errorf("message %d: thread %d kind %s", m.ID, m.ThreadID, m.Kind)
			}
			if strings.Contains(m.Body, "older thread") || strings.Contains(m.Body, "INTERNAL") {
				t.Errorf("shows %q", m.Body)
			}
			if i > 0 && m.CreatedAt.Before(msgs[i-1].CreatedAt) {
				t.Errorf("message %d is older than message %d", m.ID, msgs[i-1].ID)
			}
			// Authors are loaded, and only their safe fields.
			switch {
			case m.AuthorContactID != nil:
				if m.AuthorContact == nil || m.AuthorContact.Name == "" || m.AuthorContact.PasswordHash != "" {
					t.Errorf("message %d: author contact %+v", m.ID, m.AuthorContact)
				}
			case m.AuthorStaffID != nil:
				if m.AuthorStaff == nil || m.AuthorStaff.Name == "" || m.AuthorStaff.PasswordHash != "" || m.AuthorStaff.Email != "" {
					t.Errorf("message %d: author staff %+v", m.ID, m.AuthorStaff)
				}
			}
		}
	})

	t.Run("notes and comments never, attachments without bytes", func(t *testing.T) {
		var threadID int64
		if err := st.DB.NewSelect().Model((*model.Thread)(nil)).Column("id").Where("ticket_id = ?", printer).
			Order("id DESC").Limit(1).Scan(ctx, &threadID); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{model.KindNote, model.KindComment} {
			m := &model.Message{ThreadID: threadID, TicketID: printer, Kind: kind, Direction: model.DirectionOutgoing,
				Channel: "internal", Body: "INTERNAL " + kind + " with a file", CreatedAt: time.Now().UTC()}
			if err := store.InsertMessage(ctx, st.DB, m, []store.Upload{{Filename: kind + ".txt", ContentType: "text/plain", Data: []byte("x")}}); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, st.DB, (*model.Message)(nil), "ticket_id = ? AND kind <> 'public'", printer); n < 3 {
			t.Fatalf("#%d has %d internal messages, want at least 3", printer, n)
		}
		msgs, err := store.LatestThreadMessages(ctx, st.DB, printer)
		if err != nil {
			t.Fatal(err)
		}
		files := 0
		for _, m := range msgs {
			if m.Kind != model.KindPublic || strings.Contains(m.Body, "INTERNAL") {
				t.Errorf("shows %s message %q", m.Kind, m.Body)
			}
			for _, a := range m.Attachments {
				files++
				if a.Size == 0 || a.Filename == "" || a.ContentType == "" || a.MessageID != m.ID {
					t.Errorf("attachment %+v", a)
				}
				if a.Filename == "note.txt" || a.Filename == "comment.txt" {
					t.Errorf("shows internal attachment %s", a.Filename)
				}
			}
		}
		if files != 1 {
			t.Errorf("%d attachments shown, want the screenshot only", files)
		}
	})

	t.Run("no thread", func(t *testing.T) {
		msgs, err := store.LatestThreadMessages(ctx, st.DB, phone)
		if err != nil || len(msgs) != 0 {
			t.Errorf("%d messages, %v; want none and no error", len(msgs), err)
		}
		msgs, err = store.LatestThreadMessages(ctx, st.DB, 987654)
		if err != nil || len(msgs) != 0 {
			t.Errorf("missing ticket: %d messages, %v", len(msgs), err)
		}
	})
}

// footprint is what a reply may change on a ticket.
type footprint struct {
	messages, attachments, threads int
	lastActivity                   time.Time
}

func takeFootprint(t *testing.T, db bun.IDB, ticketID int64) footprint {
	t.Helper()
	return footprint{
		messages:     count(t, db, (*model.Message)(nil), "ticket_id = ?", ticketID),
		attachments:  count(t, db, (*model.Attachment)(nil), "ticket_id = ?", ticketID),
		threads:      count(t, db, (*model.Thread)(nil), "ticket_id = ?", ticketID),
		lastActivity: ticket(t, db, ticketID).LastActivityAt,
	}
}

func (f footprint) equal(g footprint) bool {
	return f.messages == g.messages && f.attachments == g.attachments && f.threads == g.threads &&
		f.lastActivity.Equal(g.lastActivity)
}

func testReplies(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	db := st.DB
	printer := e.ticketID(t, "Printer shows error E42")
	invoice := e.ticketID(t, "Invoice address change")
	phone := e.ticketID(t, "Phone call: renewal quote")
	closedID := e.ticketID(t, "Add two new users to our account") // Ana, closed
	if !ticket(t, db, closedID).Closed || ticket(t, db, printer).Closed || ticket(t, db, phone).Closed {
		t.Fatal("the demo tickets' states changed")
	}
	errBoom := errors.New("boom: the request failed after the reply")

	// reply runs AddContactReply in a transaction; after is what the
	// transaction returns once the reply succeeded.
	reply := func(r store.NewReply, after error) (*model.Message, error) {
		var m *model.Message
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if m, err = st.AddContactReply(ctx, tx, r); err != nil {
				return err
			}
			return after
		})
		return m, err
	}
	file := func(name string, data string) store.Upload {
		return store.Upload{Filename: name, ContentType: "text/plain; charset=utf-8", Data: []byte(data)}
	}

	t.Run("lands in the latest thread", func(t *testing.T) {
		for _, id := range []int64{printer, invoice} {
			var latest int64
			// The latest thread is the one with the newest public message.
			if err := db.NewSelect().Model((*model.Message)(nil)).Column("thread_id").Where("ticket_id = ?", id).
				Order("created_at DESC", "id DESC").Limit(1).Scan(ctx, &latest); err != nil {
				t.Fatal(err)
			}
			before := takeFootprint(t, db, id)
			start := time.Now()
			m, err := reply(store.NewReply{
				TicketID: id, ContactID: e.ana.ID, Body: "Still broken, see the attached log.",
				Files: []store.Upload{file("printer.log", "E42 E42 E42"), file("second.txt", "two")},
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.ID == 0 || m.ThreadID != latest || m.TicketID != id || m.Kind != model.KindPublic ||
				m.Direction != model.DirectionIncoming || m.AuthorContactID == nil || *m.AuthorContactID != e.ana.ID {
				t.Errorf("#%d: message %+v, want it in thread %d", id, m, latest)
			}
			if len(m.Attachments) != 2 || m.Attachments[0].Size != int64(len("E42 E42 E42")) {
				t.Errorf("#%d: returned attachments %+v", id, m.Attachments)
			}
			after := takeFootprint(t, db, id)
			if after.messages != before.messages+1 || after.attachments != before.attachments+2 || after.threads != before.threads {
				t.Errorf("#%d: %+v after the reply, %+v before", id, after, before)
			}
			if after.lastActivity.Before(start.Add(-time.Second)) || after.lastActivity.After(time.Now().Add(time.Second)) {
				t.Errorf("#%d: last activity %v, want about now (%v); it was %v", id, after.lastActivity, start, before.lastActivity)
			}
			// The files are stored with their bytes, and the portal shows the reply last.
			var stored []model.Attachment
			if err := db.NewSelect().Model(&stored).Where("message_id = ?", m.ID).Order("id").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			data, err := store.ReadAttachment(db, &stored[0])
			if err != nil || len(stored) != 2 || string(data) != "E42 E42 E42" || stored[1].Filename != "second.txt" ||
				stored[0].StorageKey == "" || stored[0].StorageKey == stored[1].StorageKey {
				t.Errorf("#%d: stored attachments %+v", id, stored)
			}
			msgs, err := store.LatestThreadMessages(ctx, db, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 0 || msgs[len(msgs)-1].ID != m.ID {
				t.Errorf("#%d: the reply is not the last message the portal shows", id)
			}
		}
	})

	t.Run("closed ticket", func(t *testing.T) {
		before := takeFootprint(t, db, closedID)
		var rerr error
		// The transaction commits whatever the call did, so this checks
		// that it wrote nothing before refusing.
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			_, rerr = st.AddContactReply(ctx, tx, store.NewReply{
				TicketID: closedID, ContactID: e.ana.ID, Body: "Reopen please",
				Files: []store.Upload{file("x.txt", "x")}, DefaultInboxID: e.billingInbox,
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(rerr, store.ErrTicketClosed) {
			t.Errorf("error %v, want ErrTicketClosed", rerr)
		}
		if after := takeFootprint(t, db, closedID); !after.equal(before) {
			t.Errorf("closed ticket changed: %+v, was %+v", after, before)
		}
	})

	t.Run("missing ticket", func(t *testing.T) {
		_, err := reply(store.NewReply{TicketID: 987654, ContactID: e.ana.ID, Body: "hello", DefaultInboxID: e.billingInbox}, nil)
		mustNotFound(t, "AddContactReply(missing)", err)
	})

	t.Run("rolled back with its files", func(t *testing.T) {
		for _, id := range []int64{printer, phone} {
			before := takeFootprint(t, db, id)
			files := count(t, db, (*model.Attachment)(nil), "")
			_, err := reply(store.NewReply{
				TicketID: id, ContactID: e.ana.ID, Body: "This reply is rolled back.",
				Files:          []store.Upload{file("rolled-back.txt", "gone"), file("rolled-back-2.txt", "gone too")},
				DefaultInboxID: e.billingInbox,
			}, errBoom)
			if !errors.Is(err, errBoom) {
				t.Fatalf("#%d: error %v, want %v", id, err, errBoom)
			}
			if after := takeFootprint(t, db, id); !after.equal(before) {
				t.Errorf("#%d: half-saved reply: %+v, was %+v", id, after, before)
			}
			if n := count(t, db, (*model.Attachment)(nil), ""); n != files {
				t.Errorf("#%d: %d attachments, was %d", id, n, files)
			}
			if n := count(t, db, (*model.Message)(nil), "body = ?", "This reply is rolled back."); n != 0 {
				t.Errorf("#%d: %d rolled-back messages remain", id, n)
			}
		}
	})

	t.Run("a failing attachment fails the reply whole", func(t *testing.T) {
		before := takeFootprint(t, db, printer)
		// A NUL byte in a filename is refused (text can't hold it): the
		// message is saved first, then the attachment fails.
		_, err := reply(store.NewReply{
			TicketID: printer, ContactID: e.ana.ID, Body: "Half a reply",
			Files: []store.Upload{file("good.txt", "fine"), file("bad\x00name.txt", "fails")},
		}, nil)
		if err == nil {
			t.Fatal("the reply succeeded")
		}
		if after := takeFootprint(t, db, printer); !after.equal(before) {
			t.Errorf("half-saved reply: %+v, was %+v", after, before)
		}
	})

	t.Run("no thread without a default inbox", func(t *testing.T) {
		before := takeFootprint(t, db, phone)
		_, err := reply(store.NewReply{TicketID: phone, ContactID: e.ana.ID, Body: "hello"}, nil)
		if err == nil {
			t.Fatal("reply to a ticket with no thread and no default inbox succeeded")
		}
		if after := takeFootprint(t, db, phone); !after.equal(before) {
			t.Errorf("ticket changed: %+v, was %+v", after, before)
		}
	})

	// The replies below pass the Billing inbox as the default inbox, so
	// that a new thread can't land in the demo's default inbox by chance.
	t.Run("ticket with no thread", func(t *testing.T) {
		if n := count(t, db, (*model.Thread)(nil), "ticket_id = ?", phone); n != 0 {
			t.Fatalf("#%d has %d threads before the reply", phone, n)
		}
		m, err := reply(store.NewReply{
			TicketID: phone, ContactID: e.ana.ID, Body: "Any news on the quote?",
			Files: []store.Upload{file("seats.csv", "seats\n25\n")}, DefaultInboxID: e.billingInbox,
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var threads []model.Thread
		if err := db.NewSelect().Model(&threads).Where("ticket_id = ?", phone).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(threads) != 1 || threads[0].InboxID != e.billingInbox || m.ThreadID != threads[0].ID {
			t.Fatalf("threads %+v, message in thread %d; want one thread in inbox %d", threads, m.ThreadID, e.billingInbox)
		}
		// A second reply joins that thread.
		m2, err := reply(store.NewReply{TicketID: phone, ContactID: e.ana.ID, Body: "Hello again?", DefaultInboxID: e.billingInbox}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m2.ThreadID != m.ThreadID || count(t, db, (*model.Thread)(nil), "ticket_id = ?", phone) != 1 {
			t.Errorf("second reply in thread %d, first in %d", m2.ThreadID, m.ThreadID)
		}
		msgs, err := store.LatestThreadMessages(ctx, db, phone)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || msgs[0].ID != m.ID || msgs[1].ID != m2.ID || len(msgs[0].Attachments) != 1 {
			t.Errorf("portal messages: %+v", msgs)
		}
		a, err := st.VisibleAttachment(ctx, db, e.own(e.ana), m.Attachments[0].ID)
		if err != nil {
			t.Fatalf("VisibleAttachment: %v", err)
		}
		if data, err := store.ReadAttachment(db, a); err != nil || !bytes.Equal(data, []byte("seats\n25\n")) {
			t.Errorf("VisibleAttachment: %v, %+v, %q", err, a, data)
		}
	})
}
