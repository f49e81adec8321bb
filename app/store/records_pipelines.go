package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ---------------------------------------------------------------------------
// Pipelines and stages

// PipelineByID returns a pipeline with its stages in order.
func PipelineByID(ctx context.Context, db bun.IDB, id int64) (*model.Pipeline, error) {
	p := new(model.Pipeline)
	err := db.NewSelect().Model(p).
		Relation("Stages", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("position", "id") }).
		Where("pipeline.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load pipeline")
	}
	return p, nil
}

// AddPipeline creates a pipeline after the others, with its first stage,
// open: every pipeline has a stage where new tickets start.
func AddPipeline(ctx context.Context, db bun.IDB, name, firstStage string) (*model.Pipeline, error) {
	var last int
	if err := db.NewSelect().Model((*model.Pipeline)(nil)).ColumnExpr("COALESCE(max(position), -1)").Scan(ctx, &last); err != nil {
		return nil, fmt.Errorf("store: unable to place pipeline: %w", err)
	}
	p := &model.Pipeline{Name: name, Position: last + 1}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create pipeline: %w", err)
	}
	st := &model.Stage{PipelineID: p.ID, Name: firstStage, Position: 0}
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create stage: %w", err)
	}
	p.Stages = []*model.Stage{st}
	return p, nil
}

// RenamePipeline renames a pipeline.
func RenamePipeline(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.Pipeline)(nil), "pipeline", id, name)
}

// MovePipeline moves a pipeline one place up or down. At either end it
// does nothing and reports false.
func MovePipeline(ctx context.Context, db bun.IDB, id int64, up bool) (bool, error) {
	var all []model.Pipeline
	if err := db.NewSelect().Model(&all).Column("id", "position").Order("position", "id").Scan(ctx); err != nil {
		return false, fmt.Errorf("store: unable to load pipelines: %w", err)
	}
	ids := make([]int64, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	order, moved, err := moveID(ids, id, up)
	if err != nil || !moved {
		return moved, err
	}
	for i, pid := range order {
		if all[indexOf(ids, pid)].Position == i {
			continue
		}
		if _, err := db.NewUpdate().Model((*model.Pipeline)(nil)).Set("position = ?", i).Where("id = ?", pid).Exec(ctx); err != nil {
			return false, fmt.Errorf("store: unable to move pipeline: %w", err)
		}
	}
	return true, nil
}

// StageByID returns one stage.
func StageByID(ctx context.Context, db bun.IDB, id int64) (*model.Stage, error) {
	st := new(model.Stage)
	if err := db.NewSelect().Model(st).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load stage")
	}
	return st, nil
}

// AddStage adds a stage at the end of a pipeline.
func AddStage(ctx context.Context, db bun.IDB, pipelineID int64, name string, closed bool) (*model.Stage, error) {
	var last int
	err := db.NewSelect().Model((*model.Stage)(nil)).ColumnExpr("COALESCE(max(position), -1)").
		Where("pipeline_id = ?", pipelineID).Scan(ctx, &last)
	if err != nil {
		return nil, fmt.Errorf("store: unable to place stage: %w", err)
	}
	st := &model.Stage{PipelineID: pipelineID, Name: name, Position: last + 1, IsClosed: closed}
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create stage: %w", err)
	}
	return st, nil
}

// SetStageLabels stores a stage's names as the portal shows them, per
// language.
func SetStageLabels(ctx context.Context, db bun.IDB, id int64, labels model.Text) error {
	if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("labels = ?", labels).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to update stage labels: %w", err)
	}
	return nil
}

// SetStageWaiting sets whether an open stage waits on the customer; a
// closed stage never does.
func SetStageWaiting(ctx context.Context, db bun.IDB, id int64, waiting bool) error {
	if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("waits_on_customer = ?", waiting).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to update stage: %w", err)
	}
	return nil
}

// UpdateStage renames a stage and sets whether it is closed; the tickets
// in the stage follow its closed flag. Run it in a transaction, so that
// the stage and its tickets change together. It reports how many tickets
// changed. Closing the last open stage of a pipeline gives
// ErrLastOpenStage.
func UpdateStage(ctx context.Context, db bun.IDB, id int64, name string, closed bool) (int64, error) {
	st, err := StageByID(ctx, db, id)
	if err != nil {
		return 0, err
	}
	if closed && !st.IsClosed {
		open, err := db.NewSelect().Model((*model.Stage)(nil)).
			Where("pipeline_id = ?", st.PipelineID).Where("is_closed = ?", false).Where("id <> ?", id).Count(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: unable to count open stages: %w", err)
		}
		if open == 0 {
			return 0, ErrLastOpenStage
		}
	}
	if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("name = ?", name).Set("is_closed = ?", closed).
		Where("id = ?", id).Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: unable to update stage: %w", err)
	}
	if closed == st.IsClosed {
		if name != st.Name {
			return 0, syncStageKeys(ctx, db, id, false)
		}
		return 0, nil
	}
	// tickets.closed mirrors the stage, so that lists filter on one table.
	res, err := db.NewUpdate().Model((*model.Ticket)(nil)).Set("closed = ?", closed).
		Where("stage_id = ?", id).Where("closed <> ?", closed).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: unable to update the stage's tickets: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, syncStageKeys(ctx, db, id, true)
}

// MoveStage moves a stage one place up or down within its pipeline. At
// either end it does nothing and reports false.
func MoveStage(ctx context.Context, db bun.IDB, id int64, up bool) (bool, error) {
	st, err := StageByID(ctx, db, id)
	if err != nil {
		return false, err
	}
	var all []model.Stage
	if err := db.NewSelect().Model(&all).Column("id", "position").Where("pipeline_id = ?", st.PipelineID).
		Order("position", "id").Scan(ctx); err != nil {
		return false, fmt.Errorf("store: unable to load stages: %w", err)
	}
	ids := make([]int64, len(all))
	for i, s := range all {
		ids[i] = s.ID
	}
	order, moved, err := moveID(ids, id, up)
	if err != nil || !moved {
		return moved, err
	}
	// Positions are renumbered 0..n-1 on the way, which also repairs
	// duplicates left by older data.
	for i, sid := range order {
		if all[indexOf(ids, sid)].Position == i {
			continue
		}
		if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("position = ?", i).Where("id = ?", sid).Exec(ctx); err != nil {
			return false, fmt.Errorf("store: unable to move stage: %w", err)
		}
	}
	return true, nil
}

// moveID returns ids with id swapped with its neighbour above or below.
func moveID(ids []int64, id int64, up bool) ([]int64, bool, error) {
	i := indexOf(ids, id)
	if i < 0 {
		return nil, false, ErrNotFound
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(ids) {
		return ids, false, nil
	}
	out := append([]int64(nil), ids...)
	out[i], out[j] = out[j], out[i]
	return out, true, nil
}

func indexOf(ids []int64, id int64) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}
