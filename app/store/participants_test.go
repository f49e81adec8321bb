package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

func TestParticipantsSQLite(t *testing.T)   { runParticipants(t, testutil.SQLite(t)) }
func TestParticipantsPostgres(t *testing.T) { runParticipants(t, testutil.Postgres(t)) }

func runParticipants(t *testing.T, st *store.Store) {
	t.Parallel()
	e := loadDemo(t, st)
	t.Run("PanelIsVisible", func(t *testing.T) { testPanelIsVisible(t, e) })
	t.Run("ShareAndUnshare", func(t *testing.T) { testShareAndUnshare(t, e) })
	t.Run("Rules", func(t *testing.T) { testParticipantRules(t, e) })
	t.Run("ReindexRebuildsSharedRows", func(t *testing.T) { testReindexShared(t, e) })
	// The panel still matches Visible after all of the above.
	t.Run("PanelIsVisibleAfter", func(t *testing.T) { testPanelIsVisible(t, e) })
}

// testPanelIsVisible checks, for every contact and every ticket, under
// both ticket permissions, that the "who can see this" panel lists the
// contact exactly when Visible admits the ticket.
func testPanelIsVisible(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	var contacts []model.Contact
	if err := e.st.DB.NewSelect().Model(&contacts).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var tickets []int64
	if err := e.st.DB.NewSelect().Model((*model.Ticket)(nil)).Column("id").Order("id").Scan(ctx, &tickets); err != nil {
		t.Fatal(err)
	}
	if len(contacts) < 4 || len(tickets) < 40 {
		t.Fatalf("%d contacts, %d tickets", len(contacts), len(tickets))
	}
	admitted := 0
	for _, companyView := range []bool{true, false} {
		for _, id := range tickets {
			a, err := store.WhoCanSeePeople(ctx, e.st.DB, id, companyView)
			if err != nil {
				t.Fatal(err)
			}
			people := a.People()
			for _, c := range contacts {
				// The portal's viewer of a ticket page: the contact, widened
				// to the primary company under the company permission.
				v := store.Viewer{ContactID: c.ID}
				if companyView && c.CompanyID != nil {
					v.CompanyID = *c.CompanyID
				}
				_, err := e.st.VisibleTicket(ctx, e.st.DB, v, id)
				sees := err == nil
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				if listed := slices.Contains(people, c.ID); listed != sees {
					t.Errorf("company view %v, #%d, %s: Visible %v, panel %v", companyView, id, c.Email, sees, listed)
				}
				if sees {
					admitted++
				}
			}
		}
	}
	if admitted < len(tickets) {
		t.Errorf("only %d admissions in all", admitted)
	}
	// The demo's shared ticket lists its participant, with who added them.
	shared := e.ticketID(t, demo.SharedSubject)
	a, err := store.WhoCanSeePeople(ctx, e.st.DB, shared, true)
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsParticipant(e.carla.ID) || a.IsContact(e.carla.ID) || !a.IsContact(e.gina.ID) {
		t.Fatalf("demo shared ticket: %+v", a)
	}
	for _, p := range a.Participants {
		if p.ID == e.carla.ID && (p.AddedByName == "" || p.AddedByStaff == nil || p.AddedAt.IsZero()) {
			t.Errorf("Carla's row: %+v", p)
		}
	}
	if len(a.Companies) != 1 || a.Companies[0].ID != e.gina.CompanyID || len(a.Companies[0].Members) == 0 || a.Companies[0].Count != len(a.Companies[0].Members) {
		t.Errorf("companies: %+v", a.Companies)
	}
}

// sharedState is what a contact gets of one ticket on each store route.
type sharedState struct {
	detail, attachment, mine, shared, search, sharedSearch bool
	sharedOpen                                             int
}

