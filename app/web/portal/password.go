package portal

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// PasswordForgotForm asks for the account's email.
func (s *Handler) PasswordForgotForm(c *fiber.Ctx) error {
	return s.Page(c, fiber.StatusOK, "pages/portal/password_forgot", fiber.Map{
		"Title": core.LocaleOf(c).T("password.forgot_title"), "Form": form.Forgot{}, "Errors": form.Errors{},
	})
}

// PasswordForgot queues a reset link when the address belongs to an
// enabled contact, and answers the same page whether it does or not.
// Requests are limited per IP (a refusal page) and per address (silently:
// the page looks the same, and the mailbox is not flooded).
func (s *Handler) PasswordForgot(c *fiber.Ctx) error {
	f := form.ReadForgot(c.FormValue)
	errs := f.Validate()
	l := core.LocaleOf(c)
	if errs.Any() {
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/password_forgot", fiber.Map{
			"Title": l.T("password.forgot_title"), "Form": f, "Errors": errs,
		})
	}
	ctx := c.UserContext()
	if !s.Limiter.Allow(ctx, "reset:ip:"+core.IP(c), 10, time.Hour) {
		return core.ErrRateLimited
	}
	if s.Limiter.Allow(ctx, "reset:addr:"+f.Email, 3, time.Hour) {
		// A job, the same for any address: the worker looks it up, makes
		// the token and renders the mail (desk/jobs.go).
		if err := s.Desk.RequestReset(ctx, f.Email); err != nil {
			return err
		}
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/password_forgot", fiber.Map{
		"Title": l.T("password.sent_title"), "Sent": true, "Form": form.Forgot{}, "Errors": form.Errors{},
	})
}

// passwordPurpose tells the two set-password pages apart: the reset link
// and the invitation's set-password link.
func passwordPurpose(c *fiber.Ctx) string {
	if strings.HasSuffix(c.Path(), "/set") {
		return model.TokenInvite
	}
	return model.TokenReset
}

func (s *Handler) passwordPage(c *fiber.Ctx, status int, purpose, token string, invalid bool, errs form.Errors) error {
	l := core.LocaleOf(c)
	title, intro := l.T("password.reset_title"), l.T("password.reset_intro")
	action := "/portal/password/reset"
	if purpose == model.TokenInvite {
		title, intro = l.T("password.set_title"), l.T("password.set_intro")
		action = "/portal/password/set"
	}
	if invalid {
		title = l.T("password.invalid_title")
	}
	return s.Page(c, status, "pages/portal/password_reset", fiber.Map{
		"Title": title, "Heading": title, "Intro": intro, "Action": action,
		"Token": token, "Invalid": invalid, "Errors": errs,
	})
}

// PasswordSetForm shows the new-password form for a usable token. The
// token is only looked at here; the POST uses it.
func (s *Handler) PasswordSetForm(c *fiber.Ctx) error {
	purpose := passwordPurpose(c)
	token := c.Query("token")
	if _, err := store.PeekToken(c.UserContext(), s.Store.DB, purpose, token, time.Now()); err != nil {
		if !errors.Is(err, store.ErrTokenInvalid) {
			return err
		}
		return s.passwordPage(c, fiber.StatusGone, purpose, "", true, form.Errors{})
	}
	return s.passwordPage(c, fiber.StatusOK, purpose, token, false, form.Errors{})
}

// PasswordSet sets the password from a reset or invitation link. It uses
// the token (once), marks the address verified (the link proved it),
// revokes the contact's other links, ends all its sessions, and logs this
// browser in with a fresh one.
func (s *Handler) PasswordSet(c *fiber.Ctx) error {
	purpose := passwordPurpose(c)
	token := c.FormValue("token")
	pw := c.FormValue("password")
	ctx := c.UserContext()
	if !s.Limiter.Allow(ctx, "password-set:ip:"+core.IP(c), 30, time.Hour) {
		return core.ErrRateLimited
	}
	now := time.Now()
	if _, err := store.PeekToken(ctx, s.Store.DB, purpose, token, now); err != nil {
		if !errors.Is(err, store.ErrTokenInvalid) {
			return err
		}
		return s.passwordPage(c, fiber.StatusGone, purpose, "", true, form.Errors{})
	}
	if err := auth.CheckPassword(pw); err != nil {
		return s.passwordPage(c, fiber.StatusUnprocessableEntity, purpose, token, false,
			form.Errors{"password": form.PasswordErrorKey(err)})
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	var contactID int64
	err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		tok, err := store.UseToken(ctx, tx, purpose, token, now)
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
		if err := store.SetContactPassword(ctx, tx, ct.ID, hash); err != nil {
			return err
		}
		if err := store.MarkContactVerified(ctx, tx, ct.ID, now); err != nil {
			return err
		}
		if err := store.RevokeTokens(ctx, tx, ct.ID, now, model.TokenReset, model.TokenInvite); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{
			ActorType: "contact", ActorID: &contactID, Action: "contact.password_" + purpose,
			Target: "contact:" + strconv.FormatInt(ct.ID, 10), IP: core.IP(c),
		})
	})
	if errors.Is(err, store.ErrTokenInvalid) || core.IsNotFound(err) {
		return s.passwordPage(c, fiber.StatusGone, purpose, "", true, form.Errors{})
	}
	if err != nil {
		return err
	}
	// Every session of the account ends, including any an attacker held.
	if err := s.Sessions.DeleteAccount(ctx, auth.KindContact, contactID); err != nil {
		s.Log.Error("sessions not ended after a password change", "contact", contactID, "err", err)
		return core.ErrUnavailable
	}
	if err := s.StartSession(c, auth.KindContact, contactID); err != nil {
		return err
	}
	return core.Redirect(c, "/portal/tickets")
}
