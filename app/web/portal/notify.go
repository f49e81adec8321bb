package portal

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/mail"
	"portico/app/store"
	"portico/app/web/core"
)

func (s *Handler) mute(c *fiber.Ctx, ticketID int64) (*core.MutePanel, error) {
	muted, err := store.TicketMuted(c.UserContext(), s.Store.DB, ticketID, core.ContactOf(c).ID)
	if err != nil {
		return nil, err
	}
	return &core.MutePanel{TicketID: ticketID, Muted: muted}, nil
}

// TicketMute mutes (mute=1) or unmutes (mute=0) the ticket's mail for the
// signed-in contact, who may be one of its contacts or a participant.
func (s *Handler) TicketMute(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	muted := c.FormValue("mute") == "1"
	if err := s.Desk.SetTicketMuted(c.UserContext(), t.ID, core.ContactOf(c).ID, muted); err != nil {
		return err
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?muted="+strconv.FormatBool(muted)+"#mute")
	}
	return s.PageOrFragment(c, fiber.StatusOK, "pages/portal/ticket", "partials/portal/mute",
		fiber.Map{"Mute": &core.MutePanel{TicketID: t.ID, Muted: muted, Changed: true}})
}

func (s *Handler) notifyPage(c *fiber.Ctx, status int, choice string, saved bool, errKey string) error {
	st := core.SettingsOf(c)
	if st.Notify.AgentsAlways && choice == store.NotifyNone {
		choice = store.NotifyAgents
	}
	return s.Page(c, status, "pages/portal/notifications", fiber.Map{
		"Title":   core.LocaleOf(c).T("notify.title"),
		"Choices": core.NotifyChoices(st),
		"Choice":  choice,
		"Saved":   saved,
		"Error":   errKey,
	})
}

// NotificationsForm shows the contact's default for ticket mail.
func (s *Handler) NotificationsForm(c *fiber.Ctx) error {
	choice, err := store.NotifyChoice(c.UserContext(), s.Store.DB, core.ContactOf(c).ID)
	if err != nil {
		return err
	}
	return s.notifyPage(c, fiber.StatusOK, choice, c.Query("saved") == "1", "")
}

// NotificationsSave records the contact's default for ticket mail.
func (s *Handler) NotificationsSave(c *fiber.Ctx) error {
	choice := c.FormValue("choice")
	ok := false
	for _, v := range core.NotifyChoices(core.SettingsOf(c)) {
		ok = ok || v == choice
	}
	if !ok {
		cur, err := store.NotifyChoice(c.UserContext(), s.Store.DB, core.ContactOf(c).ID)
		if err != nil {
			return err
		}
		return s.notifyPage(c, fiber.StatusUnprocessableEntity, cur, false, "notify.choice_invalid")
	}
	if err := store.SetNotifyChoice(c.UserContext(), s.Store.DB, core.ContactOf(c).ID, choice); err != nil {
		return err
	}
	return core.Redirect(c, "/portal/notifications?saved=1")
}

// unsubscribeTarget checks the signed token of an unsubscribe link, and
// that its contact is still one of the ticket's contacts or participants.
// A bad token and a stale one answer the same 404.
func (s *Handler) unsubscribeTarget(c *fiber.Ctx) (ticketID, contactID int64, err error) {
	t, ct, ok := mail.ParseUnsubscribeToken(s.Secret, c.Params("token"))
	if !ok {
		return 0, 0, core.ErrNotFound
	}
	on, err := store.OnTicket(c.UserContext(), s.Store.DB, t, ct)
	if err != nil {
		return 0, 0, err
	}
	if !on {
		return 0, 0, core.ErrNotFound
	}
	return t, ct, nil
}

// UnsubscribeShow is where a notification's "mute this ticket" link
// lands: a confirmation with a button. A GET never mutes, so that a link
// scanner changes nothing.
func (s *Handler) UnsubscribeShow(c *fiber.Ctx) error {
	t, _, err := s.unsubscribeTarget(c)
	if err != nil {
		return err
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/unsubscribe", fiber.Map{
		"Title": core.LocaleOf(c).T("notify.unsub_title"), "TicketID": t, "Token": c.Params("token")})
}

// Unsubscribe mutes the ticket for the contact the token names: the
// confirmation's button, or a mail client's one-click POST (RFC 8058,
// body List-Unsubscribe=One-Click). The signed token is the authority,
// so it needs neither a session nor a CSRF token, and it can do nothing
// else.
func (s *Handler) Unsubscribe(c *fiber.Ctx) error {
	t, ct, err := s.unsubscribeTarget(c)
	if err != nil {
		return err
	}
	if err := s.Desk.SetTicketMuted(c.UserContext(), t, ct, true); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return core.ErrNotFound
		}
		return err
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/unsubscribe", fiber.Map{
		"Title": core.LocaleOf(c).T("notify.unsub_done_title"), "TicketID": t, "Done": true})
}
