package admin

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
)

// TicketReopen reopens a closed ticket, whatever its pipeline's policy for
// customers' replies: it moves to the pipeline's reopen stage.
func (s *Handler) TicketReopen(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	err = s.Desk.Reopen(c.UserContext(), actor(c), t.ID)
	if errors.Is(err, store.ErrNoStage) {
		// The pipeline has no open stage left to reopen to.
		return fiber.ErrConflict
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/tickets/"+strconv.FormatInt(t.ID, 10)+"?reopened=1", fiber.StatusSeeOther)
}

// ticketFollowUps is what the ticket page shows of follow-ups: the ticket
// this one continues, and those that continue it.
func (s *Handler) ticketFollowUps(c *fiber.Ctx, t *store.TicketDetail) (fiber.Map, error) {
	ups, err := store.FollowUps(c.UserContext(), s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"Of": t.FollowUpOf, "In": ups, "Reopened": c.Query("reopened") == "1"}, nil
}
