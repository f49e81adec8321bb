package portal

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// verifyPage renders the confirmation page in one of its states: the
// confirm button for a usable link, the "link no longer works" notice, or
// "check your email" after registering or asking for a new link.
func (s *Handler) verifyPage(c *fiber.Ctx, status int, m fiber.Map) error {
	if _, ok := m["Title"]; !ok {
		m["Title"] = core.LocaleOf(c).T("verify.title")
	}
	return s.Page(c, status, "pages/portal/verify", m)
}

// VerifyForm shows a button that confirms the address. Following the link
// changes nothing by itself: a GET never does, and mail scanners that
// open links would otherwise use the token up.
func (s *Handler) VerifyForm(c *fiber.Ctx) error {
	token := c.Query("token")
	if _, err := store.PeekToken(c.UserContext(), s.Store.DB, model.TokenVerify, token, time.Now()); err != nil {
		if !errors.Is(err, store.ErrTokenInvalid) {
			return err
		}
		return s.verifyPage(c, fiber.StatusGone, fiber.Map{"Invalid": true, "Title": core.LocaleOf(c).T("verify.invalid_title")})
	}
	return s.verifyPage(c, fiber.StatusOK, fiber.Map{"Token": token})
}

// Verify uses the token, marks the contact's address verified, and logs
// it in.
func (s *Handler) Verify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if !s.Limiter.Allow(ctx, "verify:ip:"+core.IP(c), 30, time.Hour) {
		return core.ErrRateLimited
	}
	token := c.FormValue("token")
	now := time.Now()
	var contactID int64
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		tok, err := store.UseToken(ctx, tx, model.TokenVerify, token, now)
		if err != nil {
			return err
		}
		ct, err := store.ContactByID(ctx, tx, *tok.ContactID)
		if err != nil {
			return err
		}
		if ct.Disabled {
			return store.ErrTokenInvalid
		}
		contactID = ct.ID
		return store.MarkContactVerified(ctx, tx, ct.ID, now)
	})
	if errors.Is(err, store.ErrTokenInvalid) || core.IsNotFound(err) {
		return s.verifyPage(c, fiber.StatusGone, fiber.Map{"Invalid": true, "Title": core.LocaleOf(c).T("verify.invalid_title")})
	}
	if err != nil {
		return err
	}
	if err := s.StartSession(c, auth.KindContact, contactID); err != nil {
		return err
	}
	return core.Redirect(c, "/portal/tickets?welcome=1")
}

// VerifyResend queues a new confirmation link for an unverified contact.
// The answer is the same for any address, and the requests are limited
// per IP and, silently, per address.
func (s *Handler) VerifyResend(c *fiber.Ctx) error {
	f := form.ReadForgot(c.FormValue)
	ctx := c.UserContext()
	if !s.Limiter.Allow(ctx, "verify-resend:ip:"+core.IP(c), 10, time.Hour) {
		return core.ErrRateLimited
	}
	if !f.Validate().Any() && s.Limiter.Allow(ctx, "verify-resend:addr:"+f.Email, 3, time.Hour) {
		// A job, the same for any address: the worker looks it up.
		if err := s.Desk.RequestVerification(ctx, f.Email); err != nil {
			return err
		}
	}
	l := core.LocaleOf(c)
	return s.verifyPage(c, fiber.StatusOK, fiber.Map{
		"Check": true, "Title": l.T("verify.resent_title"), "CheckBody": l.T("verify.resent_body"),
	})
}

// loginUnverified refuses the login of a contact whose address is not
// verified yet, with a way to get a new link. It is only reached with the
// right password, so it tells nothing about the address to a stranger.
func (s *Handler) loginUnverified(c *fiber.Ctx, f form.Login) error {
	f.Password = ""
	return s.loginPage(c, fiber.StatusUnprocessableEntity, fiber.Map{
		"Form": f, "Errors": form.Errors{"form": "verify.unverified"}, "Unverified": true,
	})
}
