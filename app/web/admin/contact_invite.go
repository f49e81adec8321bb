package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/mail"
	"portico/app/store"
	"portico/app/web/core"
)

// Email: how handlers reach the mailer, and the calls that other handlers
// make to queue mail inside their own transactions.

// ContactInvite queues a new invitation for a contact without a password,
// for an admin's "resend invitation", and leads to the outbox where it
// waits.
func (s *Handler) ContactInvite(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return core.ErrNotFound
	}
	ctx := c.UserContext()
	ct, err := store.ContactByID(ctx, s.Store.DB, id)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	if ct.PasswordHash != "" {
		return s.Message(c, fiber.StatusConflict, "invite.has_password_title", "invite.has_password_body")
	}
	if !s.Limiter.Allow(ctx, "invite:ip:"+core.IP(c), 60, time.Hour) ||
		!s.Limiter.Allow(ctx, "invite:addr:"+ct.Email, 5, time.Hour) {
		return core.ErrRateLimited
	}
	err = s.Desk.InviteContact(ctx, actor(c), core.SettingsOf(c), ct)
	if err == mail.ErrNoRecipient {
		return fiber.ErrUnprocessableEntity
	}
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/outbox?invited=1")
}
