// Package brand derives, from the colours an admin chooses, the shades the
// portal can use without lowering contrast below WCAG AA: a shade for
// links and brand text, one for focus rings and field borders, the fill of
// buttons with the text colour that reads on it, and the same for the
// accent colour. The shades keep the chosen hue and move only its
// lightness (in OKLCH, where lightness is perceptually even), as little as
// the contrast needs.
package brand

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Contrast targets of WCAG 2.2 AA.
const (
	TextContrast = 4.5 // text and links (1.4.3)
	UIContrast   = 3.0 // focus rings and the borders of controls (1.4.11)
)

// Backgrounds the brand shades sit on: white cards, the portal's slate-50
// page and the slate-100 of the back office and of notices. Passing on
// the darkest of them passes on all.
var Backgrounds = []RGB{{255, 255, 255}, {0xf8, 0xfa, 0xfc}, {0xf1, 0xf5, 0xf9}}

// Text colours that buttons may use on a brand fill.
var (
	White     = RGB{255, 255, 255}
	NearBlack = RGB{0x11, 0x18, 0x27}
)

// ErrNoShade is returned when no shade of a colour reaches the contrast
// it needs.
var ErrNoShade = errors.New("brand: no accessible shade of this colour")

// RGB is an 8-bit sRGB colour.
type RGB struct{ R, G, B uint8 }

