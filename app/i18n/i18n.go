// Package i18n translates Portico's strings. Each language is a JSON file
// in locales/ named by its code (en.json), plus optional parts named
// code.area.json; adding a file adds a language.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localesFS embed.FS

// Fallback is the language used for a missing translation.
const Fallback = "en"

// Bundle holds every language's messages.
type Bundle struct {
	messages map[string]map[string]string
	tags     []language.Tag
	codes    []string
	matcher  language.Matcher
}

// Load reads every embedded locale file.
func Load() (*Bundle, error) {
	entries, err := localesFS.ReadDir("locales")
	if err != nil {
		return nil, err
	}
	b := &Bundle{messages: map[string]map[string]string{}}
	for _, e := range entries {
		// "es.json" and "es.admin.json" both hold Spanish: each area of
		// the app keeps its strings in a file of its own.
		name := strings.TrimSuffix(e.Name(), ".json")
		code, _, _ := strings.Cut(name, ".")
		raw, err := localesFS.ReadFile(path.Join("locales", e.Name()))
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", e.Name(), err)
		}
		if b.messages[code] == nil {
			b.messages[code] = map[string]string{}
			b.codes = append(b.codes, code)
		}
		for k, v := range m {
			if _, dup := b.messages[code][k]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is defined twice", e.Name(), k)
			}
			b.messages[code][k] = v
		}
	}
	sort.Strings(b.codes)
	// The fallback goes first: the matcher answers it when nothing fits.
	sort.SliceStable(b.codes, func(i, j int) bool { return b.codes[i] == Fallback })
	for _, c := range b.codes {
		b.tags = append(b.tags, language.Make(c))
	}
	b.matcher = language.NewMatcher(b.tags)
	return b, nil
}

// Codes lists the available languages, fallback first.
func (b *Bundle) Codes() []string { return b.codes }

// Has reports whether a language is available.
func (b *Bundle) Has(code string) bool { _, ok := b.messages[code]; return ok }

// Match picks the best available language among the allowed ones for an
// Accept-Language header. It answers def when nothing matches.
func (b *Bundle) Match(acceptLanguage string, allowed []string, def string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return def
	}
	var cands []language.Tag
	var codes []string
	for _, c := range allowed {
		if b.Has(c) {
			cands = append(cands, language.Make(c))
			codes = append(codes, c)
		}
	}
	if len(cands) == 0 {
		return def
	}
	_, idx, conf := language.NewMatcher(cands).Match(tags...)
	if conf == language.No {
		return def
	}
	return codes[idx]
}

// Locale translates into one language.
type Locale struct {
	Code string
	// Default is the portal's default language: an admin's text with no
	// version in Code is shown in it.
	Default  string
	messages map[string]string
	fallback map[string]string
}

// Locale returns the translator for a language, or the fallback's.
func (b *Bundle) Locale(code string) *Locale {
	m, ok := b.messages[code]
	if !ok {
		code, m = Fallback, b.messages[Fallback]
	}
	return &Locale{Code: code, messages: m, fallback: b.messages[Fallback]}
}

// T translates a key. Arguments fill %s/%d verbs in the message. A missing
// key shows itself, so that it is noticed.
func (l *Locale) T(key string, args ...any) string {
	msg, ok := l.messages[key]
	if !ok {
		msg, ok = l.fallback[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Date formats a time with the language's date layout ("format.date", a
// Go layout), in UTC.
func (l *Locale) Date(t time.Time) string {
	return t.UTC().Format(l.T("format.date"))
}

// DateTime formats a time with the language's date and time layout.
func (l *Locale) DateTime(t time.Time) string {
	return t.UTC().Format(l.T("format.datetime"))
}

// ISO formats a time for a <time datetime> attribute.
func (l *Locale) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Pick is an admin's text (language code to text) in this language, else
// in the portal's default language, else its untagged text (written
// before texts had languages), else "".
func (l *Locale) Pick(t map[string]string) string {
	if v := t[l.Code]; v != "" {
		return v
	}
	if v := t[l.Default]; v != "" {
		return v
	}
	return t[""]
}

// PickOr is Pick, or the translation of key when the admin wrote nothing.
func (l *Locale) PickOr(t map[string]string, key string) string {
	if v := l.Pick(t); v != "" {
		return v
	}
	return l.T(key)
}
