package portal

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// solveState reads the ticket page's solve and reopen panel.
func (s *Handler) solveState(c *fiber.Ctx, t *store.TicketDetail) (*core.SolvePanel, error) {
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
	return core.NewSolvePanel(core.SettingsOf(c), t, p, ups, err == nil, time.Now()), nil
}

// SolveConfirm asks the customer to confirm that the ticket is solved: a
// page of its own, so that it works without JavaScript.
func (s *Handler) SolveConfirm(c *fiber.Ctx) error {
	if core.SettingsOf(c).NoCustomerSolve {
		return core.ErrNotFound
	}
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
	m["Solve"].(*core.SolvePanel).Confirm = true
	return s.Page(c, fiber.StatusOK, "pages/portal/ticket", m)
}

// Solve marks a ticket the customer may see solved: it moves to the
// closed stage its pipeline names for it.
func (s *Handler) Solve(c *fiber.Ctx) error {
	if core.SettingsOf(c).NoCustomerSolve {
		return core.ErrNotFound
	}
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
