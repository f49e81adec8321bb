package store_test

import (
	"context"
	"errors"
	"testing"

	"portico/app/demo"
	"portico/app/store"
)

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
