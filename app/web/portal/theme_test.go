package portal

import (
	"strings"
	"testing"
)

// The stylesheet carries a shade per use: a light yellow keeps its fill
// (under dark text) but links and rings get darker shades of it.
func TestThemeVarsDeriveShades(t *testing.T) {
	css := themeVars("#facc15", "#0f766e")
	for _, want := range []string{"--brand:250 204 21;", "--brand-contrast:17 24 39;", "--brand-text:136 109 0;", "--brand-ring:171 138 0;", "--accent:15 118 110;", "--accent-text:15 118 110}"} {
		if !strings.Contains(css, want) {
			t.Errorf("theme for #facc15 lacks %q:\n%s", want, css)
		}
	}
	// A colour that cannot be read falls back to the defaults, in one rule.
	css = themeVars("#fff;}body{x:y}", "</style>")
	if strings.Count(css, "}") != 1 || !strings.Contains(css, "--brand:37 99 235;") || strings.Contains(css, "body") {
		t.Errorf("theme for unreadable colours: %s", css)
	}
}
