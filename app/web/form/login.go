package form

import "strings"

// Login is the portal login form.
type Login struct {
	Email    string
	Password string
	Next     string
}

// NewLogin reads the login form through get (a FormValue function).
func NewLogin(get func(string, ...string) string) Login {
	return Login{
		Email:    strings.ToLower(oneLine(get("email"))),
		Password: get("password"),
		Next:     get("next"),
	}
}

// Validate checks that both fields are filled in.
func (f Login) Validate() Errors {
	e := Errors{}
	if f.Email == "" {
		e["email"] = "form.required"
	} else if !validEmail(f.Email) {
		e["email"] = "form.email_invalid"
	}
	if f.Password == "" {
		e["password"] = "form.required"
	}
	return e
}
