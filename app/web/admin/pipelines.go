package admin

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// The pipelines page shows every pipeline as a card with its stages. Each
// card's forms swap the card alone under htmx; without JavaScript they
// post and come back to the page. Moving a pipeline or a stage is a plain
// form that always comes back to the whole page, since the order changes.

// stageAudit is what the audit log keeps of a stage.
type stageAudit struct {
	PipelineID int64      `json:"pipeline_id"`
	Name       string     `json:"name"`
	Labels     model.Text `json:"labels,omitempty"`
	Closed     bool       `json:"closed"`
	Waiting    bool       `json:"waits_on_customer,omitempty"`
	Tickets    *int64     `json:"tickets_changed,omitempty"`
}

// pipelineCard is one card's state: the stored pipeline, and what was
// typed in the form that failed, if any.
type pipelineCard struct {
	P        *model.Pipeline
	Errors   form.Errors
	Name     string                   // the pipeline's name field
	NewStage form.StageEdit           // the "add a stage" row
	Typed    map[int64]form.StageEdit // stage rows as typed
	Labels   map[int64]model.Text     // stage rows' portal names as typed
	Solve    *solveForm               // the solve and reopen settings as typed
	Notice   string
	Changed  int64
	First    bool
	Last     bool
}

// StageName is a stage row's name field: as typed, or as stored.
func (pc pipelineCard) StageName(st *model.Stage) string {
	if t, ok := pc.Typed[st.ID]; ok {
		return t.Name
	}
	return st.Name
}

// StageLabels is a stage row's portal names: as typed, or as stored.
func (pc pipelineCard) StageLabels(st *model.Stage) model.Text {
	if t, ok := pc.Labels[st.ID]; ok {
		return t
	}
	return st.Labels
}