func stateOf(t *testing.T, e *demoEnv, p person, ticketID, attachmentID int64, word string) sharedState {
	t.Helper()
	ctx := context.Background()
	v := e.own(p)
	var s sharedState
	_, err := e.st.VisibleTicket(ctx, e.st.DB, v, ticketID)
	s.detail = err == nil
	_, err = e.st.VisibleAttachment(ctx, e.st.DB, v, attachmentID)
	s.attachment = err == nil
	s.mine = slices.Contains(listIDs(t, e.st, v, store.ListQuery{}), ticketID)
	s.shared = slices.Contains(listIDs(t, e.st, v, store.ListQuery{Shared: true}), ticketID)
	s.search = slices.Contains(listIDs(t, e.st, v, store.ListQuery{Search: word}), ticketID)
	s.sharedSearch = slices.Contains(listIDs(t, e.st, v, store.ListQuery{Search: word, Shared: true}), ticketID)
	sp, err := e.st.TicketPage(ctx, e.st.DB, v, store.ListQuery{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	s.sharedOpen = sp.Open
	// Every way of reading a list counts the shared tickets alike: the
	// first page, a search, and a page asked for by its number.
	for _, lq := range []store.ListQuery{{}, {Search: word}, {Page: 3}, {Status: "closed", Page: 2}} {
		pg, err := e.st.TicketPage(ctx, e.st.DB, v, lq)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Shared != sp.Open+sp.Closed {
			t.Errorf("list %+v counts %d shared tickets, Shared with me holds %d", lq, pg.Shared, sp.Open+sp.Closed)
		}
	}
	return s
}

func testShareAndUnshare(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	printer := e.ticketID(t, "Printer shows error E42") // Ana's, with screenshot.png
	var att int64
	err := e.st.DB.NewRaw(`SELECT a.id FROM attachments AS a JOIN messages AS m ON m.id = a.message_id
		WHERE m.ticket_id = ? AND m.kind = 'public' ORDER BY a.id LIMIT 1`, printer).Scan(ctx, &att)
	if err != nil {
		t.Fatal(err)
	}
	const word = "E42"
	before := stateOf(t, e, e.gina, printer, att, word)
	if before.detail || before.attachment || before.mine || before.shared || before.search || before.sharedSearch {
		t.Fatalf("Gina sees Ana's ticket before it is shared: %+v", before)
	}
	anaOwn := listIDs(t, e.st, e.own(e.ana), store.ListQuery{})
	ginaOwn := listIDs(t, e.st, e.own(e.gina), store.ListQuery{})

	if err := store.AddParticipant(ctx, e.st.DB, printer, e.gina.ID, &e.ana.ID, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after sharing")
	got := stateOf(t, e, e.gina, printer, att, word)
	want := sharedState{detail: true, attachment: true, shared: true, sharedSearch: true, sharedOpen: before.sharedOpen + 1}
	if got != want {
		t.Errorf("shared: %+v, want %+v", got, want)
	}
	// Her own list, and Ana's, are as they were.
	if l := listIDs(t, e.st, e.own(e.gina), store.ListQuery{}); !slices.Equal(l, ginaOwn) {
		t.Errorf("Gina's own tickets changed: %v, were %v", l, ginaOwn)
	}
	if l := listIDs(t, e.st, e.own(e.ana), store.ListQuery{}); !slices.Equal(l, anaOwn) {
		t.Errorf("Ana's own tickets changed: %v, were %v", l, anaOwn)
	}
	// A participant may reply.
	if _, err := e.st.AddEmailReply(ctx, e.st.DB, printer, e.gina.ID, "Same here.", e.settings.DefaultInboxID); err != nil {
		t.Errorf("participant's reply: %v", err)
	}
	// The ticket's notifications reach the participant.
	if !notifiable(t, e, printer, e.gina.ID) {
		t.Error("the participant is not notified")
	}
	a, err := store.WhoCanSee(ctx, e.st.DB, printer, true)
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsParticipant(e.gina.ID) || a.Participants[0].AddedByName == "" || a.Participants[0].AddedByContact == nil {
		t.Errorf("panel: %+v", a.Participants)
	}

	if err := store.RemoveParticipant(ctx, e.st.DB, printer, e.gina.ID); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after unsharing")
	if got := stateOf(t, e, e.gina, printer, att, word); got != before {
		t.Errorf("unshared: %+v, want %+v", got, before)
	}
	if _, err := e.st.AddEmailReply(ctx, e.st.DB, printer, e.gina.ID, "Still here?", e.settings.DefaultInboxID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reply after removal: %v", err)
	}
	if notifiable(t, e, printer, e.gina.ID) {
		t.Error("a removed participant is still notified")
	}
}

func notifiable(t *testing.T, e *demoEnv, ticketID, contactID int64) bool {
	t.Helper()
	cs, err := store.NotifiableContacts(context.Background(), e.st.DB, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(cs, func(c model.Contact) bool { return c.ID == contactID })
}

func testParticipantRules(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	printer := e.ticketID(t, "Printer shows error E42")
	if err := store.AddParticipant(ctx, e.st.DB, printer, e.ana.ID, nil, nil, time.Now()); !errors.Is(err, store.ErrTicketContact) {
		t.Errorf("sharing with the ticket's contact: %v", err)
	}
	if err := store.AddParticipant(ctx, e.st.DB, printer, e.carla.ID, nil, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.AddParticipant(ctx, e.st.DB, printer, e.carla.ID, nil, nil, time.Now()); !errors.Is(err, store.ErrAlreadyParticipant) {
		t.Errorf("sharing twice: %v", err)
	}
	// Removing a participant never removes one of the ticket's contacts.
	if err := store.RemoveParticipant(ctx, e.st.DB, printer, e.ana.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing the owner as a participant: %v", err)
	}
	if _, err := e.st.VisibleTicket(ctx, e.st.DB, e.own(e.ana), printer); err != nil {
		t.Errorf("the owner lost the ticket: %v", err)
	}
	// An agent who makes a participant one of the ticket's contacts moves
	// it from Shared with me to My tickets, and the counts follow.
	if err := store.Associate(ctx, e.st.DB, printer, e.carla.ID, 0); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after a participant became a contact")
	if !slices.Contains(listIDs(t, e.st, e.own(e.carla), store.ListQuery{}), printer) ||
		slices.Contains(listIDs(t, e.st, e.own(e.carla), store.ListQuery{Shared: true}), printer) {
		t.Error("the promoted participant's lists are wrong")
	}
	if err := store.Dissociate(ctx, e.st.DB, printer, e.carla.ID, 0); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after the contact was removed")
	// Removing a participant through the associations keeps the counts.
	if err := store.AddParticipant(ctx, e.st.DB, printer, e.carla.ID, nil, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.Dissociate(ctx, e.st.DB, printer, e.carla.ID, 0); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after a participant was dissociated")
	if _, err := e.st.VisibleTicket(ctx, e.st.DB, e.own(e.carla), printer); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Carla still sees the ticket: %v", err)
	}
}

// testReindexShared breaks the shared rows' keys and the access list in
// plain SQL, and checks that a reindex puts them back.
func testReindexShared(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	shared := e.ticketID(t, demo.SharedSubject)
	want := listIDs(t, e.st, e.own(e.carla), store.ListQuery{Shared: true})
	if !slices.Contains(want, shared) {
		t.Fatalf("Carla's shared list %v lacks #%d", want, shared)
	}
	if _, err := e.st.DB.NewRaw(`UPDATE ticket_contacts SET hidden = ?, closed = ?, subject_key = 'zzz', status_key = '' WHERE shared`, true, true).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if e.st.Postgres() {
		if _, err := e.st.DB.NewRaw(`UPDATE tickets SET access = '{}' WHERE id = ?`, shared).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.VisibleTicket(ctx, e.st.DB, e.own(e.carla), shared); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the broken row still admits Carla: %v", err)
	}
	if err := e.st.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, e.st, "after reindex")
	if got := listIDs(t, e.st, e.own(e.carla), store.ListQuery{Shared: true}); !slices.Equal(got, want) {
		t.Errorf("after reindex Carla's shared list is %v, want %v", got, want)
	}
	if _, err := e.st.VisibleTicket(ctx, e.st.DB, e.own(e.carla), shared); err != nil {
		t.Errorf("after reindex: %v", err)
	}
	// Search reads the access list on Postgres.
	subject := ticket(t, e.st.DB, shared).Subject
	if got := listIDs(t, e.st, e.own(e.carla), store.ListQuery{Search: subject, Shared: true}); !slices.Contains(got, shared) {
		t.Errorf("after reindex a search of %q finds %v", subject, got)
	}
}
