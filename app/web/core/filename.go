package core

import (
	"unicode"
	"unicode/utf8"
)

// unsafeInFilename reports whether a character is dropped from an uploaded
// file's name: control characters, invalid bytes, line and paragraph
// separators, and the invisible format characters, among them the
// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
// that make "invoice\u202efdp.exe" read as "invoiceexe.pdf".
func unsafeInFilename(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
