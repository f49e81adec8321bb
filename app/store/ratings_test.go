package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

func TestRatingsSQLite(t *testing.T)   { runRatings(t, testutil.SQLite(t)) }
func TestRatingsPostgres(t *testing.T) { runRatings(t, testutil.Postgres(t)) }

// runRatings checks that every path that closes a ticket records a close,
// and that a rating is one per close, within the window.
func runRatings(t *testing.T, st *store.Store) {
	t.Parallel()
	e := loadDemo(t, st)
	ctx := context.Background()
	closes := func(id int64) int {
		t.Helper()
		n, err := e.st.DB.NewSelect().Model((*model.TicketClose)(nil)).Where("ticket_id = ?", id).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	tk := ticket(t, e.st.DB, 22)
	var open, closed model.Stage
	if err := e.st.DB.NewSelect().Model(&closed).Where("pipeline_id = ? AND is_closed = ?", tk.PipelineID, true).Order("id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DB.NewSelect().Model(&open).Where("pipeline_id = ? AND is_closed = ?", tk.PipelineID, false).Order("id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	change := func(stage int64) {
		t.Helper()
		if err := e.st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return store.UpdateTicket(ctx, tx, 22, store.TicketChange{PipelineID: tk.PipelineID, StageID: stage, Priority: tk.Priority})
		}); err != nil {
			t.Fatal(err)
		}
	}
	n0 := closes(22)
	change(closed.ID)
	change(closed.ID) // already closed: no new close
	if closes(22) != n0+1 {
		t.Fatalf("closes after closing twice: %d, want %d", closes(22), n0+1)
	}
	cl, err := store.LatestClose(ctx, e.st.DB, 22)
	if err != nil {
		t.Fatal(err)
	}
	ana := e.person(t, "ana@acme.example").ID
	now := time.Now()
	if err := store.SaveRating(ctx, e.st.DB, cl.ID, 22, ana, model.RatingGood, "", now); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveRating(ctx, e.st.DB, cl.ID, 22, ana, model.RatingBad, "changed", now); err != nil {
		t.Fatal(err)
	}
	if r, err := store.RatingOf(ctx, e.st.DB, cl.ID); err != nil || r == nil || r.Score != model.RatingBad || r.Comment != "changed" {
		t.Fatalf("rating after a change: %+v, %v", r, err)
	}
	if err := store.SaveRating(ctx, e.st.DB, cl.ID, 22, ana, model.RatingGood, "", now.Add(model.RatingWindow+time.Minute)); !errors.Is(err, store.ErrRatingClosed) {
		t.Errorf("a rating after the window: %v, want ErrRatingClosed", err)
	}
	// Reopened: the old close can't be rated; closed again: a new close.
	change(open.ID)
	if err := store.SaveRating(ctx, e.st.DB, cl.ID, 22, ana, model.RatingGood, "", now); !errors.Is(err, store.ErrRatingClosed) {
		t.Errorf("a rating of a reopened ticket: %v, want ErrRatingClosed", err)
	}
	change(closed.ID)
	if closes(22) != n0+2 {
		t.Fatalf("closes after a reopen and close: %d, want %d", closes(22), n0+2)
	}
	if err := store.SaveRating(ctx, e.st.DB, cl.ID, 22, ana, model.RatingGood, "", now); !errors.Is(err, store.ErrRatingClosed) {
		t.Errorf("a rating of an earlier close: %v, want ErrRatingClosed", err)
	}

	// A stage marked closed closes its tickets: each gets a close.
	var inStage []int64
	if err := e.st.DB.NewSelect().Model((*model.Ticket)(nil)).Column("id").Where("stage_id = ?", open.ID).Scan(ctx, &inStage); err != nil {
		t.Fatal(err)
	}
	before := map[int64]int{}
	for _, id := range inStage {
		before[id] = closes(id)
	}
	if err := e.st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := store.UpdateStage(ctx, tx, open.ID, open.Name, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range inStage {
		if closes(id) != before[id]+1 {
			t.Errorf("ticket %d: %d closes after its stage closed, want %d", id, closes(id), before[id]+1)
		}
	}
}
