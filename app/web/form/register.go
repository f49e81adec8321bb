package form

import (
	"errors"
	"strings"

	"portico/app/auth"
)

// Register is the self-registration form.
type Register struct {
	Name     string
	Email    string
	Password string
	Consent  bool
}

// NewRegister reads the registration form.
func NewRegister(get func(string, ...string) string) Register {
	return Register{
		Name:     oneLine(get("name")),
		Email:    strings.ToLower(oneLine(get("email"))),
		Password: get("password"),
		Consent:  get("consent") == "yes",
	}
}

// Validate checks every field; the password against length and the list of
// common passwords.
func (f Register) Validate() Errors {
	e := Errors{}
	checkNameEmail(e, f.Name, f.Email)
	if err := auth.CheckPassword(f.Password); err != nil {
		e["password"] = PasswordErrorKey(err)
	}
	if !f.Consent {
		e["consent"] = "register.consent_required"
	}
	return e
}

// PasswordErrorKey maps a password problem to its message key.
func PasswordErrorKey(err error) string {
	switch {
	case errors.Is(err, auth.ErrPasswordShort):
		return "password.too_short"
	case errors.Is(err, auth.ErrPasswordLong):
		return "password.too_long"
	case errors.Is(err, auth.ErrPasswordCommon):
		return "password.too_common"
	case errors.Is(err, auth.ErrPasswordBlank):
		return "password.blank"
	}
	return "form.invalid"
}
