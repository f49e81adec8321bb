package sso

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// sealer encrypts the providers' secrets with AES-256-GCM under a key
// derived from the instance's secret key, so that a database dump alone
// does not reveal them. The provider's ID is the additional data: a
// sealed blob copied to another provider does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte) (*sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("sso: no secret key")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "portico sso provider secrets v1", 32)
	if err != nil {
		return nil, fmt.Errorf("sso: unable to derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sso: unable to build cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sso: unable to build cipher: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts the secrets map into the text stored in the database.
func (s *sealer) seal(id int64, secrets map[string]string) (string, error) {
	if len(secrets) == 0 {
		return "", nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return "", fmt.Errorf("sso: unable to encode secrets: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sso: unable to seal secrets: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, plain, ad(id))
	return "v1:" + base64.StdEncoding.EncodeToString(out), nil
}

// open decrypts what seal wrote.
func (s *sealer) open(id int64, sealed string) (map[string]string, error) {
	out := map[string]string{}
	if sealed == "" {
		return out, nil
	}
	raw, err := base64.StdEncoding.DecodeString(trimVersion(sealed))
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, errors.New("sso: sealed secrets are damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], ad(id))
	if err != nil {
		return nil, errors.New("sso: unable to open secrets (was the secret key changed?)")
	}
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("sso: unable to decode secrets: %w", err)
	}
	return out, nil
}

func ad(id int64) []byte { return fmt.Appendf(nil, "sso_providers:%d", id) }

func trimVersion(s string) string {
	if len(s) > 3 && s[:3] == "v1:" {
		return s[3:]
	}
	return s
}

// SealFor seals secrets into p.Secrets with an instance's secret key, as
// the service does: for tools and tests that write a provider without a
// running server. p must have its ID.
func SealFor(secretKey []byte, p *Provider, secrets map[string]string) error {
	sl, err := newSealer(secretKey)
	if err != nil {
		return err
	}
	sealed, err := sl.seal(p.ID, secrets)
	if err != nil {
		return err
	}
	p.Secrets = sealed
	return nil
}
