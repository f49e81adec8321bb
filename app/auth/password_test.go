package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	pw := "correct horse battery staple"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(pw)
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the OWASP parameters", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no random salt")
	}
	if strings.Contains(h1, pw) {
		t.Error("the hash holds the password")
	}
	long1 := strings.Repeat("x", 80) + "-one"
	long2 := strings.Repeat("x", 80) + "-two"
	hl, _ := HashPassword(long1)
	cases := []struct {
		name string
		hash string
		pw   string
		want bool
	}{
		{"right", h1, pw, true},
		{"right, other salt", h2, pw, true},
		{"wrong", h1, "correct horse battery stapler", false},
		{"case", h1, strings.ToUpper(pw), false},
		{"long, right", hl, long1, true},
		// No bcrypt-like truncation at 72 bytes: the two share 80.
		{"long, same first 80 bytes", hl, long2, false},
		{"no password set", "", "", false},
		{"garbage hash", "$argon2id$garbage", pw, false},
		{"other algorithm", strings.Replace(h1, "argon2id", "argon2i", 1), pw, false},
		{"bad salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!$" + strings.Split(h1, "$")[5], pw, false},
		{"too long to check", hl, strings.Repeat("x", MaxPasswordLength+1), false},
	}
	for _, tc := range cases {
		if got := VerifyPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("%s: VerifyPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pw   string
		want error
	}{
		{"", ErrPasswordShort},
		{"short", ErrPasswordShort},
		{"seven77", ErrPasswordShort},
		{"ééééééé", ErrPasswordShort}, // 7 characters, 14 bytes
		{"éééééééé", nil},             // 8 characters
		{"eight8x8", nil},
		{"        ", ErrPasswordBlank},               // eight spaces
		{"\t\t  \u00a0\u2003\n  ", ErrPasswordBlank}, // any kind of space
		{"  two  words  ", nil},
		{"all lowercase no digits", nil}, // no composition rules
		{"12345678", ErrPasswordCommon},
		{"password", ErrPasswordCommon},
		{"PassWord", ErrPasswordCommon}, // case does not help
		{"qwertyuiop", ErrPasswordCommon},
		{"sunshine", ErrPasswordCommon},
		{"1qaz2wsx", ErrPasswordCommon},
		{strings.Repeat("a", MaxPasswordLength), nil},
		{strings.Repeat("a", MaxPasswordLength+1), ErrPasswordLong},
	}
	for _, tc := range cases {
		if got := CheckPassword(tc.pw); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("CheckPassword(%.20q…) = %v, want %v", tc.pw, got, tc.want)
		}
	}
	// The list is a real one: well beyond ten thousand entries.
	if n := len(commonPasswords()); n < 10000 {
		t.Errorf("the common-password list has %d entries, want at least 10,000", n)
	}
	// Every entry of the list (of allowed length) is refused.
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") || len([]rune(w)) < MinPasswordLength {
			continue
		}
		if err := CheckPassword(w); !errors.Is(err, ErrPasswordCommon) {
			t.Errorf("common password %q: %v", w, err)
		}
	}
}
