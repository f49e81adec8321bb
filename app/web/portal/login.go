package portal

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// LoginForm shows the login page. A logged-in contact goes straight on.
func (s *Handler) LoginForm(c *fiber.Ctx) error {
	next := core.SafeNext(c.Query("next"), "")
	if core.ContactOf(c) != nil {
		return core.Redirect(c, core.SafeNext(next, "/portal/tickets"))
	}
	return s.loginPage(c, fiber.StatusOK, fiber.Map{
		"Form":       form.Login{Next: next},
		"Errors":     form.Errors{},
		"Expired":    c.Query("expired") == "1" || c.Locals(core.LocalExpired) != nil,
		"LoggedOut":  c.Query("logged_out") == "1",
		"Registered": c.Query("registered") == "1",
	})
}

// Login checks the credentials. A wrong password and an unknown email get
// the same answer, after the same work.
func (s *Handler) Login(c *fiber.Ctx) error {
	if only, err := s.ssoOnly(c); err != nil {
		return err
	} else if only {
		return fiber.ErrNotFound
	}
	f := form.NewLogin(c.FormValue)
	errs := f.Validate()
	ctx := c.UserContext()
	if !errs.Any() {
		var ct *model.Contact
		ok, err := s.CheckCredentials(c, "login", f, func() (string, bool, error) {
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
		case core.SettingsOf(c).RequireVerification && ct.EmailVerifiedAt.IsZero():
			// Email: the address must be confirmed first (verify.go).
			return s.loginUnverified(c, f)
		default:
			if err := s.StartSession(c, auth.KindContact, ct.ID); err != nil {
				return err
			}
			return core.Redirect(c, core.SafeNext(f.Next, "/portal/tickets"))
		}
	}
	f.Password = ""
	return s.loginPage(c, fiber.StatusUnprocessableEntity, fiber.Map{"Form": f, "Errors": errs})
}

// loginPage renders the login page with a button per enabled single
// sign-on provider; under "SSO only" (and with a provider to use) the
// password form is left out.
func (s *Handler) loginPage(c *fiber.Ctx, status int, m fiber.Map) error {
	ps, err := store.EnabledSSOProviders(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	m["Providers"] = ps
	m["SSOOnly"] = core.SettingsOf(c).SSOOnly && len(ps) > 0
	return s.Page(c, status, "pages/portal/login", m)
}

// ssoOnly tells whether passwords are off: "SSO only", with a provider.
func (s *Handler) ssoOnly(c *fiber.Ctx) (bool, error) {
	return s.Core.SSOOnly(c)
}
