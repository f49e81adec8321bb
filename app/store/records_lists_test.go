package store_test

import (
	"context"
	"errors"
	"testing"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
)

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
