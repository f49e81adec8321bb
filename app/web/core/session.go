package core

import (
	"portico/app/auth"
	"portico/app/web/form"
	"time"

	"github.com/gofiber/fiber/v2"
)

// LoginLimits bound password guessing without handing anyone a lever to
// lock an account's owner out, as the OWASP authentication cheat sheet
// describes: failures slow down the one address that makes them, and the
// limit on an account as a whole spares the addresses it logged in from.
type LoginLimits struct {
	// PerIP is how many attempts one client address may make in a
	// minute, on any accounts.
	PerIP int
	// AccountIP is the growing wait after failures on one account from
	// one address.
	AccountIP auth.Backoff
	// PerAccount is how many failures an account takes from every
	// address together in AccountWindow; past it, only addresses the
	// account logged in from within KnownFor may still try.
	PerAccount    int
	AccountWindow time.Duration
	KnownFor      time.Duration
}

// DefaultLoginLimits are the limits Portico runs with.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{
		PerIP:         20,
		AccountIP:     auth.Backoff{Free: 5, Base: 4 * time.Second, Max: 15 * time.Minute, Memory: time.Hour},
		PerAccount:    100,
		AccountWindow: 15 * time.Minute,
		KnownFor:      30 * 24 * time.Hour,
	}
}

// CheckCredentials looks an account up under the login limits and tells
// whether the password matches a live account. A refusal is a 429 with
// the wait in Retry-After, before any password is checked; it holds for
// unknown emails alike, and an unknown email costs the same time as a
// known one.
func (s *Core) CheckCredentials(c *fiber.Ctx, scope string, f form.Login, lookup func() (hash string, disabled bool, err error)) (ok bool, err error) {
	defer func() { s.Metrics.Login(loginArea(scope), loginOutcome(ok, err)) }()
	ctx := c.UserContext()
	lim := s.Login
	ip := IP(c)
	acct := scope + ":acct:" + f.Email
	acctIP := acct + ":ip:" + ip
	known := scope + ":known:" + f.Email + ":" + ip
	if !s.Limiter.Allow(ctx, scope+":ip:"+ip, lim.PerIP, time.Minute) {
		return false, ErrRateLimited
	}
	if w := s.Limiter.Wait(ctx, acctIP); w > 0 {
		return false, &LimitedError{Wait: w}
	}
	if s.Limiter.Exceeded(ctx, acct, lim.PerAccount, lim.AccountWindow) && s.Limiter.Wait(ctx, known) == 0 {
		return false, &LimitedError{Wait: lim.AccountWindow}
	}
	hash, disabled, err := lookup()
	if err != nil && !IsNotFound(err) {
		return false, err
	}
	// An empty hash (no account) is checked against a dummy, in equal time.
	if !auth.VerifyPassword(hash, f.Password) || disabled {
		s.Limiter.Fail(ctx, acctIP, lim.AccountIP)
		s.Limiter.Allow(ctx, acct, lim.PerAccount, lim.AccountWindow)
		return false, nil
	}
	s.Limiter.Reset(ctx, acctIP)
	// Remember the address: a wait of KnownFor under its own key, in the
	// same shared store as the failures.
	s.Limiter.Fail(ctx, known, auth.Backoff{Base: lim.KnownFor, Max: lim.KnownFor, Memory: lim.KnownFor})
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
	sid := s.newSID()
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
	s.renewAnon(c, cookie)
	return nil
}
