package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
)

func testRecContacts(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	ana := recContact(t, db, demo.AnaEmail)
	acme := *ana.CompanyID

	// A new contact, with no password.
	c, err := store.AddContact(ctx, db, store.ContactFields{Name: "Dora Díaz", Email: "dora@acme.example", CompanyID: &acme, Language: "es"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.ContactByID(ctx, db, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Dora Díaz" || got.Email != "dora@acme.example" || got.CompanyID == nil || *got.CompanyID != acme ||
		got.Language != "es" || got.Disabled || got.PasswordHash != "" || got.CreatedAt.IsZero() {
		t.Fatalf("stored contact: %+v", got)
	}

	// The email is unique whatever its case, on create and on update.
	before := recCount(t, db, "SELECT count(*) FROM contacts")
	if _, err := store.AddContact(ctx, db, store.ContactFields{Name: "Ana again", Email: "ANA@Acme.Example"}); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("duplicate email on create: %v", err)
	}
	if n := recCount(t, db, "SELECT count(*) FROM contacts"); n != before {
		t.Fatalf("a refused contact was stored: %d → %d", before, n)
	}
	if err := store.UpdateContact(ctx, db, c.ID, store.ContactFields{Name: "Dora", Email: "Ben@ACME.example"}); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("duplicate email on update: %v", err)
	}
	if taken, err := store.EmailTaken(ctx, db, "DORA@acme.example", c.ID); err != nil || taken {
		t.Fatalf("a contact's own email is not taken: %v %v", taken, err)
	}
	if taken, err := store.EmailTaken(ctx, db, "DORA@acme.example", 0); err != nil || !taken {
		t.Fatalf("another's email is taken: %v %v", taken, err)
	}

	// An update writes the edited fields and keeps the rest: the password
	// hash and verification are not the back office's to change.
	hash, verified := ana.PasswordHash, ana.EmailVerifiedAt
	err = store.UpdateContact(ctx, db, ana.ID, store.ContactFields{Name: "Ana Á.", Email: "ANA@acme.example", Language: "es", Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = store.ContactByID(ctx, db, ana.ID)
	if got.Name != "Ana Á." || got.Email != "ANA@acme.example" || got.CompanyID != nil || got.Language != "es" || !got.Disabled {
		t.Fatalf("updated contact: %+v", got)
	}
	if got.PasswordHash != hash || !got.EmailVerifiedAt.Time.Equal(verified.Time) {
		t.Fatal("an update touched the password or the verification")
	}
	if err := store.UpdateContact(ctx, db, 1<<40, store.ContactFields{Name: "x", Email: "nobody@example.com"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing contact: %v", err)
	}

	// Inside a transaction that fails later, nothing stays.
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := store.AddContact(ctx, tx, store.ContactFields{Name: "Ghost", Email: "ghost@example.com"}); err != nil {
			return err
		}
		return errors.New("later failure")
	})
	if err == nil || recCount(t, db, "SELECT count(*) FROM contacts WHERE email = ?", "ghost@example.com") != 0 {
		t.Fatalf("a rolled back contact stayed: %v", err)
	}
}

func testRecContactSearch(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	for i := range 30 {
		_, err := store.AddContact(ctx, db, store.ContactFields{Name: fmt.Sprintf("Zed %02d", i), Email: fmt.Sprintf("zed%02d@zeta.example", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := store.AddContact(ctx, db, store.ContactFields{Name: "Percent 100% Pat", Email: "pad_0@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	total := recCount(t, db, "SELECT count(*) FROM contacts")

	rows, n, err := store.ListContacts(ctx, db, "", store.Page{Number: 1, Size: 25})
	if err != nil || n != total || len(rows) != 25 {
		t.Fatalf("all contacts: %d rows, total %d (want %d): %v", len(rows), n, total, err)
	}
	for i := 1; i < len(rows); i++ {
		if strings.ToLower(rows[i-1].Name) > strings.ToLower(rows[i].Name) {
			t.Fatalf("not by name: %q before %q", rows[i-1].Name, rows[i].Name)
		}
	}
	var ana store.ContactRow
	for _, r := range rows {
		if r.Email == demo.AnaEmail {
			ana = r
		}
	}
	if ana.CompanyName != "Acme Corp" {
		t.Fatalf("company name on the row: %+v", ana)
	}

	// By name or email, any case; pages.
	rows, n, _ = store.ListContacts(ctx, db, "ZETA.example", store.Page{Number: 2, Size: 25})
	if n != 30 || len(rows) != 5 || rows[0].Name != "Zed 25" {
		t.Fatalf("page 2 of the zeta contacts: %d rows of %d, first %+v", len(rows), n, rows)
	}
	rows, n, _ = store.ListContacts(ctx, db, "Ana", store.Page{Number: 1, Size: 25})
	if n != 1 || rows[0].Email != demo.AnaEmail {
		t.Fatalf("search by name: %+v", rows)
	}
	// LIKE's wildcards are literal.
	if _, n, _ = store.ListContacts(ctx, db, "%", store.Page{Number: 1, Size: 25}); n != 1 {
		t.Fatalf("%% matched %d contacts", n)
	}
	if _, n, _ = store.ListContacts(ctx, db, "d_0", store.Page{Number: 1, Size: 25}); n != 1 {
		t.Fatalf("_ matched %d contacts", n)
	}
	if rows, n, _ = store.ListContacts(ctx, db, "no such person", store.Page{Number: 1, Size: 25}); n != 0 || len(rows) != 0 {
		t.Fatalf("nothing matches: %d", n)
	}
}

func testRecTimeline(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	ana := recContact(t, db, demo.AnaEmail)

	// A note by an agent on one of Ana's tickets, and a note that somehow
	// names Ana as its author: neither is part of her timeline.
	var ticketID int64
	if err := db.NewRaw("SELECT ticket_id FROM ticket_contacts WHERE contact_id = ? ORDER BY ticket_id LIMIT 1", ana.ID).Scan(ctx, &ticketID); err != nil {
		t.Fatal(err)
	}
	admin, err := store.StaffByEmail(ctx, db, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddStaffMessage(ctx, db, store.StaffMessage{TicketID: ticketID, StaffID: admin.ID, Kind: model.KindNote, Body: "secret-note-xyz", DefaultInboxID: 1}); err != nil {
		t.Fatal(err)
	}
	var threadID int64
	if err := db.NewRaw("SELECT id FROM threads WHERE ticket_id = ? ORDER BY id LIMIT 1", ticketID).Scan(ctx, &threadID); err != nil {
		t.Fatal(err)
	}
	odd := &model.Message{ThreadID: threadID, TicketID: ticketID, Kind: model.KindComment, Direction: "internal", Channel: "portal",
		AuthorContactID: &ana.ID, Body: "odd-comment-xyz", CreatedAt: time.Now().UTC()}
	if err := store.InsertMessage(ctx, db, odd, nil); err != nil {
		t.Fatal(err)
	}

	// A consent record and a form submission.
	v := &model.ConsentVersion{Notice: model.PlainText("n"), Label: model.PlainText("l")}
	if err := store.AddConsentVersion(ctx, db, v); err != nil {
		t.Fatal(err)
	}
	if err := store.AddConsentRecord(ctx, db, &model.ConsentRecord{ContactID: ana.ID, VersionID: v.ID, IP: "192.0.2.7", AcceptedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	ps, _, err := store.Settings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := store.FormByID(ctx, db, ps.FormID)
	if err != nil {
		t.Fatal(err)
	}
	formTicket, err := store.CreateFormTicket(ctx, db, store.Submission{Form: f, Contact: ana, IdempotencyKey: "timeline-test-key-0001",
		Subject: "Form ticket for the timeline", Description: "Sent through the form."})
	if err != nil {
		t.Fatal(err)
	}

	entries, more, err := store.ContactTimeline(ctx, db, ana.ID, 1000)
	if err != nil || more {
		t.Fatalf("timeline: more %v, %v", more, err)
	}
	kinds := map[string]int{}
	for i, e := range entries {
		kinds[e.Kind]++
		if i > 0 && e.At.After(entries[i-1].At) {
			t.Fatalf("not newest first at %d: %v after %v", i, e.At, entries[i-1].At)
		}
		if strings.Contains(e.Excerpt, "xyz") {
			t.Fatalf("an internal message is on the timeline: %+v", e)
		}
		if e.Kind == model.KindNote || e.Kind == model.KindComment {
			t.Fatalf("kind %q on the timeline", e.Kind)
		}
	}
	last := entries[len(entries)-1]
	if last.Kind != store.TimelineRegistered || !last.At.Equal(ana.CreatedAt) {
		t.Fatalf("registration is the oldest entry: %+v", last)
	}
	tickets := recCount(t, db, "SELECT count(*) FROM ticket_contacts WHERE contact_id = ?", ana.ID)
	messages := recCount(t, db, "SELECT count(*) FROM messages WHERE author_contact_id = ? AND kind = 'public' AND channel IN ('portal', 'email', 'form')", ana.ID)
	if kinds[store.TimelineTicket] != tickets || kinds[store.TimelineEmail] != messages || messages == 0 ||
		kinds[store.TimelineForm] != 1 || kinds[store.TimelineConsent] != 1 || kinds[store.TimelineRegistered] != 1 {
		t.Fatalf("timeline kinds %v; want %d tickets, %d messages", kinds, tickets, messages)
	}
	var sawForm, sawConsent bool
	for _, e := range entries {
		switch e.Kind {
		case store.TimelineForm:
			sawForm = e.TicketID == formTicket && e.FormName == f.Name && e.Subject == "Form ticket for the timeline"
		case store.TimelineConsent:
			sawConsent = e.VersionID == v.ID && e.IP == "192.0.2.7"
		case store.TimelineEmail:
			if e.TicketID == 0 || e.Subject == "" || e.Excerpt == "" {
				t.Fatalf("email interaction without its ticket: %+v", e)
			}
		}
	}
	if !sawForm || !sawConsent {
		t.Fatalf("form %v consent %v in %+v", sawForm, sawConsent, entries[:3])
	}

	// A limit keeps the newest and says there is more.
	few, more, err := store.ContactTimeline(ctx, db, ana.ID, 3)
	if err != nil || !more || len(few) != 3 || !few[0].At.Equal(entries[0].At) {
		t.Fatalf("limited timeline: %d entries, more %v, %v", len(few), more, err)
	}
	if _, _, err := store.ContactTimeline(ctx, db, 1<<40, 10); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("timeline of a missing contact: %v", err)
	}
}
