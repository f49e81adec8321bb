package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Keys is an SP's own key pair, PEM-encoded: an RSA private key (PKCS #8)
// and its self-signed certificate. The key signs logout messages and
// decrypts encrypted assertions; the certificate is published in the SP
// metadata. Store Key as a secret.
type Keys struct {
	Key         string
	Certificate string
}

// certLifetime is how long a generated SP certificate is valid. IdPs treat
// metadata certificates as key containers, and a rotation needs the IdP
// admin, so it is long.
const certLifetime = 20 * 365 * 24 * time.Hour

// GenerateKeys makes a new RSA-2048 key and a self-signed certificate named
// after the SP's entity ID. Each provider gets its own.
func GenerateKeys(entityID string) (Keys, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return Keys{}, fmt.Errorf("saml: generating the SP key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Keys{}, fmt.Errorf("saml: generating a serial number: %w", err)
	}
	cn := entityID
	if len(cn) > 64 {
		cn = cn[:64]
	}
	now := time.Now().UTC().Add(-time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Portico"}},
		NotBefore:             now,
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Keys{}, fmt.Errorf("saml: creating the SP certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Keys{}, fmt.Errorf("saml: encoding the SP key: %w", err)
	}
	return Keys{
		Key:         string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})),
		Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
	}, nil
}

// parse decodes the key pair and checks that the two halves match.
func (k Keys) parse() (*rsa.PrivateKey, *x509.Certificate, error) {
	kb, _ := pem.Decode([]byte(k.Key))
	if kb == nil {
		return nil, nil, errors.New("saml: the SP key is missing or not PEM")
	}
	anyKey, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("saml: reading the SP key: %w", err)
	}
	key, ok := anyKey.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("saml: the SP key is not an RSA key")
	}
	cb, _ := pem.Decode([]byte(k.Certificate))
	if cb == nil {
		return nil, nil, errors.New("saml: the SP certificate is missing or not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("saml: reading the SP certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("saml: the SP certificate does not match its key")
	}
	return key, cert, nil
}