// StageErrs are the errors of a stage row's portal names, keyed as the
// inputs are: labels_<lang>.
func (pc pipelineCard) StageErrs(st *model.Stage) form.Errors {
	prefix := "s" + recItoa(st.ID) + "_"
	out := form.Errors{}
	for k, v := range pc.Errors {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// StageStatus is a stage row's status (open, waiting or closed): as
// typed, or as stored.
func (pc pipelineCard) StageStatus(st *model.Stage) string {
	if t, ok := pc.Typed[st.ID]; ok {
		return t.Status()
	}
	return form.StageEdit{Closed: st.IsClosed, Waiting: st.WaitsOnCustomer}.Status()
}

// Err is the error of one of the card's fields.
func (pc pipelineCard) Err(key string) string { return pc.Errors[key] }

// StageErr is the error of one field of a stage row.
func (pc pipelineCard) StageErr(st *model.Stage, field string) string {
	return pc.Errors["s"+recItoa(st.ID)+"_"+field]
}

// pipelineCards builds every card; replaced, when set, stands in for its
// pipeline's card.
func (s *Handler) pipelineCards(c *fiber.Ctx, replaced *pipelineCard) ([]fiber.Map, error) {
	pipelines, err := store.Pipelines(c.UserContext(), s.Store.DB)
	if err != nil {
		return nil, err
	}
	out := make([]fiber.Map, 0, len(pipelines))
	for i := range pipelines {
		p := &pipelines[i]
		card := pipelineCard{P: p, Errors: form.Errors{}, Name: p.Name}
		if replaced != nil && replaced.P.ID == p.ID {
			card = *replaced
			card.P = p
		}
		card.First, card.Last = i == 0, i == len(pipelines)-1
		out = append(out, s.View(c, fiber.Map{"Card": card, "Langs": form.Langs(core.SettingsOf(c)), "Def": core.SettingsOf(c).Language}))
	}
	return out, nil
}

// PipelinesIndex shows every pipeline with its stages.
func (s *Handler) PipelinesIndex(c *fiber.Ctx) error {
	return s.pipelinesPage(c, fiber.StatusOK, nil, form.StageEdit{}, "", form.Errors{})
}

// pipelinesPage renders the whole page, with one card replaced or the
// "new pipeline" form as typed.
func (s *Handler) pipelinesPage(c *fiber.Ctx, status int, replaced *pipelineCard, first form.StageEdit, name string, errs form.Errors) error {
	cards, err := s.pipelineCards(c, replaced)
	if err != nil {
		return err
	}
	return s.adminPage(c, status, "pages/admin/pipelines", fiber.Map{
		"Title": core.LocaleOf(c).T("records.pipelines"), "Cards": cards,
		"Name": name, "FirstStage": first.Name, "Errors": errs,
	})
}

// renderCard answers a card's form: the card for htmx, or the page.
func (s *Handler) renderCard(c *fiber.Ctx, status int, card pipelineCard) error {
	if !core.IsFragment(c) {
		return s.pipelinesPage(c, status, &card, form.StageEdit{}, "", form.Errors{})
	}
	p, err := store.PipelineByID(c.UserContext(), s.Store.DB, card.P.ID)
	if err != nil {
		return err
	}
	all, err := store.Pipelines(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	card.P = p
	card.First = len(all) > 0 && all[0].ID == p.ID
	card.Last = len(all) > 0 && all[len(all)-1].ID == p.ID
	return s.adminFragment(c, status, "partials/admin/pipeline_card", fiber.Map{
		"Card": card, "Langs": form.Langs(core.SettingsOf(c)), "Def": core.SettingsOf(c).Language,
	})
}

// PipelinesCreate creates a pipeline with its first stage, open.
func (s *Handler) PipelinesCreate(c *fiber.Ctx) error {
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	first := form.StageEdit{Name: form.RecordName(c.FormValue, "first_stage", errs)}
	if errs.Any() {
		if core.IsFragment(c) {
			return s.adminFragment(c, fiber.StatusUnprocessableEntity, "partials/admin/pipeline_create", fiber.Map{
				"Name": name, "FirstStage": first.Name, "Errors": errs,
			})
		}
		return s.pipelinesPage(c, fiber.StatusUnprocessableEntity, nil, first, name, errs)
	}
	var p *model.Pipeline
	err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = store.AddPipeline(ctx, tx, name, first.Name); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "pipeline.create", recTarget("pipeline", p.ID), nil,
			map[string]any{"name": name, "first_stage": first.Name}))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/pipelines#pipeline-"+recItoa(p.ID))
}

// recPipeline loads the pipeline named by :id, or answers 404.
func (s *Handler) recPipeline(c *fiber.Ctx) (*model.Pipeline, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	p, err := store.PipelineByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return p, err
}

// backToCard ends a successful card change: the page at the card without
// JavaScript, the card with a notice under htmx.
func (s *Handler) backToCard(c *fiber.Ctx, p *model.Pipeline, notice string, changed int64) error {
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/pipelines#pipeline-"+recItoa(p.ID))
	}
	return s.renderCard(c, fiber.StatusOK, pipelineCard{P: p, Errors: form.Errors{}, Name: p.Name, Notice: notice, Changed: changed})
}

// PipelinesRename renames a pipeline.
func (s *Handler) PipelinesRename(c *fiber.Ctx) error {
	p, err := s.recPipeline(c)
	if err != nil {
		return err
	}
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	if errs.Any() {
		return s.renderCard(c, fiber.StatusUnprocessableEntity, pipelineCard{P: p, Errors: errs, Name: name})
	}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.RenamePipeline(ctx, tx, p.ID, name); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "pipeline.rename", recTarget("pipeline", p.ID), nameAudit{p.Name}, nameAudit{name}))
	})
	if err != nil {
		return err
	}
	p.Name = name
	return s.backToCard(c, p, "records.pipeline_saved", 0)
}

// moveUp reads the direction of a move button.
func moveUp(c *fiber.Ctx) (up bool, ok bool) {
	switch c.FormValue("direction") {
	case "up":
		return true, true
	case "down":
		return false, true
	}
	return false, false
}

// PipelinesMove moves a pipeline up or down the list.
func (s *Handler) PipelinesMove(c *fiber.Ctx) error {
	p, err := s.recPipeline(c)
	if err != nil {
		return err
	}
	up, ok := moveUp(c)
	if !ok {
		return fiber.ErrBadRequest
	}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		moved, err := store.MovePipeline(ctx, tx, p.ID, up)
		if err != nil || !moved {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "pipeline.move", recTarget("pipeline", p.ID), nil, map[string]any{"up": up}))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/pipelines#pipeline-"+recItoa(p.ID))
}

