package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/store"
	"portico/app/testutil"
)

func TestEraseContactSQLite(t *testing.T)   { runEraseContact(t, testutil.SQLite(t)) }
func TestEraseContactPostgres(t *testing.T) { runEraseContact(t, testutil.Postgres(t)) }

// visibleIDs lists every ticket Visible admits for the viewer.
func visibleIDs(t *testing.T, st *store.Store, v store.Viewer) []int64 {
	t.Helper()
	var all []int64
	var after int64
	for {
		ids, err := st.VisibleTicketIDs(context.Background(), st.DB, v, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids...)
		if len(ids) < 7 {
			return all
		}
		after = ids[len(ids)-1]
	}
}

// runEraseContact erases a contact who wrote on tickets shared with
// others and takes part in a colleague's ticket: the visibility keys stay
// consistent, others see what they saw, and the contact sees nothing.
func runEraseContact(t *testing.T, st *store.Store) {
	t.Parallel()
	ctx := context.Background()
	e := loadDemo(t, st)
	var anaTicket int64
	if err := st.DB.NewRaw(`SELECT ticket_id FROM ticket_contacts WHERE contact_id = ? AND NOT shared
		AND ticket_id NOT IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?) ORDER BY ticket_id LIMIT 1`,
		e.ana.ID, e.ben.ID).Scan(ctx, &anaTicket); err != nil {
		t.Fatal(err)
	}
	if err := store.AddParticipant(ctx, st.DB, anaTicket, e.ben.ID, &e.ana.ID, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	anaV := store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID}
	benV := store.Viewer{ContactID: e.ben.ID}
	before := visibleIDs(t, st, anaV)
	if !slices.Contains(visibleIDs(t, st, benV), anaTicket) {
		t.Fatal("Ben does not see the ticket he takes part in")
	}
	checkKeys(t, st, "before the erasure")
	err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return store.EraseContact(ctx, tx, e.ben.ID, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkKeys(t, st, "after the erasure")
	if after := visibleIDs(t, st, anaV); !slices.Equal(before, after) {
		t.Errorf("Ana saw %v, now %v", before, after)
	}
	if slices.Contains(visibleIDs(t, st, benV), anaTicket) {
		t.Error("the erased contact still takes part in Ana's ticket")
	}
	if err := st.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, st, "after a reindex")
	if after := visibleIDs(t, st, anaV); !slices.Equal(before, after) {
		t.Errorf("after a reindex, Ana saw %v, now %v", before, after)
	}
}
