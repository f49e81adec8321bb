package brand

import (
	"errors"
	"testing"
)

func TestContrastOfKnownPairs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54},
		{"#2563eb", "#ffffff", 5.17},
	} {
		a, _ := Parse(tc.a)
		b, _ := Parse(tc.b)
		if got := Contrast(a, b); got < tc.want-0.01 || got > tc.want+0.01 {
			t.Errorf("contrast %s on %s = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

// Every derived shade reaches its WCAG target on every page background,
// whether the chosen colour is light, dark or grey; a colour that already
// passes is kept as it is.
func TestDerivedShadesPassAA(t *testing.T) {
	for _, tc := range []struct {
		hex                string
		keepText, keepFill bool
	}{
		{"#facc15", false, true}, // light yellow: darker text, dark text on the yellow fill
		{"#ffffff", false, true}, // white: a grey for text, dark text on a white fill
		{"#000000", true, true},
		{"#2563eb", true, true},
		{"#808080", false, false}, // mid grey: neither white nor near-black reads on it
		{"#777777", false, false}, // 4.48:1 with white: a step darker
	} {
		p, err := Derive(tc.hex)
		if err != nil {
			t.Fatalf("%s: %v", tc.hex, err)
		}
		for _, bg := range Backgrounds {
			if c := Contrast(p.Text, bg); c < TextContrast {
				t.Errorf("%s: text %s on %s is %.2f:1", tc.hex, p.Text.Hex(), bg.Hex(), c)
			}
			if c := Contrast(p.Ring, bg); c < UIContrast {
				t.Errorf("%s: ring %s on %s is %.2f:1", tc.hex, p.Ring.Hex(), bg.Hex(), c)
			}
		}
		if c := Contrast(p.OnFill, p.Fill); c < TextContrast {
			t.Errorf("%s: button text %s on %s is %.2f:1", tc.hex, p.OnFill.Hex(), p.Fill.Hex(), c)
		}
		if (p.Text == p.Chosen) != tc.keepText {
			t.Errorf("%s: text shade %s, kept = %v, want %v", tc.hex, p.Text.Hex(), p.Text == p.Chosen, tc.keepText)
		}
		if (p.Fill == p.Chosen) != tc.keepFill {
			t.Errorf("%s: fill %s, kept = %v, want %v", tc.hex, p.Fill.Hex(), p.Fill == p.Chosen, tc.keepFill)
		}
		t.Logf("%s: text %s (%.2f:1 on white), ring %s (%.2f:1), fill %s with %s (%.2f:1)", tc.hex,
			p.Text.Hex(), Contrast(p.Text, White), p.Ring.Hex(), Contrast(p.Ring, White),
			p.Fill.Hex(), p.OnFill.Hex(), Contrast(p.OnFill, p.Fill))
	}
}

// A shade keeps the hue: the yellow's text shade is a dark yellow, not grey.
func TestShadeKeepsHue(t *testing.T) {
	p, _ := Derive("#facc15")
	if !(p.Text.R > p.Text.B+40 && p.Text.G > p.Text.B+20) {
		t.Errorf("text shade of #facc15 is %s, not a yellow", p.Text.Hex())
	}
	// and moves no further than it needs: one step lighter fails.
	l := toLCH(p.Text)
	if lighter := (lch{l.L + 0.01, l.C, l.H}).rgb(); minContrast(lighter, Backgrounds) >= TextContrast {
		t.Errorf("text shade %s is darker than needed (%s passes too)", p.Text.Hex(), lighter.Hex())
	}
}

func TestAccentTextReadsOnItsTint(t *testing.T) {
	for _, hex := range []string{"#0f766e", "#facc15", "#ffffff", "#000000", "#808080"} {
		a, err := DeriveAccent(hex)
		if err != nil {
			t.Fatalf("%s: %v", hex, err)
		}
		if c := Contrast(a.Text, Tint(a.Chosen, AccentTint)); c < TextContrast {
			t.Errorf("%s: accent text %s on its tint is %.2f:1", hex, a.Text.Hex(), c)
		}
	}
}

func TestRefusesWhatItCannotRead(t *testing.T) {
	for _, hex := range []string{"", "#fff", "#gggggg", "red"} {
		if _, err := Derive(hex); err == nil || errors.Is(err, ErrNoShade) {
			t.Errorf("%q: %v", hex, err)
		}
	}
}
