package model

import (
	"encoding/json"
	"fmt"
	"testing"
)

// Settings saved when texts were single strings still load: the string
// becomes the untagged text, shown in every language that has none.
func TestTextLoadsOldStrings(t *testing.T) {
	old := `{"title":"Help Center","language":"en","languages":["en","es"],
		"menu":[{"label":"Status","url":"/status"}],
		"pages":{"login":{"heading":"Welcome","intro":""}}}`
	var s PortalSettings
	if err := json.Unmarshal([]byte(old), &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Title.In("es", "en"); got != "Help Center" {
		t.Errorf("old title in Spanish: %q", got)
	}
	if got := s.Menu[0].Label.In("en", "en"); got != "Status" {
		t.Errorf("old menu label: %q", got)
	}
	if got := s.Pages["login"].Heading.In("es", "en"); got != "Welcome" {
		t.Errorf("old page heading: %q", got)
	}
	if !s.Pages["login"].Intro.IsEmpty() {
		t.Errorf("an empty old string is no text: %#v", s.Pages["login"].Intro)
	}
	// Saved again unchanged, it is the same plain string.
	b, err := json.Marshal(s.Title)
	if err != nil || string(b) != `"Help Center"` {
		t.Errorf("old title saved as %s (%v)", b, err)
	}
}

// A text falls back from the asked language to the default one, then to
// the untagged text, then to nothing (Portico's own default).
func TestTextFallback(t *testing.T) {
	cases := []struct {
		text       Text
		lang, def  string
		want, edit string
	}{
		{Text{"en": "Help", "es": "Ayuda"}, "es", "en", "Ayuda", "Ayuda"},
		{Text{"en": "Help", "es": "Ayuda"}, "en", "en", "Help", "Help"},
		{Text{"en": "Help"}, "es", "en", "Help", ""},
		{Text{"es": "Ayuda"}, "en", "es", "Ayuda", ""},
		{Text{"": "Old", "es": "Ayuda"}, "en", "en", "Old", "Old"},
		{Text{"": "Old", "es": "Ayuda"}, "es", "en", "Ayuda", "Ayuda"},
		{Text{"": "Old"}, "es", "en", "Old", ""},
		{Text{"en": "", "es": ""}, "en", "en", "", ""},
		{nil, "en", "en", "", ""},
	}
	for i, c := range cases {
		if got := c.text.In(c.lang, c.def); got != c.want {
			t.Errorf("case %d: In = %q, want %q", i, got, c.want)
		}
		if got := c.text.Own(c.lang, c.def); got != c.edit {
			t.Errorf("case %d: Own = %q, want %q", i, got, c.edit)
		}
	}
}

// Texts round-trip through JSON and through a text column.
func TestTextRoundTrip(t *testing.T) {
	in := Text{"en": "Help", "es": "Ayuda", "fr": ""}
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"en":"Help","es":"Ayuda"}` {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var out Text
	if err := json.Unmarshal(b, &out); err != nil || len(out) != 2 || out["es"] != "Ayuda" {
		t.Fatalf("unmarshal: %#v %v", out, err)
	}
	if err := json.Unmarshal([]byte(`42`), &out); err == nil {
		t.Error("a number is no text")
	}
	v, err := in.Value()
	if err != nil || v != `{"en":"Help","es":"Ayuda"}` {
		t.Fatalf("value: %v %v", v, err)
	}
	var back Text
	if err := back.Scan([]byte(v.(string))); err != nil || back["en"] != "Help" {
		t.Fatalf("scan: %#v %v", back, err)
	}
	// A column written before texts had languages is a plain string,
	// even one that starts like JSON.
	for _, old := range []string{"I agree to the terms", "{not json", ""} {
		var tx Text
		if err := tx.Scan(old); err != nil || tx.In("es", "en") != old {
			t.Errorf("old column %q read as %#v (%v)", old, tx, err)
		}
		if v, _ := tx.Value(); v != old {
			t.Errorf("old column %q written back as %v", old, v)
		}
	}
	if b, _ := json.Marshal(struct{ T Text }{}); string(b) != `{"T":""}` {
		t.Errorf("no text marshals as an empty string: %s", b)
	}
}

// A text read again comes from the cache of decoded texts; what one
// reader changes in its copy never reaches the next.
func TestTextScanCopies(t *testing.T) {
	const raw = `{"en":"Waiting on you","es":"Esperando tu respuesta","fr":""}`
	var a, b Text
	if err := a.Scan(raw); err != nil {
		t.Fatal(err)
	}
	a["en"] = "changed"
	delete(a, "es")
	if err := b.Scan([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 || b["en"] != "Waiting on you" || b["es"] != "Esperando tu respuesta" {
		t.Fatalf("second read %v after the first reader changed its copy", b)
	}
	// Many texts: the cache starts again rather than growing.
	for i := range 3 * textCacheSize {
		var x Text
		if err := x.Scan(fmt.Sprintf(`{"en":"stage %d"}`, i)); err != nil || x["en"] != fmt.Sprintf("stage %d", i) {
			t.Fatalf("text %d: %v %v", i, x, err)
		}
	}
	if n := len(decoded.m); n > textCacheSize {
		t.Errorf("cache holds %d texts", n)
	}
}
