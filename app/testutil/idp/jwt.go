package idp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// SignRS256 signs claims as a compact JWT with an RSA key.
func SignRS256(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	return sign(jose.RS256, key, kid, claims)
}

// SignES256 signs claims as a compact JWT with a P-256 key.
func SignES256(key *ecdsa.PrivateKey, claims map[string]any) (string, error) {
	return sign(jose.ES256, key, "", claims)
}

func sign(alg jose.SignatureAlgorithm, key crypto.Signer, kid string, claims map[string]any) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("idp: signer: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("idp: sign: %w", err)
	}
	return jws.CompactSerialize()
}

// SignHS256 signs claims with a shared secret, by hand, so that any bytes
// (an RSA public key's PEM, say) may serve as the secret.
func SignHS256(secret []byte, claims map[string]any) string {
	return handMade(map[string]any{"alg": "HS256", "typ": "JWT"}, claims, func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	})
}

// Unsigned makes an "alg": "none" token.
func Unsigned(claims map[string]any) string {
	return handMade(map[string]any{"alg": "none", "typ": "JWT"}, claims, func([]byte) []byte { return nil })
}

func handMade(header, claims map[string]any, sig func([]byte) []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig([]byte(in)))
}
