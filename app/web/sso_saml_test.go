package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	csaml "github.com/crewjam/saml"

	"portico/app/sso/samlkind"
	"portico/app/store"
	"portico/app/testutil"
)

func TestSAMLSQLite(t *testing.T) {
	t.Parallel()
	samlSuite(t, func(t *testing.T, edit func(*samlkind.Options)) *samlSetup { return newSAML(t, nil, edit) })
}

func TestSAMLPostgresRedis(t *testing.T) {
	t.Parallel()
	samlSuite(t, func(t *testing.T, edit func(*samlkind.Options)) *samlSetup {
		return newSAML(t, testutil.Postgres(t), edit, redisOpts(t))
	})
}

// samlSuite drives SAML sign-in through the real routes.
func samlSuite(t *testing.T, setup func(*testing.T, func(*samlkind.Options)) *samlSetup) {
	t.Run("login creates the contact and logs out at the IdP", func(t *testing.T) {
		s := setup(t, nil)
		c := s.h.client()
		resp, relay := s.start(c, "/portal/tickets?status=open")
		// The IdP's cross-site POST has no cookie: a page of the portal
		// posts it again, from the portal's own origin.
		res, body := s.crossSite(resp, relay)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-autosubmit`) || !strings.Contains(body, `name="portico_bounce"`) ||
			!strings.Contains(body, `<button type="submit" id="saml-continue"`) {
			t.Fatalf("cross-site ACS: %d %s", res.StatusCode, body)
		}
		// The browser's own cookie was not sent; it must not be replaced.
		for _, ck := range res.Cookies() {
			if ck.Name == "portico_sid" {
				t.Fatalf("the hand-over page sets a session cookie: %v", ck)
			}
		}
		res, body = s.acs(c, resp, relay)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets?status=open" {
			t.Fatalf("ACS: %d to %q: %s", res.StatusCode, res.Header.Get("Location"), body)
		}
		ct, err := store.ContactByEmail(t.Context(), s.h.st.DB, "nora@newco.example")
		if err != nil || ct.Name != "Nora Nuevo" {
			t.Fatalf("contact %+v, %v", ct, err)
		}
		if n := s.h.count("SELECT count(*) FROM contact_identities WHERE issuer = ? AND subject = ? AND contact_id = ?", s.idp.EntityID(), "00u-nora", ct.ID); n != 1 {
			t.Fatalf("%d identities", n)
		}
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
			t.Fatalf("tickets after SAML login: %d", res.StatusCode)
		}
		// Logout ends the local session, then the IdP's.
		res, body = c.post("/portal/logout", nil, false)
		loc := leaveTo(t, res, body)
		if !strings.HasPrefix(loc, s.idp.Server.URL+"/slo?SAMLRequest=") {
			t.Fatalf("logout: %d to %q", res.StatusCode, loc)
		}
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("tickets after logout: %d", res.StatusCode)
		}
		idpRes, err := noRedirect.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		idpRes.Body.Close()
		back, _ := url.Parse(idpRes.Header.Get("Location"))
		if s.idp.Logouts() != 1 || back == nil || back.Path != "/portal/sso/okta/slo" {
			t.Fatalf("IdP logouts %d, answer to %v", s.idp.Logouts(), back)
		}
		res, _ = c.get(back.RequestURI(), false)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "logged_out=1") {
			t.Fatalf("SLO answer: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The answer is used up.
		if res, _ = c.get(back.RequestURI(), false); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("SLO answer again: %d", res.StatusCode)
		}
	})

	t.Run("a replayed Response is refused and audited", func(t *testing.T) {
		s := setup(t, nil)
		c := s.h.client()
		resp, relay := s.start(c, "")
		if res, _ := s.acs(c, resp, relay); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %d", res.StatusCode)
		}
		other := s.h.client()
		other.get("/portal/login", false)
		res, body := s.acs(other, resp, relay)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, s.h.admT("sso.failed.title")) {
			t.Fatalf("replay: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "in_response_to") {
			t.Fatalf("audited %q", f)
		}
	})

	t.Run("a Response for another browser's request is refused", func(t *testing.T) {
		s := setup(t, nil)
		victim, attacker := s.h.client(), s.h.client()
		resp, _ := s.start(attacker, "")
		_, relay := s.start(victim, "")
		if res, _ := s.acs(victim, resp, relay); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("cross-session Response: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "in_response_to") {
			t.Fatalf("audited %q", f)
		}
	})

	t.Run("IdP-initiated login only when switched on", func(t *testing.T) {
		s := setup(t, nil)
		resp, relay := s.idp.Post(t, s.idp.StartURL(s.spURL("metadata"), "nora", "/portal/tickets"))
		if res, _ := s.acs(s.h.client(), resp, relay); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("IdP-initiated while off: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "unsolicited") {
			t.Fatalf("audited %q", f)
		}
		s = setup(t, func(o *samlkind.Options) { o.IdPInitiated = true })
		resp, _ = s.idp.Post(t, s.idp.StartURL(s.spURL("metadata"), "nora", "//evil.example/"))
		res, _ := s.acs(s.h.client(), resp, "//evil.example/")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
			t.Fatalf("IdP-initiated while on: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		// Nothing ties an unsolicited assertion to a browser: the replay
		// guard in the database refuses its second use.
		if res, _ := s.acs(s.h.client(), resp, ""); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("IdP-initiated replay: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "replay") {
			t.Fatalf("audited %q", f)
		}
	})

	t.Run("an oversized Response is refused before it is decoded", func(t *testing.T) {
		s := setup(t, nil)
		c := s.h.client()
		c.get("/portal/login", false)
		if res, _ := s.acs(c, strings.Repeat("A", 400<<10), ""); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("oversized: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "too_large") {
			t.Fatalf("audited %q", f)
		}
	})

	t.Run("a wrongly signed assertion is refused", func(t *testing.T) {
		s := setup(t, nil)
		s.idp.Mutate(func(a *csaml.Assertion) {
			a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other.example/"
		})
		c := s.h.client()
		resp, relay := s.start(c, "")
		if res, _ := s.acs(c, resp, relay); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("wrong audience: %d", res.StatusCode)
		}
		if f := s.lastFailure(); !strings.Contains(f, "audience") {
			t.Fatalf("audited %q", f)
		}
	})

	t.Run("an existing email is not taken over without verification", func(t *testing.T) {
		s := setup(t, nil)
		s.idp.AutoLogin("ana")
		c := s.h.client()
		resp, relay := s.start(c, "")
		if res, _ := s.acs(c, resp, relay); res.StatusCode != http.StatusConflict {
			t.Fatalf("email collision: %d", res.StatusCode)
		}
	})

	t.Run("IdP-initiated logout ends the session", func(t *testing.T) {
		s := setup(t, nil)
		c := s.h.client()
		resp, relay := s.start(c, "")
		if res, _ := s.acs(c, resp, relay); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		u, _ := url.Parse(s.idp.LogoutRequestURL(t, s.md, s.spURL("slo"), "00u-nora", ""))
		res, _ := c.get(u.RequestURI(), false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), s.idp.Server.URL+"/slo?SAMLResponse=") {
			t.Fatalf("IdP logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("tickets after IdP logout: %d", res.StatusCode)
		}
	})

	t.Run("disabled, unknown and other-kind providers answer 404", func(t *testing.T) {
		s := setup(t, nil)
		s.h.exec("UPDATE sso_providers SET enabled = ? WHERE slug = 'okta'", false)
		c := s.h.client()
		for _, path := range []string{"/portal/sso/okta/metadata", "/portal/sso/okta/login", "/portal/sso/okta/slo?SAMLRequest=x", "/portal/sso/nope/metadata"} {
			if res, _ := c.get(path, false); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, res.StatusCode)
			}
		}
		if res, _ := s.acs(c, "x", ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST acs: %d", res.StatusCode)
		}
		s.h.exec("UPDATE sso_providers SET enabled = ?, kind = 'jwt' WHERE slug = 'okta'", true)
		if res, _ := c.get("/portal/sso/okta/metadata", false); res.StatusCode != http.StatusNotFound {
			t.Errorf("metadata of a JWT provider: %d", res.StatusCode)
		}
	})
}
