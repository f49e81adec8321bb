package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
)

// Text is a text an admin writes, once per language: language code to
// text. Before texts were kept per language they were single strings;
// such a string loads as the text of no language in particular, under
// the empty key, and is shown where a language has no text of its own.
type Text map[string]string

// Untagged is the key of a text written before texts had languages.
const Untagged = ""

// PlainText is a text of no particular language.
func PlainText(s string) Text {
	if s == "" {
		return nil
	}
	return Text{Untagged: s}
}

// In is the text in lang, else in the portal's default language def,
// else the untagged text, else "" (the caller then shows Portico's own
// translated default).
func (t Text) In(lang, def string) string {
	if v := t[lang]; v != "" {
		return v
	}
	if v := t[def]; v != "" {
		return v
	}
	return t[Untagged]
}

// Own is what an admin sees in lang's input when editing: the text of
// that language, and for the default language the untagged text too, so
// that an old single string reappears in the default language's input.
func (t Text) Own(lang, def string) string {
	if v := t[lang]; v != "" || lang != def {
		return v
	}
	return t[Untagged]
}

// IsEmpty tells whether no language has a text.
func (t Text) IsEmpty() bool {
	for _, v := range t {
		if v != "" {
			return false
		}
	}
	return true
}

// Clean drops empty entries, and returns nil when nothing is left.
func (t Text) Clean() Text {
	var out Text
	for k, v := range t {
		if v == "" {
			continue
		}
		if out == nil {
			out = Text{}
		}
		out[k] = v
	}
	return out
}

// MarshalJSON writes an untagged text as the plain string it was, and any
// other as an object of language codes.
func (t Text) MarshalJSON() ([]byte, error) {
	t = t.Clean()
	if len(t) == 0 {
		return []byte(`""`), nil
	}
	if v, ok := t[Untagged]; ok && len(t) == 1 {
		return json.Marshal(v)
	}
	return json.Marshal(map[string]string(t))
}

// UnmarshalJSON reads a plain string (an old text) or an object of
// language codes.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = PlainText(s)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("model: a text is a string or an object of languages: %w", err)
	}
	*t = Text(m).Clean()
	return nil
}

// Value stores a text in a text column: as the plain string of an old
// text, else as its JSON object.
func (t Text) Value() (driver.Value, error) {
	t = t.Clean()
	if len(t) == 0 {
		return "", nil
	}
	if v, ok := t[Untagged]; ok && len(t) == 1 {
		return v, nil
	}
	b, err := json.Marshal(map[string]string(t))
	return string(b), err
}

// Scan reads a text column: a JSON object of languages, or a plain
// string written before texts had languages.
func (t *Text) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*t = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("model: unable to read a text from %T", src)
	}
	if strings.HasPrefix(s, "{") {
		if m, ok := decoded.get(s); ok {
			*t = maps.Clone(m)
			return nil
		}
		var m map[string]string
		if json.Unmarshal([]byte(s), &m) == nil {
			*t = Text(m).Clean()
			decoded.put(s, *t)
			return nil
		}
	}
	*t = PlainText(s)
	return nil
}

// decoded keeps the texts read lately, by their JSON: a list of tickets
// reads each stage's names once per row, and the same few stages recur.
// Readers get a copy, so one may change what it read.
var decoded = textCache{m: map[string]Text{}}

type textCache struct {
	mu sync.RWMutex
	m  map[string]Text
}

const textCacheSize = 256

func (c *textCache) get(s string) (Text, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.m[s]
	return t, ok
}

func (c *textCache) put(s string, t Text) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= textCacheSize {
		clear(c.m) // texts change seldom: starting again is enough
	}
	c.m[s] = maps.Clone(t)
}
