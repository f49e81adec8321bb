// Package form holds the portal's form types. Each binds only the fields
// it names, so extra fields in a request (contact_id, stage, role…) are
// ignored, and each has Validate, whose errors are shown at the field.
package form

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Errors maps a field name to the translation key of its problem.
type Errors map[string]string

// Any reports whether there is any error.
func (e Errors) Any() bool { return len(e) > 0 }

// clean trims the value and drops control characters other than newlines
// and tabs.
func clean(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// oneLine is clean, and also folds newlines into spaces: for names,
// subjects and anything that may end up in an email header.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// validEmail accepts a bare address of sensible length.
func validEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " <>\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

// checkNameEmail validates the name and email fields that several forms
// share, adding their errors to e.
func checkNameEmail(e Errors, name, email string) {
	switch {
	case name == "":
		e["name"] = "form.required"
	case tooLong(name, 200):
		e["name"] = "form.too_long"
	}
	switch {
	case email == "":
		e["email"] = "form.required"
	case !validEmail(email):
		e["email"] = "form.email_invalid"
	case mixedScript(email):
		e["email"] = "form.email_mixed_script"
	}
}
