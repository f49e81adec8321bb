package core

import (
	"portico/app/store"

	"github.com/gofiber/fiber/v2"
)

// Consent is the notice a registration shows and records.
type Consent struct {
	VersionID int64
	Notice    string
	Label     string
}

// CurrentConsent is the consent notice registration shows now: the
// settings' version, or the translated default.
func (s *Core) CurrentConsent(c *fiber.Ctx) (Consent, error) {
	st := SettingsOf(c)
	l := LocaleOf(c)
	out := Consent{Notice: l.T("register.consent_notice"), Label: l.T("register.consent_label")}
	if st.ConsentVersionID == 0 {
		return out, nil
	}
	v, err := store.ConsentVersion(c.UserContext(), s.Store.DB, st.ConsentVersionID)
	if err != nil {
		return out, err
	}
	// In the customer's language, else the default language's, else
	// Portico's own text in the customer's language.
	return Consent{
		VersionID: v.ID,
		Notice:    l.PickOr(v.Notice, "register.consent_notice"),
		Label:     l.PickOr(v.Label, "register.consent_label"),
	}, nil
}
