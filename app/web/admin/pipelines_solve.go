package admin

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// solveForm is a pipeline's solve and reopen settings as typed: stage IDs
// ("" for the pipeline's default), the reply policy and its days.
type solveForm struct {
	SolveStage  string
	ReopenStage string
	Policy      string
	Days        string
}

// maxReopenDays bounds the days a closed ticket reopens within.
const maxReopenDays = 3650

func solveFormOf(p *model.Pipeline) solveForm {
	f := solveForm{Policy: p.ReopenPolicy, Days: strconv.Itoa(p.ReopenDays)}
	if p.SolveStageID != nil {
		f.SolveStage = recItoa(*p.SolveStageID)
	}
	if p.ReopenStageID != nil {
		f.ReopenStage = recItoa(*p.ReopenStageID)
	}
	return f
}

// SolveForm is the card's solve and reopen form: as typed, or as stored.
func (pc pipelineCard) SolveForm() solveForm {
	if pc.Solve != nil {
		return *pc.Solve
	}
	return solveFormOf(pc.P)
}

// stageOf finds the pipeline's stage named by a form value, of the kind
// asked for: nil for "", ok false for anything else.
func stageOf(p *model.Pipeline, v string, closed bool) (*int64, bool) {
	if v == "" {
		return nil, true
	}
	for _, st := range p.Stages {
		if recItoa(st.ID) == v && st.IsClosed == closed {
			id := st.ID
			return &id, true
		}
	}
	return nil, false
}

// PipelinesSolve saves a pipeline's solve and reopen settings: the closed
// stage a customer's "solved" moves to, what a customer's reply to a
// closed ticket does, and the open stage a reopened ticket moves to.
func (s *Handler) PipelinesSolve(c *fiber.Ctx) error {
	p, err := s.recPipeline(c)
	if err != nil {
		return err
	}
	f := solveForm{SolveStage: strings.TrimSpace(c.FormValue("solve_stage")), ReopenStage: strings.TrimSpace(c.FormValue("reopen_stage")),
		Policy: c.FormValue("reopen_policy"), Days: strings.TrimSpace(c.FormValue("reopen_days"))}
	errs := map[string]string{}
	var set store.SolveSettings
	var ok bool
	if set.SolveStageID, ok = stageOf(p, f.SolveStage, true); !ok {
		errs["solve_stage"] = "solve.err_solve_stage"
	}
	if set.ReopenStageID, ok = stageOf(p, f.ReopenStage, false); !ok {
		errs["reopen_stage"] = "solve.err_reopen_stage"
	}
	switch f.Policy {
	case model.ReopenReadOnly, model.ReopenWithin:
		set.Policy = f.Policy
	default:
		errs["reopen_policy"] = "solve.err_policy"
	}
	if f.Days == "" {
		f.Days = "0"
	}
	if set.Days, err = strconv.Atoi(f.Days); err != nil || set.Days < 0 || set.Days > maxReopenDays {
		errs["reopen_days"] = "solve.err_days"
	}
	if len(errs) > 0 {
		return s.renderCard(c, fiber.StatusUnprocessableEntity, pipelineCard{P: p, Errors: errs, Name: p.Name, Solve: &f})
	}
	before := map[string]any{"solve_stage": p.SolveStageID, "reopen_stage": p.ReopenStageID, "policy": p.ReopenPolicy, "days": p.ReopenDays}
	after := map[string]any{"solve_stage": set.SolveStageID, "reopen_stage": set.ReopenStageID, "policy": set.Policy, "days": set.Days}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.SetSolveSettings(ctx, tx, p.ID, set); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "pipeline.solve", recTarget("pipeline", p.ID), before, after))
	})
	if err != nil {
		return err
	}
	return s.backToCard(c, p, "solve.saved", 0)
}
