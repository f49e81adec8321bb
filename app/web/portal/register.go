package portal

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/desk"
	"portico/app/web/core"
	"portico/app/web/form"
)

// RegisterForm shows self-registration, when the settings allow it.
func (s *Handler) RegisterForm(c *fiber.Ctx) error {
	if !core.SettingsOf(c).SelfRegistration() {
		return fiber.ErrNotFound
	}
	cs, err := s.CurrentConsent(c)
	if err != nil {
		return err
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/register", fiber.Map{
		"Form": form.Register{}, "Errors": form.Errors{}, "Consent": cs,
	})
}

// Register answers alike for a new address and a known one, in every
// configuration: the request checks the form, hashes the password and
// queues one job, the same way for any address (desk/jobs.go). The job
// creates the account of a new address (with its consent record, and a
// confirmation link when addresses must be confirmed), or tells the owner
// of a known address, by email, that they already have an account. With
// confirmation on, both see "check your email"; with it off, both go to
// the login page with a note that says what happened either way.
func (s *Handler) Register(c *fiber.Ctx) error {
	st := core.SettingsOf(c)
	if !st.SelfRegistration() {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	if !s.Limiter.Allow(ctx, "register:ip:"+core.IP(c), 10, time.Hour) {
		return core.ErrRateLimited
	}
	cs, err := s.CurrentConsent(c)
	if err != nil {
		return err
	}
	f := form.NewRegister(c.FormValue)
	if errs := f.Validate(); errs.Any() {
		f.Password = ""
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/register", fiber.Map{
			"Form": f, "Errors": errs, "Consent": cs,
		})
	}
	hash, err := auth.HashPassword(f.Password)
	if err != nil {
		return err
	}
	err = s.Desk.RequestRegistration(ctx, desk.Registration{
		Email: f.Email, Name: f.Name, PasswordHash: hash, Language: core.LocaleOf(c).Code,
		ConsentVersionID: cs.VersionID, IP: core.IP(c),
		// At most a few mails per address and hour, silently.
		Mail: s.Limiter.Allow(ctx, "register:addr:"+f.Email, 3, time.Hour),
	})
	if err != nil {
		return err
	}
	if !st.RequireVerification {
		return core.Redirect(c, "/portal/login?registered=1")
	}
	l := core.LocaleOf(c)
	return s.verifyPage(c, fiber.StatusOK, fiber.Map{
		"Check": true, "Title": l.T("verify.check_title"), "CheckBody": l.T("verify.check_body", f.Email),
		"Hint": true,
	})
}
