package form

import (
	"strings"
	"unicode"
)

// mixedScript reports whether a part of an email address (the local part
// or one label of the domain) mixes letters of scripts that no language
// writes together, as look-alike addresses do: a Cyrillic "а" inside
// "acme" makes "аcme" another address that reads the same. The rule is
// the "highly restrictive" level of Unicode's UTS #39: one script per
// part, or Latin with the scripts that Chinese, Japanese and Korean write
// beside it. Digits, punctuation and combining marks belong to any script.
func mixedScript(email string) bool {
	for _, part := range strings.FieldsFunc(email, func(r rune) bool { return r == '@' || r == '.' }) {
		if !singleScript(part) {
			return true
		}
	}
	return false
}

// cjk are the script sets that may mix in one part.
var cjk = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

func singleScript(part string) bool {
	var seen []*unicode.RangeTable
	for _, r := range part {
		if r < 0x80 && !unicode.IsLetter(r) {
			continue
		}
		if unicode.In(r, unicode.Common, unicode.Inherited) {
			continue
		}
		t := scriptOf(r)
		if t == nil {
			return false // a letter of no known script: refuse rather than guess
		}
		if !containsTable(seen, t) {
			seen = append(seen, t)
		}
	}
	if len(seen) <= 1 {
		return true
	}
	for _, allowed := range cjk {
		ok := true
		for _, t := range seen {
			ok = ok && containsTable(allowed, t)
		}
		if ok {
			return true
		}
	}
	return false
}

func scriptOf(r rune) *unicode.RangeTable {
	if r < 0x80 {
		return unicode.Latin
	}
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

func containsTable(ts []*unicode.RangeTable, t *unicode.RangeTable) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}
