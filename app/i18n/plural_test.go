package i18n

import "testing"

// Counts take CLDR's plural forms in each language: one for 1, other for
// 0, 2 and many, with the count written the language's way.
func TestPluralForms(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 tickets found"},
		{"en", 1, "1 ticket found"},
		{"en", 2, "2 tickets found"},
		{"en", 1234, "1,234 tickets found"},
		{"en", 1000000, "1,000,000 tickets found"},
		{"es", 0, "0 tickets encontrados"},
		{"es", 1, "1 ticket encontrado"},
		{"es", 2, "2 tickets encontrados"},
		{"es", 1234, "1.234 tickets encontrados"},
		{"es", 1000000, "1.000.000 tickets encontrados"},
	}
	for _, c := range cases {
		if got := b.Locale(c.lang).N("tickets.count", c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := b.Locale("es").N("upload.hint", 1, "10,0 MB"); got != "Hasta 1 archivo, de 10,0 MB." {
		t.Errorf("arguments follow the count: %q", got)
	}
	if got := b.Locale("en").N("upload.hint", int64(5), "2 MB"); got != "Up to 5 files, 2 MB each." {
		t.Errorf("any integer type counts: %q", got)
	}
	if got := b.Locale("en").N("records.company_more_contacts", 1); got != "Showing the first contact." {
		t.Errorf("a form may leave the count out: %q", got)
	}
	if got := b.Locale("en").N("settings.filter_preview_result", 1, "ana@example.com"); got != "ana@example.com would see 1 ticket with these rules (nothing was saved):" {
		t.Errorf("arguments may come before the count: %q", got)
	}
	for _, f := range []struct {
		lang string
		n    int64
		want string
	}{{"en", 1, "one"}, {"en", 0, "other"}, {"es", 1, "one"}, {"es", 2, "other"}, {"es", -1, "one"}} {
		if got := PluralForm(f.lang, f.n); got != f.want {
			t.Errorf("PluralForm(%s, %d) = %s, want %s", f.lang, f.n, got, f.want)
		}
	}
}

// Numbers and sizes are written the language's way.
func TestLocaleNumbersAndSizes(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en, es := b.Locale("en"), b.Locale("es")
	cases := []struct{ got, want string }{
		{en.Number(0), "0"},
		{en.Number(999), "999"},
		{en.Number(1234), "1,234"},
		{en.Number(-1234567), "-1,234,567"},
		{es.Number(1234), "1.234"},
		{es.Number(123456), "123.456"},
		{en.Size(512), "512 B"},
		{en.Size(1536), "2 KB"},
		{en.Size(10 << 20), "10.0 MB"},
		{es.Size(10 << 20), "10,0 MB"},
		{es.Size(1500 << 20), "1.500,0 MB"},
		{es.Size(5<<20 + 512<<10), "5,5 MB"},
		{es.Decimal(0.25), "0,2"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: %q, want %q", i, c.got, c.want)
		}
	}
}
