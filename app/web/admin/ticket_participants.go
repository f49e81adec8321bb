package admin

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portico/app/desk"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// ticketShare is what the back office's "who can see this ticket" panel
// shows: the portal's audience, the same that the portal panel shows, plus
// the agents; and the form that adds a participant.
type ticketShare struct {
	TicketID int64
	Audience *store.Audience
	Agents   []model.StaffUser
	Muted    map[int64]bool // the contacts who muted the ticket: its replies don't reach them
	Email    string
	Errors   form.Errors
}

func (s *Handler) ticketShare(c *fiber.Ctx, ticketID int64, staff []model.StaffUser, email string, errs form.Errors) (*ticketShare, error) {
	st := core.SettingsOf(c)
	a, err := store.WhoCanSee(c.UserContext(), s.Store.DB, ticketID, st.Permission == model.PermissionCompany)
	if err != nil {
		return nil, err
	}
	muted, err := store.TicketMutedBy(c.UserContext(), s.Store.DB, ticketID)
	if err != nil {
		return nil, err
	}
	if errs == nil {
		errs = form.Errors{}
	}
	sh := &ticketShare{TicketID: ticketID, Audience: a, Muted: muted, Email: email, Errors: errs}
	for _, u := range staff {
		if !u.Disabled {
			sh.Agents = append(sh.Agents, u)
		}
	}
	return sh, nil
}

// participantsOut answers a participant change: the panel alone for htmx,
// the ticket page otherwise.
func (s *Handler) participantsOut(c *fiber.Ctx, status int, t *store.TicketDetail, email string, errs form.Errors) error {
	m, err := s.agentTicketView(c, t)
	if err != nil {
		return err
	}
	if errs.Any() {
		sh := m["Share"].(*ticketShare)
		sh.Email, sh.Errors = email, errs
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/ticket_participants", m)
	}
	return s.adminPage(c, status, "pages/admin/ticket", m)
}

// ParticipantAdd shares a ticket with a contact by email; an unknown
// address becomes a contact, invited to the portal.
func (s *Handler) ParticipantAdd(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	errs := form.Errors{}
	if email == "" {
		errs["email"] = "share.email_required"
	} else {
		_, err := s.Desk.AddParticipant(c.UserContext(), desk.Sharer{Actor: actor(c)}, core.SettingsOf(c), t.ID, email)
		if key := desk.ShareError(err); key != "" {
			errs["email"] = key
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.participantsOut(c, fiber.StatusUnprocessableEntity, t, email, errs)
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10)+"#participants")
	}
	return s.participantsOut(c, fiber.StatusOK, t, "", nil)
}

// ParticipantRemove ends a participant's access to a ticket.
func (s *Handler) ParticipantRemove(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(c.Params("contact"), 10, 64)
	if err != nil || cid <= 0 {
		return core.ErrNotFound
	}
	err = s.Desk.RemoveParticipant(c.UserContext(), desk.Sharer{Actor: actor(c)}, t.ID, cid)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10)+"#participants")
	}
	return s.participantsOut(c, fiber.StatusOK, t, "", nil)
}
