package portal

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/desk"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// ReplyCreate adds a contact's reply, with attachments, to a ticket they
// may see. htmx gets the conversation fragment back; a plain form post is
// redirected to the ticket. On an error the typed text is shown again.
func (s *Handler) ReplyCreate(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	f := form.NewReply(c.FormValue)
	errs := f.Validate()
	files, problem, err := s.ReadUploads(c, "attachments")
	if err != nil {
		return err
	}
	if problem != "" {
		errs["attachments"] = problem
	}
	if !errs.Any() && !s.AllowContactPost(c, "reply", s.Posts.ReplyPerContact, s.Posts.ReplyPerIP) {
		return core.ErrRateLimited
	}
	if !errs.Any() {
		var res desk.ReplyResult
		res, err = s.Desk.ContactReply(c.UserContext(), core.IP(c), store.NewReply{
			TicketID: t.ID, ContactID: core.ContactOf(c).ID, Body: f.Body, Files: files,
			DefaultInboxID: core.SettingsOf(c).DefaultInboxID,
		})
		switch {
		case errors.Is(err, store.ErrTicketClosed):
			// Closed means read-only here: the typed text stays.
			errs["body"] = "reply.closed_body"
		case err == nil && res.Outcome != store.ReplyAdded:
			// A reopened ticket or a new follow-up: the whole page changes.
			q := "?sent=1#latest"
			if res.Outcome == store.ReplyFollowUp {
				q = "?followup=1#latest"
			}
			return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(res.TicketID, 10)+q)
		case err != nil:
			s.Log.Error("reply failed", "ticket", t.ID, "err", err)
			errs["form"] = "reply.failed"
		default:
			if !core.IsFragment(c) {
				return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?sent=1#latest")
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
	if errs["body"] == "reply.closed_body" {
		status = fiber.StatusConflict
	}
	m, err := s.ticketView(c, t, f, errs)
	if err != nil {
		return err
	}
	m["Sent"] = !errs.Any()
	m["OOB"] = !errs.Any()
	return s.PageOrFragment(c, status, "pages/portal/ticket", "partials/portal/conversation", m)
}
