package store_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// totals counts the rows a form submission creates.
type totals struct {
	tickets, submissions, threads, messages, attachments, contactLinks, companyLinks int
}

func takeTotals(t *testing.T, db bun.IDB) totals {
	t.Helper()
	return totals{
		tickets:      count(t, db, (*model.Ticket)(nil), ""),
		submissions:  count(t, db, (*model.FormSubmission)(nil), ""),
		threads:      count(t, db, (*model.Thread)(nil), ""),
		messages:     count(t, db, (*model.Message)(nil), ""),
		attachments:  count(t, db, (*model.Attachment)(nil), ""),
		contactLinks: count(t, db, (*model.TicketContact)(nil), ""),
		companyLinks: count(t, db, (*model.TicketCompany)(nil), ""),
	}
}

func testForms(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	db := st.DB
	demoForm, err := store.FormByID(ctx, db, e.settings.FormID)
	if err != nil {
		t.Fatal(err)
	}
	if demoForm.InboxID == e.billingInbox || len(demoForm.Fields) == 0 {
		t.Fatalf("demo form %+v", demoForm)
	}
	// A second form that files into Billing, so that its tickets can't
	// land in the default inbox by chance.
	form := &model.Form{Name: "Billing questions", InboxID: e.billingInbox, PipelineID: demoForm.PipelineID, Fields: demoForm.Fields}
	if _, err := db.NewInsert().Model(form).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := store.FormByID(ctx, db, form.ID); err != nil || got.InboxID != e.billingInbox || !reflect.DeepEqual(got.Fields, demoForm.Fields) {
		t.Fatalf("FormByID: %+v, %v", got, err)
	}
	_, err = store.FormByID(ctx, db, 987654)
	mustNotFound(t, "FormByID(missing)", err)
	ana, err := store.ContactByID(ctx, db, e.ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	carla, err := store.ContactByID(ctx, db, e.carla.ID)
	if err != nil {
		t.Fatal(err)
	}
	submission := func(c *model.Contact, key string) store.Submission {
		return store.Submission{
			Form: form, Contact: c, IdempotencyKey: key,
			Subject: "Scanner jams on page two", Description: "The scanner jams on the second page of every batch.",
			Priority: model.PriorityHigh, Category: "technical",
			Properties: map[string]string{"product": "Label printer"},
			Files:      []store.Upload{{Filename: "jam.jpg", ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff}}},
		}
	}
	create := func(sub store.Submission) (int64, error) {
		var id int64
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			id, err = store.CreateFormTicket(ctx, tx, sub)
			return err
		})
		return id, err
	}

	t.Run("one ticket with everything", func(t *testing.T) {
		before := takeTotals(t, db)
		if id, err := store.SubmissionTicket(ctx, db, "key-one"); err != nil || id != 0 {
			t.Fatalf("SubmissionTicket before: %d, %v", id, err)
		}
		sub := submission(ana, "key-one")
		id, err := create(sub)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := store.SubmissionTicket(ctx, db, "key-one"); err != nil || got != id {
			t.Errorf("SubmissionTicket: %d, %v; want %d", got, err, id)
		}
		after := takeTotals(t, db)
		want := before
		want.tickets++
		want.submissions++
		want.threads++
		want.messages++
		want.attachments++
		want.contactLinks++
		want.companyLinks++
		if after != want {
			t.Errorf("rows: %+v, want %+v", after, want)
		}

		tk := ticket(t, db, id)
		first, err := store.FirstOpenStage(ctx, db, form.PipelineID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Subject != sub.Subject || tk.Description != sub.Description || tk.PipelineID != form.PipelineID ||
			tk.StageID != first.ID || tk.Closed || tk.Source != model.SourceForm || tk.Priority != sub.Priority ||
			tk.Category != sub.Category || tk.InboxID == nil || *tk.InboxID != form.InboxID ||
			tk.Properties["product"] != "Label printer" {
			t.Errorf("ticket %+v", tk)
		}
		snap := takeSnapshot(t, db)
		if !slices.Equal(snap.contacts[id], []int64{ana.ID}) || !slices.Equal(snap.companies[id], []int64{*ana.CompanyID}) {
			t.Errorf("contacts %v, companies %v", snap.contacts[id], snap.companies[id])
		}
		var threads []model.Thread
		if err := db.NewSelect().Model(&threads).Where("ticket_id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(threads) != 1 || threads[0].InboxID != form.InboxID {
			t.Errorf("threads %+v, want one in inbox %d", threads, form.InboxID)
		}
		msgs, err := store.LatestThreadMessages(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].Body != sub.Description || msgs[0].Channel != "form" ||
			msgs[0].AuthorContactID == nil || *msgs[0].AuthorContactID != ana.ID || len(msgs[0].Attachments) != 1 {
			t.Errorf("messages %+v", msgs)
		}
		// The portal shows it to Ana and her company, and nobody else.
		for _, v := range []store.Viewer{e.own(e.ana), e.org(e.ben)} {
			if _, err := st.VisibleTicket(ctx, db, v, id); err != nil {
				t.Errorf("contact %d can't see the new ticket: %v", v.ContactID, err)
			}
		}
		for _, v := range []store.Viewer{e.own(e.ben), e.org(e.gina), e.org(e.carla)} {
			_, err := st.VisibleTicket(ctx, db, v, id)
			mustNotFound(t, "VisibleTicket by another contact", err)
		}

		t.Run("same key again", func(t *testing.T) {
			before := takeTotals(t, db)
			again, err := create(submission(ana, "key-one"))
			if !isUniqueViolation(err) {
				t.Errorf("second submission: id %d, error %v; want a unique violation", again, err)
			}
			if after := takeTotals(t, db); after != before {
				t.Errorf("rows: %+v, were %+v", after, before)
			}
			if got, _ := store.SubmissionTicket(ctx, db, "key-one"); got != id {
				t.Errorf("SubmissionTicket: %d, want %d", got, id)
			}
		})
	})

	t.Run("contact without company", func(t *testing.T) {
		sub := submission(carla, "key-carla")
		sub.Properties, sub.Files = nil, nil
		id, err := create(sub)
		if err != nil {
			t.Fatal(err)
		}
		snap := takeSnapshot(t, db)
		if !slices.Equal(snap.contacts[id], []int64{carla.ID}) || len(snap.companies[id]) != 0 {
			t.Errorf("contacts %v, companies %v", snap.contacts[id], snap.companies[id])
		}
		if tk := ticket(t, db, id); tk.Properties == nil || len(tk.Properties) != 0 {
			t.Errorf("properties %v, want an empty map", tk.Properties)
		}
	})

	t.Run("concurrent double submit", func(t *testing.T) {
		const n = 5
		before := takeTotals(t, db)
		var wg sync.WaitGroup
		start := make(chan struct{})
		ids := make([]int64, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ids[i], errs[i] = create(submission(ana, "key-race"))
			}()
		}
		close(start)
		wg.Wait()
		var winner int64
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
				winner = ids[i]
			case !isUniqueViolation(err):
				t.Errorf("submission %d: %v, want a unique violation", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d submissions succeeded, want exactly 1 (errors %v)", wins, errs)
		}
		after := takeTotals(t, db)
		want := before
		want.tickets++
		want.submissions++
		want.threads++
		want.messages++
		want.attachments++
		want.contactLinks++
		want.companyLinks++
		if after != want {
			t.Errorf("rows: %+v, want %+v", after, want)
		}
		if got, err := store.SubmissionTicket(ctx, db, "key-race"); err != nil || got != winner {
			t.Errorf("SubmissionTicket: %d, %v; want %d", got, err, winner)
		}
		if n := count(t, db, (*model.Ticket)(nil), "subject = ?", "Scanner jams on page two"); n != 3 {
			t.Errorf("%d tickets from the form, want 3 (one per key)", n)
		}
	})
}
