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
	"portico/app/testutil"
)

// The records of the back office (contacts, companies, lists, pipelines,
// stages, inboxes, forms) on both dialects. Each subtest gets its own
// database with the demo data, so that none sees another's writes.

func TestRecordsSQLite(t *testing.T) {
	recStoreSuite(t, func(t *testing.T) *store.Store { return testutil.SQLite(t) })
}

func TestRecordsPostgres(t *testing.T) {
	recStoreSuite(t, func(t *testing.T) *store.Store { return testutil.Postgres(t) })
}

func recStoreSuite(t *testing.T, open func(*testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *store.Store)
	}{
		{"Contacts", testRecContacts},
		{"ContactSearch", testRecContactSearch},
		{"Timeline", testRecTimeline},
		{"Companies", testRecCompanies},
		{"Lists", testRecLists},
		{"Pipelines", testRecPipelines},
		{"StageClosed", testRecStageClosed},
		{"Inboxes", testRecInboxes},
		{"Forms", testRecForms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			if err := demo.Load(context.Background(), st); err != nil {
				t.Fatal(err)
			}
			tc.run(t, st)
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "rec" so as not to collide with other tests.

func recContact(t *testing.T, db bun.IDB, email string) *model.Contact {
	t.Helper()
	c, err := store.ContactByEmail(context.Background(), db, email)
	if err != nil {
		t.Fatalf("contact %s: %v", email, err)
	}
	return c
}

func recCount(t *testing.T, db bun.IDB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func recPipeline(t *testing.T, db bun.IDB, name string) *model.Pipeline {
	t.Helper()
	ps, err := store.Pipelines(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i]
		}
	}
	t.Fatalf("no pipeline %q", name)
	return nil
}

func recStageNames(p *model.Pipeline) string {
	var names []string
	for _, s := range p.Stages {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

func recPipelineNames(t *testing.T, db bun.IDB) string {
	t.Helper()
	ps, err := store.Pipelines(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return strings.Join(names, ",")
}

// ---------------------------------------------------------------------------

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
	v := &model.ConsentVersion{Notice: "n", Label: "l"}
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

func testRecCompanies(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	ana := recContact(t, db, demo.AnaEmail)
	acme := *ana.CompanyID

	co, err := store.AddCompany(ctx, db, "Initech", "initech.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.UpdateCompany(ctx, db, co.ID, "Initech Ltd", "initech.example"); err != nil {
		t.Fatal(err)
	}
	got, err := store.CompanyByID(ctx, db, co.ID)
	if err != nil || got.Name != "Initech Ltd" || got.Domain != "initech.example" {
		t.Fatalf("company: %+v %v", got, err)
	}
	if err := store.UpdateCompany(ctx, db, 1<<40, "x", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing company: %v", err)
	}

	rows, n, err := store.ListCompanies(ctx, db, "", store.Page{Number: 1, Size: 25})
	if err != nil || n != 3 || len(rows) != 3 || rows[0].Name != "Acme Corp" || rows[0].Contacts != 2 || rows[2].Name != "Initech Ltd" {
		t.Fatalf("companies: %+v %d %v", rows, n, err)
	}
	if rows, n, _ = store.ListCompanies(ctx, db, "GLOBEX.EX", store.Page{Number: 1, Size: 25}); n != 1 || rows[0].Name != "Globex" {
		t.Fatalf("search by domain: %+v", rows)
	}

	contacts, n, err := store.CompanyContacts(ctx, db, acme, 100)
	if err != nil || n != 2 || len(contacts) != 2 || contacts[0].Email != demo.AnaEmail || contacts[0].PasswordHash != "" {
		t.Fatalf("Acme's contacts: %+v %d %v", contacts, n, err)
	}
	if contacts, n, _ = store.CompanyContacts(ctx, db, acme, 1); n != 2 || len(contacts) != 1 {
		t.Fatalf("capped contacts: %d of %d", len(contacts), n)
	}
	want := recCount(t, db, "SELECT count(*) FROM ticket_companies WHERE company_id = ?", acme)
	tickets, n, err := store.CompanyTickets(ctx, db, acme, store.Page{Number: 1, Size: 5})
	if err != nil || n != want || len(tickets) != min(5, want) || want == 0 {
		t.Fatalf("Acme's tickets: %d rows, total %d, want %d: %v", len(tickets), n, want, err)
	}
	for i := 1; i < len(tickets); i++ {
		if tickets[i].LastActivityAt.After(tickets[i-1].LastActivityAt) {
			t.Fatal("company tickets are not by last activity")
		}
	}
}

func testRecLists(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	ana := recContact(t, db, demo.AnaEmail)
	ben := recContact(t, db, demo.BenEmail)

	l, err := store.AddList(ctx, db, "VIP")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RenameList(ctx, db, l.ID, "VIP customers"); err != nil {
		t.Fatal(err)
	}
	if got, err := store.ListByID(ctx, db, l.ID); err != nil || got.Name != "VIP customers" {
		t.Fatalf("renamed list: %+v %v", got, err)
	}
	if err := store.RenameList(ctx, db, 1<<40, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rename of a missing list: %v", err)
	}
	for _, c := range []*model.Contact{ana, ben} {
		if added, err := store.AddListMember(ctx, db, l.ID, c.ID); err != nil || !added {
			t.Fatalf("add %s: %v %v", c.Email, added, err)
		}
	}
	if added, err := store.AddListMember(ctx, db, l.ID, ana.ID); err != nil || added {
		t.Fatalf("adding twice is a no-op: %v %v", added, err)
	}
	rows, n, err := store.ListMembers(ctx, db, l.ID, store.Page{Number: 1, Size: 25})
	if err != nil || n != 2 || rows[0].Email != demo.AnaEmail || rows[1].Email != demo.BenEmail || rows[0].CompanyName != "Acme Corp" {
		t.Fatalf("members: %+v %d %v", rows, n, err)
	}
	lists, err := store.ContactLists(ctx, db, ana.ID)
	if err != nil || len(lists) != 2 {
		t.Fatalf("Ana's lists: %+v %v", lists, err)
	}
	if removed, err := store.RemoveListMember(ctx, db, l.ID, ana.ID); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if removed, err := store.RemoveListMember(ctx, db, l.ID, ana.ID); err != nil || removed {
		t.Fatalf("removing twice: %v %v", removed, err)
	}
	counts, err := store.ListsWithCounts(ctx, db)
	if err != nil || len(counts) != 2 {
		t.Fatalf("lists: %+v %v", counts, err)
	}
	for _, c := range counts {
		if c.Name == "VIP customers" && c.Members != 1 || c.Name == "Portal customers" && c.Members != 4 {
			t.Fatalf("member counts: %+v", counts)
		}
	}
}

func testRecPipelines(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	if got := recPipelineNames(t, db); got != "Support pipeline,Internal IT" {
		t.Fatalf("demo pipelines: %s", got)
	}
	p, err := store.AddPipeline(ctx, db, "Onboarding", "Kick-off")
	if err != nil {
		t.Fatal(err)
	}
	if got := recPipelineNames(t, db); got != "Support pipeline,Internal IT,Onboarding" {
		t.Fatalf("a new pipeline goes last: %s", got)
	}
	if len(p.Stages) != 1 || p.Stages[0].IsClosed {
		t.Fatalf("a new pipeline starts with one open stage: %+v", p.Stages)
	}
	if _, err := store.FirstOpenStage(ctx, db, p.ID); err != nil {
		t.Fatalf("new tickets can start in the new pipeline: %v", err)
	}
	if err := store.RenamePipeline(ctx, db, p.ID, "Customer onboarding"); err != nil {
		t.Fatal(err)
	}

	// Pipelines move one place at a time; at the ends nothing happens.
	if moved, err := store.MovePipeline(ctx, db, p.ID, true); err != nil || !moved {
		t.Fatalf("move up: %v %v", moved, err)
	}
	if got := recPipelineNames(t, db); got != "Support pipeline,Customer onboarding,Internal IT" {
		t.Fatalf("after moving up: %s", got)
	}
	support := recPipeline(t, db, "Support pipeline")
	if moved, err := store.MovePipeline(ctx, db, support.ID, true); err != nil || moved {
		t.Fatalf("the first pipeline can't move up: %v %v", moved, err)
	}
	if moved, err := store.MovePipeline(ctx, db, support.ID, false); err != nil || !moved {
		t.Fatalf("move down: %v %v", moved, err)
	}
	if got := recPipelineNames(t, db); got != "Customer onboarding,Support pipeline,Internal IT" {
		t.Fatalf("after moving down: %s", got)
	}

	// Stages: added last, renamed, moved.
	if _, err := store.AddStage(ctx, db, p.ID, "Training", false); err != nil {
		t.Fatal(err)
	}
	done, err := store.AddStage(ctx, db, p.ID, "Live", true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := store.PipelineByID(ctx, db, p.ID)
	if recStageNames(got) != "Kick-off,Training,Live" || !got.Stages[2].IsClosed {
		t.Fatalf("stages: %s", recStageNames(got))
	}
	if moved, err := store.MoveStage(ctx, db, done.ID, true); err != nil || !moved {
		t.Fatalf("move stage up: %v %v", moved, err)
	}
	got, _ = store.PipelineByID(ctx, db, p.ID)
	if recStageNames(got) != "Kick-off,Live,Training" {
		t.Fatalf("after moving a stage up: %s", recStageNames(got))
	}
	if moved, err := store.MoveStage(ctx, db, got.Stages[2].ID, false); err != nil || moved {
		t.Fatalf("the last stage can't move down: %v %v", moved, err)
	}
	if moved, err := store.MoveStage(ctx, db, got.Stages[0].ID, false); err != nil || !moved {
		t.Fatalf("move stage down: %v %v", moved, err)
	}
	got, _ = store.PipelineByID(ctx, db, p.ID)
	if recStageNames(got) != "Live,Kick-off,Training" {
		t.Fatalf("after moving a stage down: %s", recStageNames(got))
	}
	for i, s := range got.Stages {
		if s.Position != i {
			t.Fatalf("positions are renumbered: %+v", got.Stages)
		}
	}
	// The first open stage is where tickets start, wherever it is.
	first, err := store.FirstOpenStage(ctx, db, p.ID)
	if err != nil || first.Name != "Kick-off" {
		t.Fatalf("first open stage: %+v %v", first, err)
	}
	if _, err := store.MoveStage(ctx, db, 1<<40, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("moving a missing stage: %v", err)
	}
}

func testRecStageClosed(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	support := recPipeline(t, db, "Support pipeline")
	var waiting *model.Stage
	for _, s := range support.Stages {
		if s.Name == "Waiting on customer" {
			waiting = s
		}
	}
	inStage := recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id = ?", waiting.ID)
	if inStage == 0 || recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", waiting.ID, true) != 0 {
		t.Fatal("the demo has open tickets waiting on the customer")
	}
	others := recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", waiting.ID, true)

	// A failure later in the transaction leaves stage and tickets as they were.
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := store.UpdateStage(ctx, tx, waiting.ID, "Waiting", true); err != nil {
			return err
		}
		return errors.New("later failure")
	})
	if err == nil || recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", waiting.ID, true) != 0 {
		t.Fatalf("a rolled back stage change closed tickets: %v", err)
	}
	if s, _ := store.StageByID(ctx, db, waiting.ID); s.IsClosed || s.Name != "Waiting on customer" {
		t.Fatalf("a rolled back stage change stayed: %+v", s)
	}

	n, err := store.UpdateStage(ctx, db, waiting.ID, "Waiting", true)
	if err != nil || int(n) != inStage {
		t.Fatalf("closing the stage changed %d tickets of %d: %v", n, inStage, err)
	}
	if recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", waiting.ID, true) != inStage ||
		recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", waiting.ID, true) != others {
		t.Fatal("tickets.closed does not mirror the stages")
	}
	if n, err = store.UpdateStage(ctx, db, waiting.ID, "Waiting on customer", true); err != nil || n != 0 {
		t.Fatalf("a rename alone changes no ticket: %d %v", n, err)
	}
	if n, err = store.UpdateStage(ctx, db, waiting.ID, "Waiting on customer", false); err != nil || int(n) != inStage {
		t.Fatalf("reopening: %d %v", n, err)
	}
	if recCount(t, db, "SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", waiting.ID, true) != 0 {
		t.Fatal("reopened stage, closed tickets")
	}

	// The last open stage of a pipeline stays open.
	it := recPipeline(t, db, "Internal IT")
	triage := it.Stages[0]
	if _, err := store.UpdateStage(ctx, db, triage.ID, "Triage", true); !errors.Is(err, store.ErrLastOpenStage) {
		t.Fatalf("closing the last open stage: %v", err)
	}
	if s, _ := store.StageByID(ctx, db, triage.ID); s.IsClosed {
		t.Fatal("the last open stage was closed")
	}
	if _, err := store.UpdateStage(ctx, db, 1<<40, "x", false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a missing stage: %v", err)
	}
}

