package portal

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
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

// Register creates the contact, records the consent it accepted, and logs
// it in. When the settings require verification, registerPending takes
// over instead.
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
	errs := f.Validate()
	var contactID int64
	if !errs.Any() {
		hash, err := auth.HashPassword(f.Password)
		if err != nil {
			return err
		}
		// Email: with verification on, the contact confirms its address
		// before the first login (verify.go).
		if st.RequireVerification {
			return s.registerPending(c, f, cs, hash)
		}
		err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := store.ContactByEmail(ctx, tx, f.Email); err == nil {
				errs["email"] = "register.email_taken"
				return nil
			} else if !core.IsNotFound(err) {
				return err
			}
			ct := &model.Contact{Email: f.Email, Name: f.Name, PasswordHash: hash, Language: core.LocaleOf(c).Code}
			if err := store.CreateContact(ctx, tx, ct); err != nil {
				return err
			}
			contactID = ct.ID
			if cs.VersionID == 0 {
				return nil
			}
			return store.AddConsentRecord(ctx, tx, &model.ConsentRecord{ContactID: ct.ID, VersionID: cs.VersionID, IP: core.IP(c)})
		})
		if err != nil {
			return err
		}
	}
	if errs.Any() {
		f.Password = ""
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/register", fiber.Map{
			"Form": f, "Errors": errs, "Consent": cs,
		})
	}
	if err := s.StartSession(c, auth.KindContact, contactID); err != nil {
		return err
	}
	return core.Redirect(c, "/portal/tickets?welcome=1")
}
