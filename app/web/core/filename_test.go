package core

import "testing"

func TestCleanFilename(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"invoice\u202efdp.exe", "invoicefdp.exe"}, // right-to-left override
		{"\u202dreport\u202c.pdf", "report.pdf"},   // left-to-right override and pop
		{"a\u2066b\u2067c\u2068d\u2069.txt", "abcd.txt"},
		{"x\u200e\u200f\u061c.png", "x.png"}, // marks
		{"zero\u200bwidth\ufeff.txt", "zerowidth.txt"},
		{"line\u2028break\u2029.txt", "linebreak.txt"},
		{"tab\tnul\x00del\x7f c1\u0085.txt", "tabnuldel c1.txt"},
		{"bad\xffbyte.txt", "badbyte.txt"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\ana\factura.pdf`, "factura.pdf"},
		{"año-日本語.pdf", "año-日本語.pdf"}, // letters of any script stay
		{"\u202e", "attachment"},
	}
	for _, tc := range cases {
		if got := cleanFilename(tc.in); got != tc.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