func testRecInboxes(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	in, err := store.AddInbox(ctx, db, "Sales")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RenameInbox(ctx, db, in.ID, "Sales team"); err != nil {
		t.Fatal(err)
	}
	if got, err := store.InboxByID(ctx, db, in.ID); err != nil || got.Name != "Sales team" {
		t.Fatalf("inbox: %+v %v", got, err)
	}
	if _, err := store.InboxByID(ctx, db, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a missing inbox: %v", err)
	}
	if err := store.RenameInbox(ctx, db, 1<<40, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("renaming a missing inbox: %v", err)
	}
	rows, err := store.InboxesWithCounts(ctx, db)
	if err != nil || len(rows) != 3 {
		t.Fatalf("inboxes: %+v %v", rows, err)
	}
	for _, r := range rows {
		want := recCount(t, db, "SELECT count(*) FROM tickets WHERE inbox_id = ?", r.ID)
		if r.Tickets != want {
			t.Fatalf("%s: %d tickets, want %d", r.Name, r.Tickets, want)
		}
	}
}

func testRecForms(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	inboxes, _ := store.Inboxes(ctx, db)
	support := recPipeline(t, db, "Support pipeline")
	f := &model.Form{Name: "Bug report", InboxID: inboxes[0].ID, PipelineID: support.ID, Fields: []model.FormField{
		{Property: "subject", Label: "Title", Required: true},
		{Property: "custom:browser", Label: "Browser"},
	}}
	if err := store.AddForm(ctx, db, f); err != nil {
		t.Fatal(err)
	}
	got, err := store.FormByID(ctx, db, f.ID)
	if err != nil || got.Name != "Bug report" || len(got.Fields) != 2 || got.Fields[1].Property != "custom:browser" || got.AllowAttachments {
		t.Fatalf("stored form: %+v %v", got, err)
	}
	got.Name, got.AllowAttachments, got.InboxID = "Bug reports", true, inboxes[1].ID
	got.Fields = append(got.Fields, model.FormField{Property: "priority", Label: "How bad?", Required: true})
	if err := store.UpdateForm(ctx, db, got); err != nil {
		t.Fatal(err)
	}
	again, _ := store.FormByID(ctx, db, f.ID)
	if again.Name != "Bug reports" || !again.AllowAttachments || again.InboxID != inboxes[1].ID || len(again.Fields) != 3 ||
		!again.Fields[2].Required || !again.CreatedAt.Equal(got.CreatedAt) {
		t.Fatalf("updated form: %+v", again)
	}
	if err := store.UpdateForm(ctx, db, &model.Form{ID: 1 << 40, Name: "x", InboxID: inboxes[0].ID, PipelineID: support.ID}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("updating a missing form: %v", err)
	}
}
