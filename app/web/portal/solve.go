package portal

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// solveState is what the ticket page shows of solving and reopening: the
// button, what a reply to the closed ticket would do, and the tickets it
// follows up or is followed up in.
type solveState struct {
	TicketID    int64
	Closed      bool
	Policy      string // the pipeline's policy for replies to closed tickets
	Reopens     bool   // a reply now reopens the ticket
	FollowUpOf  *int64
	FollowUps   []int64
	Solved      bool // just solved
	NewFollowUp bool // just created by a reply
	Confirm     bool // the confirmation step
	CanSolve    bool // the pipeline has a closed stage to solve to
}

// ReplyOpen tells whether the ticket takes a reply.
func (s *solveState) ReplyOpen() bool { return !s.Closed || s.Policy != model.ReopenReadOnly }

func (s *Handler) solveState(c *fiber.Ctx, t *store.TicketDetail) (*solveState, error) {
	p, err := store.PipelineByID(c.UserContext(), s.Store.DB, t.PipelineID)
	if err != nil {
		return nil, err
	}
	all, err := store.FollowUps(c.UserContext(), s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	// Only the follow-ups the viewer may see are linked.
	var ups []int64
	for _, id := range all {
		_, err := s.Store.VisibleTicket(c.UserContext(), s.Store.DB, core.Viewer(c, true), id)
		switch {
		case err == nil:
			ups = append(ups, id)
		case !core.IsNotFound(err):
			return nil, err
		}
	}
	_, err = store.SolveStage(c.UserContext(), s.Store.DB, p)
	if err != nil && !errors.Is(err, store.ErrNoStage) {
		return nil, err
	}
	st := &solveState{TicketID: t.ID, Closed: t.Closed, Policy: p.ReopenPolicy, FollowUpOf: t.FollowUpOf, FollowUps: ups, CanSolve: err == nil}
	if t.Closed && p.ReopenPolicy == model.ReopenWithin && p.ReopenDays > 0 {
		at := t.LastActivityAt
		if !t.ClosedAt.IsZero() {
			at = t.ClosedAt.Time
		}
		st.Reopens = time.Now().Before(at.AddDate(0, 0, p.ReopenDays))
	}
	return st, nil
}

// SolveConfirm asks the customer to confirm that the ticket is solved: a
// page of its own, so that it works without JavaScript.
func (s *Handler) SolveConfirm(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	if t.Closed {
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10))
	}
	m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
	if err != nil {
		return err
	}
	m["Solve"].(*solveState).Confirm = true
	return s.Page(c, fiber.StatusOK, "pages/portal/ticket", m)
}

// Solve marks a ticket the customer may see solved: it moves to the
// closed stage its pipeline names for it.
func (s *Handler) Solve(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	err = s.Desk.Solve(c.UserContext(), core.ContactOf(c).ID, core.IP(c), t.ID)
	if errors.Is(err, store.ErrNoStage) {
		return s.Message(c, fiber.StatusConflict, "solve.cannot_title", "solve.cannot_body")
	}
	if err != nil {
		return err
	}
	return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?solved=1")
}
