package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

// loginForm shows the login page. A logged-in contact goes straight on.
func (s *Server) loginForm(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"), "")
	if contactOf(c) != nil {
		return redirect(c, safeNext(next, "/portal/tickets"))
	}
	return s.page(c, fiber.StatusOK, "pages/portal/login", fiber.Map{
		"Form":       form.Login{Next: next},
		"Errors":     form.Errors{},
		"Expired":    c.Query("expired") == "1" || c.Locals(localExpired) != nil,
		"LoggedOut":  c.Query("logged_out") == "1",
		"Registered": c.Query("registered") == "1",
	})
}

// login checks the credentials. A wrong password and an unknown email get
// the same answer, after the same work.
func (s *Server) login(c *fiber.Ctx) error {
	f := form.NewLogin(c.FormValue)
	errs := f.Validate()
	ctx := c.UserContext()
	if !errs.Any() {
		var ct *model.Contact
		ok, err := s.checkCredentials(c, "login", f, func() (string, bool, error) {
			var err error
			if ct, err = store.ContactByEmail(ctx, s.Store.DB, f.Email); err != nil {
				return "", false, err
			}
			return ct.PasswordHash, ct.Disabled, nil
		})
		switch {
		case err != nil:
			return err
		case !ok:
			errs["form"] = "login.failed"
		case settingsOf(c).RequireVerification && ct.EmailVerifiedAt.IsZero():
			// Email: the address must be confirmed first (portal_verify.go).
			return s.loginUnverified(c, f)
		default:
			if err := s.startSession(c, auth.KindContact, ct.ID); err != nil {
				return err
			}
			return redirect(c, safeNext(f.Next, "/portal/tickets"))
		}
	}
	f.Password = ""
	return s.page(c, fiber.StatusUnprocessableEntity, "pages/portal/login", fiber.Map{"Form": f, "Errors": errs})
}

// checkCredentials looks an account up under the login rate limits and
// tells whether the password matches a live account. Every attempt counts
// per IP, only failures per account (so that logging in often never locks
// anyone out), and an unknown email costs the same time as a known one.
func (s *Server) checkCredentials(c *fiber.Ctx, scope string, f form.Login, lookup func() (hash string, disabled bool, err error)) (bool, error) {
	ctx := c.UserContext()
	acct := scope + ":acct:" + f.Email
	if !s.Limiter.Allow(ctx, scope+":ip:"+c.IP(), 20, time.Minute) ||
		s.Limiter.Exceeded(ctx, acct, 10, 15*time.Minute) {
		return false, errRateLimited
	}
	hash, disabled, err := lookup()
	if err != nil && !isNotFound(err) {
		return false, err
	}
	// An empty hash (no account) is checked against a dummy, in equal time.
	if !auth.VerifyPassword(hash, f.Password) || disabled {
		s.Limiter.Allow(ctx, acct, 10, 15*time.Minute)
		return false, nil
	}
	return true, nil
}

// startSession replaces the visitor's session ID with a new one holding
// the account, so that an ID planted before login is worthless after it.
func (s *Server) startSession(c *fiber.Ctx, kind string, accountID int64) error {
	ctx := c.UserContext()
	if old, _ := c.Locals(localSID).(string); old != "" {
		_ = s.Sessions.Delete(ctx, old)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	se := &auth.Session{Kind: kind, AccountID: accountID, CreatedAt: now, LastSeen: now}
	if err := s.Sessions.Put(ctx, sid, se, s.maxLifetime(settingsOf(c))); err != nil {
		return errUnavailable
	}
	cookie := sessionCookie
	if kind == auth.KindStaff {
		cookie = staffCookie
	}
	s.setCookie(c, cookie, sid)
	c.Locals(localSID, sid)
	return nil
}

// endSession destroys the current session on the server and leaves a
// fresh anonymous ID under the cookie, so that the old one is worthless.
func (s *Server) endSession(c *fiber.Ctx, cookie string) error {
	if sid, _ := c.Locals(localSID).(string); sid != "" {
		if err := s.Sessions.Delete(c.UserContext(), sid); err != nil {
			return errUnavailable
		}
	}
	s.setCookie(c, cookie, auth.NewSessionID())
	return nil
}

// logout ends the customer's session.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.endSession(c, sessionCookie); err != nil {
		return err
	}
	return redirect(c, "/portal/login?logged_out=1")
}
