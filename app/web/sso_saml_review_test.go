package web

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	csaml "github.com/crewjam/saml"

	"portico/app/testutil"
)

func TestSAMLRefusalsSQLite(t *testing.T) {
	t.Parallel()
	samlRefusals(t, func(t *testing.T) *samlSetup { return newSAML(t, nil, nil) })
}

func TestSAMLRefusalsPostgresRedis(t *testing.T) {
	t.Parallel()
	samlRefusals(t, func(t *testing.T) *samlSetup { return newSAML(t, testutil.Postgres(t), nil, redisOpts(t)) })
}

var signatureValueRe = regexp.MustCompile(`SignatureValue>([A-Za-z0-9+/])`)

// samlRefusals: answers a correct IdP would not send, through the ACS
// route, are refused, audited and log nobody in; a disabled provider's
// ACS answers 404 to anything but an admin's signed test sign-in.
func samlRefusals(t *testing.T, setup func(*testing.T) *samlSetup) {
	refused := func(t *testing.T, s *samlSetup, c *client, res *http.Response, detail string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || c.loggedIn() {
			t.Errorf("%d, want 400 and nobody logged in", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.HasPrefix(f, "invalid: ") || !strings.Contains(strings.ToLower(f), detail) {
			t.Errorf("audited %q, want invalid for %q", f, detail)
		}
		if n := s.h.count("SELECT count(*) FROM contacts WHERE email = 'nora@newco.example'"); n != 0 {
			t.Errorf("%d contacts created", n)
		}
	}

	t.Run("a wrong Issuer is refused", func(t *testing.T) {
		s := setup(t)
		s.idp.Mutate(func(a *csaml.Assertion) { a.Issuer.Value = "https://evil.example/idp" })
		c := s.h.client()
		resp, relay := s.start(c, "")
		res, _ := s.acs(c, resp, relay)
		refused(t, s, c, res, "issuer")
	})

	t.Run("a bad signature is refused", func(t *testing.T) {
		s := setup(t)
		c := s.h.client()
		resp, relay := s.start(c, "")
		raw, err := base64.StdEncoding.DecodeString(resp)
		if err != nil {
			t.Fatal(err)
		}
		m := signatureValueRe.FindSubmatchIndex(raw)
		if m == nil {
			t.Fatal("no signature in the Response")
		}
		// One character of the signature value changed: the rest, and
		// what it signs, as the IdP sent it.
		if raw[m[2]] == 'A' {
			raw[m[2]] = 'B'
		} else {
			raw[m[2]] = 'A'
		}
		res, _ := s.acs(c, base64.StdEncoding.EncodeToString(raw), relay)
		refused(t, s, c, res, "signature")
	})

	t.Run("a disabled provider's ACS answers 404 before any page", func(t *testing.T) {
		s := setup(t)
		c := s.h.client()
		resp, relay := s.start(c, "")
		s.h.exec("UPDATE sso_providers SET enabled = ? WHERE slug = 'okta'", false)
		// The IdP's cross-site POST: no hand-over page, no cookie.
		res, body := s.crossSite(resp, relay)
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "data-autosubmit") {
			t.Errorf("cross-site POST to a disabled ACS: %d", res.StatusCode)
		}
		if res, _ := s.acs(c, resp, relay); res.StatusCode != http.StatusNotFound || c.loggedIn() {
			t.Errorf("POST from the portal's page to a disabled ACS: %d", res.StatusCode)
		}
		// A RelayState made to look like a test sign-in's is not one.
		if res, _ := s.crossSite(resp, "t.forged.signature"); res.StatusCode != http.StatusNotFound {
			t.Errorf("forged test RelayState: %d", res.StatusCode)
		}
	})
}
