package portal

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

// share reads the "who can see this ticket" panel of the signed-in
// contact, with what was typed in its form and its error.
func (s *Handler) share(c *fiber.Ctx, ticketID int64, email string, errs form.Errors) (*core.SharePanel, error) {
	st := core.SettingsOf(c)
	a, err := store.WhoCanSee(c.UserContext(), s.Store.DB, ticketID, st.Permission == model.PermissionCompany)
	if err != nil {
		return nil, err
	}
	return core.NewSharePanel(st, core.ContactOf(c), ticketID, a, email, errs), nil
}

// shareOut answers a participant change: the panel alone for htmx, the
// ticket page otherwise (after an error; a success is redirected).
func (s *Handler) shareOut(c *fiber.Ctx, status int, t *store.TicketDetail, sh *core.SharePanel) error {
	if core.IsFragment(c) {
		return s.PageOrFragment(c, status, "pages/portal/ticket", "partials/portal/participants", fiber.Map{"Share": sh})
	}
	m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
	if err != nil {
		return err
	}
	m["Share"] = sh
	return s.Page(c, status, "pages/portal/ticket", m)
}

// ParticipantAdd shares the ticket with a colleague by email.
func (s *Handler) ParticipantAdd(c *fiber.Ctx) error {
	if core.SettingsOf(c).NoSharing {
		return core.ErrNotFound
	}
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	errs := form.Errors{}
	if email == "" {
		errs["email"] = "share.email_required"
	}
	if !errs.Any() && !s.AllowContactPost(c, "share", s.Posts.ReplyPerContact, s.Posts.ReplyPerIP) {
		return core.ErrRateLimited
	}
	if !errs.Any() {
		_, err := s.Desk.AddParticipant(c.UserContext(), desk.Sharer{Contact: core.ContactOf(c), Actor: desk.Actor{IP: core.IP(c)}},
			core.SettingsOf(c), t.ID, email)
		if key := desk.ShareError(err); key != "" {
			errs["email"] = key
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		sh, err := s.share(c, t.ID, email, errs)
		if err != nil {
			return err
		}
		return s.shareOut(c, fiber.StatusUnprocessableEntity, t, sh)
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?shared=1#participants")
	}
	sh, err := s.share(c, t.ID, "", nil)
	if err != nil {
		return err
	}
	sh.Added = true
	return s.shareOut(c, fiber.StatusOK, t, sh)
}

// LeaveConfirm asks a participant to confirm that the ticket should no
// longer be shared with them: a page of its own, so that it works without
// JavaScript.
func (s *Handler) LeaveConfirm(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
	if err != nil {
		return err
	}
	sh := m["Share"].(*core.SharePanel)
	if !sh.CanLeave {
		return core.ErrNotFound
	}
	sh.Leave = true
	return s.Page(c, fiber.StatusOK, "pages/portal/ticket", m)
}

// Leave ends the signed-in participant's access to a ticket shared with
// them, at once. Someone who also sees it as everyone at their company
// does keeps that view, and is told so.
func (s *Handler) Leave(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	sh, err := s.share(c, t.ID, "", nil)
	if err != nil {
		return err
	}
	if !sh.CanLeave {
		return core.ErrNotFound
	}
	err = s.Desk.LeaveTicket(c.UserContext(), desk.Sharer{Contact: core.ContactOf(c), Actor: desk.Actor{IP: core.IP(c)}}, t.ID)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	if sh.ViaCompany {
		// The company's view still shows the ticket: back to it, saying so.
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?left=1#participants")
	}
	l := core.LocaleOf(c)
	title := l.T("share.left_title", t.ID)
	return s.Page(c, fiber.StatusOK, "pages/portal/message", fiber.Map{"Title": title, "Heading": title, "Body": l.T("share.left_body")})
}

// ParticipantRemove ends a participant's access. Only the ticket's own
// contacts may remove one.
func (s *Handler) ParticipantRemove(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(c.Params("contact"), 10, 64)
	if err != nil || cid <= 0 {
		return core.ErrNotFound
	}
	sh, err := s.share(c, t.ID, "", nil)
	if err != nil {
		return err
	}
	if !sh.CanRemove {
		return fiber.ErrForbidden
	}
	err = s.Desk.RemoveParticipant(c.UserContext(), desk.Sharer{Contact: core.ContactOf(c), Actor: desk.Actor{IP: core.IP(c)}}, t.ID, cid)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?unshared=1#participants")
	}
	if sh, err = s.share(c, t.ID, "", nil); err != nil {
		return err
	}
	sh.Removed = true
	return s.shareOut(c, fiber.StatusOK, t, sh)
}
