package saml_test

import (
	"context"
	"testing"
	"time"

	"portico/app/sso/saml"
)

// nopGuard accepts every key, so that one Response can be verified again
// and again.
type nopGuard struct{}

func (nopGuard) UseOnce(context.Context, string, string, time.Time) error { return nil }

// BenchmarkConsume measures the verification of one signed, encrypted
// Response at the ACS: bounds, the assertion count, the signatures, the
// decryption and the checks.
func BenchmarkConsume(b *testing.B) {
	t := &testing.T{}
	f := setup(t, false, func(c *saml.Config) { c.AllowIdPInitiated = true; c.Replay = nopGuard{} })
	resp, relay := f.idp.Post(t, f.idp.StartURL(f.cfg.MetadataURL, "ana", ""))
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.sp.Consume(context.Background(), f.store, resp, relay); err != nil {
			b.Fatal(err)
		}
	}
}
