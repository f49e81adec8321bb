package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

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