// Parse reads "#rrggbb".
func Parse(hex string) (RGB, error) {
	h := strings.TrimPrefix(strings.TrimSpace(hex), "#")
	if len(h) != 6 {
		return RGB{}, fmt.Errorf("brand: %q is not #rrggbb", hex)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return RGB{}, fmt.Errorf("brand: %q is not #rrggbb", hex)
	}
	return RGB{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// Hex writes "#rrggbb".
func (c RGB) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Triplet writes "r g b", the form the stylesheet's variables take.
func (c RGB) Triplet() string { return fmt.Sprintf("%d %d %d", c.R, c.G, c.B) }

func linear(u uint8) float64 {
	f := float64(u) / 255
	if f <= 0.04045 {
		return f / 12.92
	}
	return math.Pow((f+0.055)/1.055, 2.4)
}

func gamma(f float64) float64 {
	if f <= 0.0031308 {
		return 12.92 * f
	}
	return 1.055*math.Pow(f, 1/2.4) - 0.055
}

// Luminance is the WCAG relative luminance.
func (c RGB) Luminance() float64 {
	return 0.2126*linear(c.R) + 0.7152*linear(c.G) + 0.0722*linear(c.B)
}

// Contrast is the WCAG contrast ratio of two colours.
func Contrast(a, b RGB) float64 {
	la, lb := a.Luminance(), b.Luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// minContrast is the lowest contrast of c against any of bgs.
func minContrast(c RGB, bgs []RGB) float64 {
	m := math.Inf(1)
	for _, b := range bgs {
		m = min(m, Contrast(c, b))
	}
	return m
}

// lch is a colour in OKLCH.
type lch struct{ L, C, H float64 }

func toLCH(c RGB) lch {
	r, g, b := linear(c.R), linear(c.G), linear(c.B)
	l := math.Cbrt(0.4122214708*r + 0.5363325363*g + 0.0514459929*b)
	m := math.Cbrt(0.2119034982*r + 0.6806995451*g + 0.1073969566*b)
	s := math.Cbrt(0.0883024619*r + 0.2817188376*g + 0.6299787005*b)
	L := 0.2104542553*l + 0.7936177850*m - 0.0040720468*s
	A := 1.9779984951*l - 2.4285922050*m + 0.4505937099*s
	B := 0.0259040371*l + 0.7827717662*m - 0.8086757660*s
	return lch{L, math.Hypot(A, B), math.Atan2(B, A)}
}

// linearRGB converts OKLCH to linear sRGB, possibly out of gamut.
func (p lch) linearRGB() (float64, float64, float64) {
	A, B := p.C*math.Cos(p.H), p.C*math.Sin(p.H)
	l := p.L + 0.3963377774*A + 0.2158037573*B
	m := p.L - 0.1055613458*A - 0.0638541728*B
	s := p.L - 0.0894841775*A - 1.2914855480*B
	l, m, s = l*l*l, m*m*m, s*s*s
	return 4.0767416621*l - 3.3077115913*m + 0.2309699292*s,
		-1.2684380046*l + 2.6097574011*m - 0.3413193965*s,
		-0.0041960863*l - 0.7034186147*m + 1.7076147010*s
}

func inGamut(r, g, b float64) bool {
	const e = 1e-6
	return r >= -e && r <= 1+e && g >= -e && g <= 1+e && b >= -e && b <= 1+e
}

// rgb maps p into sRGB, lowering its chroma until it fits, and rounds it.
func (p lch) rgb() RGB {
	r, g, b := p.linearRGB()
	if !inGamut(r, g, b) {
		lo, hi := 0.0, p.C
		for range 24 {
			mid := (lo + hi) / 2
			if r2, g2, b2 := (lch{p.L, mid, p.H}).linearRGB(); inGamut(r2, g2, b2) {
				lo = mid
			} else {
				hi = mid
			}
		}
		r, g, b = (lch{p.L, lo, p.H}).linearRGB()
	}
	to8 := func(f float64) uint8 {
		return uint8(math.Round(math.Min(math.Max(gamma(math.Min(math.Max(f, 0), 1)), 0), 1) * 255))
	}
	return RGB{to8(r), to8(g), to8(b)}
}

// shade returns c itself when ok(c), else the nearest shade of c, darker
// (dir < 0) or lighter (dir > 0) in OKLCH lightness, for which ok holds.
func shade(c RGB, dir float64, ok func(RGB) bool) (RGB, bool) {
	if ok(c) {
		return c, true
	}
	p := toLCH(c)
	for l := p.L; l >= 0 && l <= 1; l += dir * 0.005 {
		if s := (lch{l, p.C, p.H}).rgb(); ok(s) {
			return s, true
		}
	}
	end := RGB{}
	if dir > 0 {
		end = RGB{255, 255, 255}
	}
	return end, ok(end)
}

// Palette holds the shades derived from one chosen colour.
type Palette struct {
	Chosen RGB
	Fill   RGB // background of buttons and the logo tile
	OnFill RGB // text on Fill: white or near-black
	Text   RGB // links and brand text on the page backgrounds
	Ring   RGB // focus rings and focused field borders on the page backgrounds
}

// Derive computes the palette of a "#rrggbb" colour. It fails only with a
// colour it cannot read, or when no shade reaches the contrast needed.
func Derive(hex string) (Palette, error) {
	c, err := Parse(hex)
	if err != nil {
		return Palette{}, err
	}
	p := Palette{Chosen: c}
	var ok bool
	if p.Text, ok = shade(c, -1, func(s RGB) bool { return minContrast(s, Backgrounds) >= TextContrast }); !ok {
		return p, ErrNoShade
	}
	if p.Ring, ok = shade(c, -1, func(s RGB) bool { return minContrast(s, Backgrounds) >= UIContrast }); !ok {
		return p, ErrNoShade
	}
	// The chosen colour stays the fill whenever white or near-black text
	// reads on it; otherwise the fill moves the shorter way: darker under
	// white text or lighter under dark text.
	textOn := func(s RGB) RGB {
		if Contrast(s, White) >= Contrast(s, NearBlack) {
			return White
		}
		return NearBlack
	}
	if Contrast(c, textOn(c)) >= TextContrast {
		p.Fill, p.OnFill = c, textOn(c)
		return p, nil
	}
	dark, okDark := shade(c, -1, func(s RGB) bool { return Contrast(s, White) >= TextContrast })
	light, okLight := shade(c, +1, func(s RGB) bool { return Contrast(s, NearBlack) >= TextContrast })
	switch {
	case okDark && (!okLight || math.Abs(toLCH(dark).L-toLCH(c).L) <= math.Abs(toLCH(light).L-toLCH(c).L)):
		p.Fill, p.OnFill = dark, White
	case okLight:
		p.Fill, p.OnFill = light, NearBlack
	default:
		return p, ErrNoShade
	}
	return p, nil
}

// Tint is c laid at alpha over white, as a translucent fill shows.
func Tint(c RGB, alpha float64) RGB {
	mix := func(u uint8) uint8 { return uint8(math.Round(float64(u)*alpha + 255*(1-alpha))) }
	return RGB{mix(c.R), mix(c.G), mix(c.B)}
}

// AccentTint is the opacity of the accent's tinted tags (bg-accent/10).
const AccentTint = 0.1

// Accent holds the shades of the accent colour, which marks the support
// team's messages: the colour itself for borders, and a text shade that
// reads on the page backgrounds and on the accent's own tint.
type Accent struct {
	Chosen RGB
	Text   RGB
}

// DeriveAccent computes the accent's text shade.
func DeriveAccent(hex string) (Accent, error) {
	c, err := Parse(hex)
	if err != nil {
		return Accent{}, err
	}
	bgs := append(append([]RGB{}, Backgrounds...), Tint(c, AccentTint))
	t, ok := shade(c, -1, func(s RGB) bool { return minContrast(s, bgs) >= TextContrast })
	if !ok {
		return Accent{Chosen: c}, ErrNoShade
	}
	return Accent{Chosen: c, Text: t}, nil
}
