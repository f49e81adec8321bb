package i18n

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// pluralForms names CLDR's plural categories as message keys end: a
// counted message "tickets.count" has "tickets.count.one",
// "tickets.count.other" and whichever other forms its language needs.
var pluralForms = map[plural.Form]string{
	plural.Zero: "zero", plural.One: "one", plural.Two: "two",
	plural.Few: "few", plural.Many: "many", plural.Other: "other",
}

// PluralForms are the endings a counted message's keys may have.
var PluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// PluralForm is the CLDR plural category of the whole number n in a
// language: "one" or "other" in English and Spanish.
func PluralForm(code string, n int64) string {
	if n < 0 {
		n = -n
	}
	// Whole numbers only: no visible fraction digits.
	f := plural.Cardinal.MatchPlural(language.Make(code), int(n), 0, 0, 0, 0)
	return pluralForms[f]
}

// N translates a counted message: its form for n in this language
// (key + "." + form), else its "other" form. The count, formatted for the
// language, is the first argument; args follow it, so a message names
// them %[2]s and on when the count does not come first.
func (l *Locale) N(key string, count any, args ...any) string {
	n := toInt64(count)
	form := key + "." + PluralForm(l.Code, n)
	if _, ok := l.messages[form]; !ok {
		if _, ok := l.fallback[form]; !ok {
			form = key + ".other"
		}
	}
	msg := l.T(form)
	if !strings.Contains(msg, "%") {
		// "Showing the first contact.": a form may leave the count out.
		return msg
	}
	return fmt.Sprintf(msg, append([]any{l.Number(n)}, args...)...)
}

// Number formats a whole number with the language's digit grouping
// ("1,234" in English, "1.234" in Spanish).
func (l *Locale) Number(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	if len(digits) <= 3 {
		return sign + digits
	}
	sep := l.T("format.group")
	var b strings.Builder
	b.WriteString(sign)
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Count is Number for a count of any integer type, as templates pass
// them.
func (l *Locale) Count(v any) string { return l.Number(toInt64(v)) }

// Decimal formats a number with one decimal, in the language's way
// ("10.5" in English, "10,5" in Spanish).
func (l *Locale) Decimal(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := l.Number(n)
	if n == 0 && strings.HasPrefix(whole, "-") {
		out = "-0"
	}
	return out + l.T("format.decimal") + frac
}

// Size formats a byte count: "512 B", "12 KB", "10.0 MB" (in English;
// "10,0 MB" in Spanish).
func (l *Locale) Size(n int64) string {
	switch {
	case n < 1024:
		return l.Number(n) + " B"
	case n < 1<<20:
		return l.Number((n+512)/1024) + " KB"
	}
	return l.Decimal(float64(n)/(1<<20)) + " MB"
}

// toInt64 reads a count of any integer type, as templates pass them.
func toInt64(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case uint:
		return int64(n)
	case uint64:
		return int64(n)
	case uint32:
		return int64(n)
	}
	return 0
}
