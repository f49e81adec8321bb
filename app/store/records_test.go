package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

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
		{Property: "subject", Label: model.PlainText("Title"), Required: true},
		{Property: "custom:browser", Label: model.PlainText("Browser")},
	}}
	if err := store.AddForm(ctx, db, f); err != nil {
		t.Fatal(err)
	}
	got, err := store.FormByID(ctx, db, f.ID)
	if err != nil || got.Name != "Bug report" || len(got.Fields) != 2 || got.Fields[1].Property != "custom:browser" || got.AllowAttachments {
		t.Fatalf("stored form: %+v %v", got, err)
	}
	got.Name, got.AllowAttachments, got.InboxID = "Bug reports", true, inboxes[1].ID
	got.Fields = append(got.Fields, model.FormField{Property: "priority", Label: model.PlainText("How bad?"), Required: true})
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
