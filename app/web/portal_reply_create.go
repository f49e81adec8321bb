package web

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/store"
	"portico/app/web/form"
)

// replyCreate adds a contact's reply, with attachments, to a ticket they
// may see. htmx gets the conversation fragment back; a plain form post is
// redirected to the ticket. On an error the typed text is shown again.
func (s *Server) replyCreate(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	if t.Closed {
		return s.message(c, fiber.StatusConflict, "reply.closed_title", "reply.closed_body")
	}
	f := form.NewReply(c.FormValue)
	errs := f.Validate()
	files, problem, err := s.readUploads(c, "attachments")
	if err != nil {
		return err
	}
	if problem != "" {
		errs["attachments"] = problem
	}
	if !errs.Any() {
		err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			msg, err := s.Store.AddContactReply(ctx, tx, store.NewReply{
				TicketID: t.ID, ContactID: contactOf(c).ID, Body: f.Body, Files: files,
				DefaultInboxID: settingsOf(c).DefaultInboxID,
			})
			if err != nil {
				return err
			}
			// Email: the agents' notification commits with the reply.
			return s.notifyAgents(ctx, tx, t.ID, msg)
		})
		switch {
		case errors.Is(err, store.ErrTicketClosed):
			return s.message(c, fiber.StatusConflict, "reply.closed_title", "reply.closed_body")
		case err != nil:
			s.Log.Error("reply failed", "ticket", t.ID, "err", err)
			errs["form"] = "reply.failed"
		default:
			if !isFragment(c) {
				return redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?sent=1#latest")
			}
			// Re-read the ticket for its new last activity.
			if t, err = s.visibleTicket(c); err != nil {
				return err
			}
			f = form.Reply{}
		}
	}
	status := fiber.StatusOK
	if errs.Any() {
		status = fiber.StatusUnprocessableEntity
	}
	m, err := s.ticketView(c, t, f, errs)
	if err != nil {
		return err
	}
	m["Sent"] = !errs.Any()
	m["OOB"] = !errs.Any()
	return s.pageOrFragment(c, status, "pages/portal/ticket", "partials/portal/conversation", m)
}
