package core

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
)

// Where single sign-on meets the password side of the portal.
//
// "SSO only" (with at least one enabled provider) means the provider is
// the only way in: the password routes (login, reset, invitation,
// registration, address verification) answer 404, and a session that did
// not come from a provider is refused, so that nobody the SSO access
// rules leave out gets a session through a password flow.

const localSSOOnly = "portico.sso_only"

// SSOOnly tells whether passwords are off for the request: "SSO only" is
// set and a provider is enabled to sign in with. It is read once per
// request.
func (s *Core) SSOOnly(c *fiber.Ctx) (bool, error) {
	if v, ok := c.Locals(localSSOOnly).(bool); ok {
		return v, nil
	}
	only := false
	if SettingsOf(c).SSOOnly {
		ps, err := store.EnabledSSOProviders(c.UserContext(), s.Store.DB)
		if err != nil {
			return false, err
		}
		only = len(ps) > 0
	}
	c.Locals(localSSOOnly, only)
	return only, nil
}

// PasswordsOn answers 404 on the password routes (reset, invitation,
// registration, verification) while the portal is reached by single
// sign-on only.
func (s *Core) PasswordsOn(c *fiber.Ctx) error {
	only, err := s.SSOOnly(c)
	if err != nil {
		return err
	}
	if only {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// ssoSessionLive tells whether a session that came from a provider may
// go on: its provider must still exist and be enabled, so that disabling
// or removing a provider ends the sessions it started at once. Other
// sessions are live here.
func (s *Core) ssoSessionLive(c *fiber.Ctx, se *auth.Session) (bool, error) {
	if se.SSO == "" {
		return true, nil
	}
	p, err := store.SSOProviderBySlug(c.UserContext(), s.Store.DB, se.SSO)
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return p.Enabled, nil
}
