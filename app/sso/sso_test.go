package sso

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// Secrets open only with the same key and for the same provider, and the
// sealed text holds none of them.
func TestSealer(t *testing.T) {
	a, err := newSealer([]byte("first-secret-key-first-secret-key"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newSealer([]byte("other-secret-key-other-secret-key"))
	sealed, err := a.seal(7, map[string]string{"client_secret": "s3cr3t-value"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "s3cr3t") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed %q", sealed)
	}
	if got, err := a.open(7, sealed); err != nil || got["client_secret"] != "s3cr3t-value" {
		t.Fatalf("open: %v %v", got, err)
	}
	if _, err := b.open(7, sealed); err == nil {
		t.Error("opened with another key")
	}
	if _, err := a.open(8, sealed); err == nil {
		t.Error("opened for another provider")
	}
	if again, _ := a.seal(7, map[string]string{"client_secret": "s3cr3t-value"}); again == sealed {
		t.Error("two seals of the same secrets are equal: no fresh nonce")
	}
	if got, err := a.open(7, ""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := newSealer(nil); err == nil {
		t.Error("a sealer without a key")
	}
}

// Each preset turns what the admin types into the issuer.
func TestOIDCIssuer(t *testing.T) {
	for _, tc := range []struct{ preset, typed, want string }{
		{"google", "", "https://accounts.google.com"},
		{"google", "https://evil.example", "https://accounts.google.com"},
		{"okta", "example.okta.com", "https://example.okta.com"},
		{"okta", "https://example.okta.com/oauth2/default/", "https://example.okta.com/oauth2/default"},
		{"entra", "0f1e2d3c-aaaa-bbbb-cccc-123456789abc", "https://login.microsoftonline.com/0f1e2d3c-aaaa-bbbb-cccc-123456789abc/v2.0"},
		{"entra", "https://login.microsoftonline.com/t/v2.0", "https://login.microsoftonline.com/t/v2.0"},
		{"generic", "https://id.example.com/.well-known/openid-configuration", "https://id.example.com"},
	} {
		if got := OIDCIssuer(tc.preset, tc.typed); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.preset, tc.typed, got, tc.want)
		}
	}
}

// A public key must fit the pinned algorithm.
func TestParsePublicKey(t *testing.T) {
	pemOf := func(k any) string {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	big, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for _, tc := range []struct {
		alg, pem string
		ok       bool
	}{
		{"RS256", pemOf(&big.PublicKey), true},
		{"RS256", pemOf(&small.PublicKey), false},
		{"ES256", pemOf(&p256.PublicKey), true},
		{"ES256", pemOf(&p384.PublicKey), false},
		{"RS256", pemOf(&p256.PublicKey), false},
		{"ES256", pemOf(&big.PublicKey), false},
		{"RS256", "not pem", false},
	} {
		if _, err := ParsePublicKey(tc.alg, tc.pem); (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.alg, err, tc.ok)
		}
	}
}

// The company mapping matches without case; secrets never reach a report.
func TestMappingAndScrub(t *testing.T) {
	p := &Provider{CompanyMap: `{"Initech": 4}`}
	if mappedCompany(p, " initech ") != 4 || mappedCompany(p, "Globex") != 0 || mappedCompany(p, "") != 0 {
		t.Error("company mapping")
	}
	out := scrub(map[string]any{"email": "a@b", "access_token": "x", "id_token": "y"})
	if out["email"] != "a@b" || out["access_token"] == "x" || out["id_token"] == "y" {
		t.Errorf("scrub: %v", out)
	}
	if (Identity{FirstName: "Ana", LastName: "Acme"}).Name() != "Ana Acme" || (Identity{LastName: "Acme"}).Name() != "Acme" {
		t.Error("Name")
	}
}