// StagesCreate adds a stage at the end of a pipeline.
func (s *Handler) StagesCreate(c *fiber.Ctx) error {
	p, err := s.recPipeline(c)
	if err != nil {
		return err
	}
	st, errs := form.NewStageEdit(c.FormValue)
	if errs.Any() {
		e := form.Errors{}
		for k, v := range errs {
			e["stage_"+k] = v
		}
		return s.renderCard(c, fiber.StatusUnprocessableEntity, pipelineCard{P: p, Errors: e, Name: p.Name, NewStage: st})
	}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		added, err := store.AddStage(ctx, tx, p.ID, st.Name, st.Closed)
		if err != nil {
			return err
		}
		if err := store.SetStageWaiting(ctx, tx, added.ID, st.Waiting); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "stage.create", recTarget("stage", added.ID), nil,
			stageAudit{PipelineID: p.ID, Name: st.Name, Closed: st.Closed, Waiting: st.Waiting}))
	})
	if err != nil {
		return err
	}
	return s.backToCard(c, p, "records.stage_added", 0)
}

// recStage loads the stage named by :id and its pipeline, or answers 404.
func (s *Handler) recStage(c *fiber.Ctx) (*model.Stage, *model.Pipeline, error) {
	id, err := recID(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.StageByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, nil, core.ErrNotFound
	} else if err != nil {
		return nil, nil, err
	}
	p, err := store.PipelineByID(c.UserContext(), s.Store.DB, st.PipelineID)
	if err != nil {
		return nil, nil, err
	}
	return st, p, nil
}

// StagesSave renames a stage and marks it open or closed. The tickets in
// the stage follow its closed flag in the same transaction.
func (s *Handler) StagesSave(c *fiber.Ctx) error {
	st, p, err := s.recStage(c)
	if err != nil {
		return err
	}
	f, errs := form.NewStageEdit(c.FormValue)
	labels, hasLabels := form.StageLabels(c.FormValue, func(k string) bool { return len(postValues(c, k)) > 0 },
		form.Langs(core.SettingsOf(c)), errs)
	if !hasLabels {
		labels = st.Labels
	}
	key := "s" + recItoa(st.ID) + "_"
	var changed int64
	if !errs.Any() {
		err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			if changed, err = store.UpdateStage(ctx, tx, st.ID, f.Name, f.Closed); err != nil {
				return err
			}
			if hasLabels {
				if err := store.SetStageLabels(ctx, tx, st.ID, labels); err != nil {
					return err
				}
			}
			if err := store.SetStageWaiting(ctx, tx, st.ID, f.Waiting); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, recAudit(c, "stage.update", recTarget("stage", st.ID),
				stageAudit{PipelineID: p.ID, Name: st.Name, Labels: st.Labels, Closed: st.IsClosed, Waiting: st.WaitsOnCustomer},
				stageAudit{PipelineID: p.ID, Name: f.Name, Labels: labels, Closed: f.Closed, Waiting: f.Waiting, Tickets: &changed}))
		})
		switch {
		case errors.Is(err, store.ErrLastOpenStage):
			errs["status"] = "records.last_open_stage"
		case err != nil:
			return err
		default:
			notice := "records.stage_saved"
			if changed > 0 {
				notice = "records.stage_saved_tickets"
			}
			return s.backToCard(c, p, notice, changed)
		}
	}
	e := form.Errors{}
	for k, v := range errs {
		e[key+k] = v
	}
	return s.renderCard(c, fiber.StatusUnprocessableEntity, pipelineCard{
		P: p, Errors: e, Name: p.Name, Typed: map[int64]form.StageEdit{st.ID: f},
		Labels: map[int64]model.Text{st.ID: labels},
	})
}

// StagesMove moves a stage up or down its pipeline.
func (s *Handler) StagesMove(c *fiber.Ctx) error {
	st, p, err := s.recStage(c)
	if err != nil {
		return err
	}
	up, ok := moveUp(c)
	if !ok {
		return fiber.ErrBadRequest
	}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		moved, err := store.MoveStage(ctx, tx, st.ID, up)
		if err != nil || !moved {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "stage.move", recTarget("stage", st.ID), nil,
			map[string]any{"pipeline_id": p.ID, "up": up}))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/pipelines#pipeline-"+recItoa(p.ID))
}
