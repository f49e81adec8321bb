package core

import (
	"portico/app/auth"
	"portico/app/web/form"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CheckCredentials looks an account up under the login rate limits and
// tells whether the password matches a live account. Every attempt counts
// per IP, only failures per account (so that logging in often never locks
// anyone out), and an unknown email costs the same time as a known one.
func (s *Core) CheckCredentials(c *fiber.Ctx, scope string, f form.Login, lookup func() (hash string, disabled bool, err error)) (bool, error) {
	ctx := c.UserContext()
	acct := scope + ":acct:" + f.Email
	if !s.Limiter.Allow(ctx, scope+":ip:"+IP(c), 20, time.Minute) ||
		s.Limiter.Exceeded(ctx, acct, 10, 15*time.Minute) {
		return false, ErrRateLimited
	}
	hash, disabled, err := lookup()
	if err != nil && !IsNotFound(err) {
		return false, err
	}
	// An empty hash (no account) is checked against a dummy, in equal time.
	if !auth.VerifyPassword(hash, f.Password) || disabled {
		s.Limiter.Allow(ctx, acct, 10, 15*time.Minute)
		return false, nil
	}
	return true, nil
}

// StartSession replaces the visitor's session ID with a new one holding
// the account, so that an ID planted before login is worthless after it.
func (s *Core) StartSession(c *fiber.Ctx, kind string, accountID int64) error {
	return s.startSession(c, &auth.Session{Kind: kind, AccountID: accountID})
}

// StartSSOSession is StartSession for a contact vouched for by the single
// sign-on provider of the slug; idToken, if any, is kept for its logout.
// The session then follows the SSO access rules of the settings.
func (s *Core) StartSSOSession(c *fiber.Ctx, contactID int64, slug, idToken string) error {
	return s.startSession(c, &auth.Session{Kind: auth.KindContact, AccountID: contactID, SSO: slug, IDToken: idToken})
}

func (s *Core) startSession(c *fiber.Ctx, se *auth.Session) error {
	ctx := c.UserContext()
	if old, _ := c.Locals(LocalSID).(string); old != "" {
		_ = s.Sessions.Delete(ctx, old)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	se.CreatedAt, se.LastSeen = now, now
	kind := se.Kind
	if err := s.Sessions.Put(ctx, sid, se, s.MaxLifetime(SettingsOf(c))); err != nil {
		return ErrUnavailable
	}
	cookie := SessionCookie
	if kind == auth.KindStaff {
		cookie = StaffCookie
	}
	s.setCookie(c, cookie, sid)
	c.Locals(LocalSID, sid)
	return nil
}

// EndSession destroys the current session on the server and leaves a
// fresh anonymous ID under the cookie, so that the old one is worthless.
func (s *Core) EndSession(c *fiber.Ctx, cookie string) error {
	if sid, _ := c.Locals(LocalSID).(string); sid != "" {
		if err := s.Sessions.Delete(c.UserContext(), sid); err != nil {
			return ErrUnavailable
		}
	}
	s.setCookie(c, cookie, auth.NewSessionID())
	return nil
}
