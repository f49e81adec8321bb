package form

import (
	"net/mail"
	"strings"
)

// Forgot is the "forgot password" request.
type Forgot struct {
	Email string
}

// ReadForgot reads the request from a form post.
func ReadForgot(get func(string, ...string) string) Forgot {
	return Forgot{Email: strings.ToLower(strings.Join(strings.Fields(get("email")), ""))}
}

// Validate checks the address's shape only: whether an account uses it is
// never told.
func (f Forgot) Validate() Errors {
	e := Errors{}
	switch {
	case f.Email == "":
		e["email"] = "form.required"
	case len(f.Email) > 254 || !plainAddress(f.Email):
		e["email"] = "form.email_invalid"
	}
	return e
}

func plainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}
