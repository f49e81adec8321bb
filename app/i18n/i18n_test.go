package i18n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every language must translate every key the fallback has, with the same
// format verbs, so that no screen falls back to English silently.
func TestLanguagesAreComplete(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Codes()) < 2 || b.Codes()[0] != Fallback {
		t.Fatalf("codes: %v", b.Codes())
	}
	verbs := regexp.MustCompile(`%[sdv]`)
	for _, code := range b.Codes()[1:] {
		var missing []string
		for k, v := range b.messages[Fallback] {
			tr, ok := b.messages[code][k]
			if !ok {
				missing = append(missing, k)
				continue
			}
			if strings.Join(verbs.FindAllString(v, -1), "") != strings.Join(verbs.FindAllString(tr, -1), "") {
				t.Errorf("%s: %q has other format verbs than the %s text", code, k, Fallback)
			}
		}
		for k := range b.messages[code] {
			// A language may count in more forms than the fallback
			// ("many"), beside the "other" form every counted key has.
			if base, form, ok := cutForm(k); ok && form != "other" {
				if _, ok := b.messages[Fallback][base+".other"]; ok {
					continue
				}
			}
			if _, ok := b.messages[Fallback][k]; !ok {
				t.Errorf("%s: %q is not in the %s file", code, k, Fallback)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s lacks %d keys: %v", code, len(missing), missing)
		}
	}
}

// Every key the templates ask for exists.
func TestTemplateKeysExist(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\.T "([a-z_]+\.[a-z_.]+)"`)
	counted := regexp.MustCompile(`\.N "([a-z_]+\.[a-z_.]+)"`)
	root := filepath.Join("..", "..", "views")
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			if _, ok := b.messages[Fallback][m[1]]; !ok {
				t.Errorf("%s uses %q, which no locale file defines", p, m[1])
			}
		}
		for _, m := range counted.FindAllStringSubmatch(string(raw), -1) {
			if _, ok := b.messages[Fallback][m[1]+".other"]; !ok {
				t.Errorf("%s counts with %q, which has no %q form", p, m[1], m[1]+".other")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMatchAndFallback(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ header, want string }{
		{"es-ES,es;q=0.9,en;q=0.8", "es"},
		{"fr-FR,fr;q=0.9", "en"},
		{"", "en"},
		{"en-GB", "en"},
		{"de;q=0.5,es-MX;q=0.9", "es"},
	}
	for _, c := range cases {
		if got := b.Match(c.header, []string{"en", "es"}, "en"); got != c.want {
			t.Errorf("Match(%q) = %q, want %q", c.header, got, c.want)
		}
	}
	if got := b.Match("es", []string{"en"}, "en"); got != "en" {
		t.Errorf("a language that is not enabled is not chosen: %q", got)
	}
	if b.Locale("xx").Code != Fallback {
		t.Error("an unknown language falls back")
	}
	if got := b.Locale("es").T("no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows itself: %q", got)
	}
	var m map[string]string
	raw, _ := localesFS.ReadFile("locales/es.json")
	if err := json.Unmarshal(raw, &m); err != nil || m["login.title"] == "" {
		t.Fatal("es.json holds the portal strings")
	}
	if got := b.Locale("es").T("tickets.page_of", 2, 5); got != "Página 2 de 5" {
		t.Errorf("arguments fill the message: %q", got)
	}
}

// cutForm splits a counted message's key into its base and plural form.
func cutForm(key string) (base, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", "", false
	}
	for _, f := range PluralForms {
		if key[i+1:] == f {
			return key[:i], f, true
		}
	}
	return "", "", false
}
