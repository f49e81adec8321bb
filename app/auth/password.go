// Package auth holds passwords, sessions and rate limits.
package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest password accepted. There are no
// composition rules; common passwords are refused instead.
const MinPasswordLength = 8

// MaxPasswordLength bounds the work one login can cause.
const MaxPasswordLength = 256

// Password problems, each shown at the password field.
var (
	ErrPasswordShort  = errors.New("password too short")
	ErrPasswordLong   = errors.New("password too long")
	ErrPasswordCommon = errors.New("password too common")
	ErrPasswordBlank  = errors.New("password only whitespace")
)

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

// CheckPassword says why a new password is unacceptable, or nil.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return ErrPasswordShort
	}
	if len(pw) > MaxPasswordLength {
		return ErrPasswordLong
	}
	if strings.TrimFunc(pw, unicode.IsSpace) == "" {
		return ErrPasswordBlank
	}
	if _, ok := commonPasswords()[strings.ToLower(pw)]; ok {
		return ErrPasswordCommon
	}
	return nil
}

// argon2id parameters (OWASP: m=19 MiB, t=2, p=1).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// dummyHash is verified against when an account does not exist, so that a
// login takes as long for an unknown email as for a known one.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("portico-timing-equalizer")
	return h
})

// VerifyPassword reports whether pw matches hash. An empty hash (an account
// with no password yet) never matches, but costs the same time.
func VerifyPassword(hash, pw string) bool {
	if hash == "" || len(pw) > MaxPasswordLength {
		verify(dummyHash(), pw)
		return false
	}
	return verify(hash, pw)
}

func verify(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
