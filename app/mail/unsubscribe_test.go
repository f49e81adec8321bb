package mail_test

import (
	"strings"
	"testing"

	"portico/app/mail"
)

// An unsubscribe token names one ticket and one contact, and any change
// to it, or a token signed with another secret, is refused.
func TestUnsubscribeToken(t *testing.T) {
	secret := []byte("a-secret-of-the-server-0123456789")
	tok := mail.UnsubscribeToken(secret, 22, 7)
	if tt, c, ok := mail.ParseUnsubscribeToken(secret, tok); !ok || tt != 22 || c != 7 {
		t.Fatalf("round trip: %d %d %v", tt, c, ok)
	}
	sig := tok[strings.LastIndexByte(tok, '-')+1:]
	for name, bad := range map[string]string{
		"another ticket":  "23-7-" + sig,
		"another contact": "22-8-" + sig,
		"signature cut":   tok[:len(tok)-2],
		"leading zero":    "022-7-" + sig,
		"extra":           tok + "-1",
		"empty":           "",
		"other secret":    mail.UnsubscribeToken([]byte("another-secret-0123456789abcdef"), 22, 7),
	} {
		if _, _, ok := mail.ParseUnsubscribeToken(secret, bad); ok {
			t.Errorf("%s: accepted %q", name, bad)
		}
	}
	if _, _, ok := mail.ParseUnsubscribeToken(nil, tok); ok {
		t.Error("accepted without a secret")
	}
}
