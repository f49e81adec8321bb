package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil"
	"portico/app/testutil/idp"
)

// No login CSRF through JWT remote login: a token is accepted only with
// the state of a sign-in this browser started at the portal. Another
// site posting a token of its own (without a state, or with the state of
// a sign-in it started in its own browser) logs nobody in, and leaves
// the visitor's own session as it was. Tokens sent by the application
// itself are accepted only when the admin turned that on.
func TestSSOJWTLoginCSRF(t *testing.T) {
	t.Parallel()
	testJWTLoginCSRF(t, newPortal(t))
}

// The same on Postgres, with sessions in Redis.
func TestSSOJWTLoginCSRFPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	testJWTLoginCSRF(t, newHarnessOn(t, testutil.Postgres(t), withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
		&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
}

func testJWTLoginCSRF(t *testing.T, h *harness) {
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	h.addProvider(model.SSOKindJWT, "other", sso.JWTOptions{LoginURL: "https://other.example/login", Algorithm: "HS256", VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	attacker := func() string { return idp.SignHS256([]byte(jwtSecret), claims("mallory@example.net")) }

	// The victim is logged in as herself.
	victim := h.client()
	victim.as(carla)
	before := victim.sid()
	refused := func(name string, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "was not started here") {
			t.Errorf("%s: %d %q", name, res.StatusCode, h1(body))
		}
		if got := h.lastAudit("sso.failed"); !strings.HasPrefix(got, "unknown_state") {
			t.Errorf("%s: audited %q", name, got)
		}
		if victim.sid() != before || !victim.loggedIn() {
			t.Errorf("%s: the victim's own session was replaced or ended", name)
		}
	}

	// A token without state: posted cross-site, or in a link.
	res, body := victim.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {attacker()}})
	refused("POST without state", res, body)
	res, body = victim.get("/portal/sso/app/jwt?jwt="+attacker(), false)
	refused("GET without state", res, body)

	// The state of a sign-in the attacker started in their own browser.
	theirs := h.client().jwtStart("app", "")
	res, body = victim.handOver(victim.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {attacker()}, "state": {theirs}}))
	refused("state of another browser", res, body)
	res, body = victim.get("/portal/sso/app/jwt?jwt="+attacker()+"&state="+url.QueryEscape(theirs), false)
	refused("state of another browser, in a link", res, body)

	// The state of a sign-in this browser started at another provider.
	anon := h.client()
	mine := anon.jwtStart("other", "")
	res, body = anon.handOver(anon.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {attacker()}, "state": {mine}}))
	if res.StatusCode != http.StatusBadRequest || anon.loggedIn() {
		t.Errorf("state of another provider: %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE email = 'mallory@example.net'"); n != 0 {
		t.Errorf("%d contacts created by refused tokens", n)
	}

	// The hand-over page keeps the browser's cookie: it sets none.
	fresh := h.client()
	state := fresh.jwtStart("app", "")
	res, body = fresh.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {attacker()}, "state": {state}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "data-autosubmit") || len(res.Cookies()) != 0 {
		t.Errorf("hand-over page: %d, cookies %v", res.StatusCode, res.Cookies())
	}

	// Turned on, a token without state logs in (and return_to stays on
	// the portal).
	h.exec("UPDATE sso_providers SET options = ? WHERE slug = 'app'", jwtOptionsJSON(t, sso.JWTOptions{LoginURL: "https://app.example/login",
		Algorithm: "HS256", Issuer: jwtIssuer, Audience: jwtAudience, VerifiesEmail: true, Unsolicited: true}))
	c := h.client()
	if res, _ := c.postJWT("app", attacker(), "//evil.example/x"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" || !c.loggedIn() {
		t.Errorf("unsolicited, switched on: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// A return_to that leaves the portal is never followed after a JWT
// sign-in: neither the one the login route takes, nor one posted with
// the token.
func TestSSOJWTReturnTo(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	for _, bad := range []string{"//evil.example", "//evil.example/portal/tickets", `/\evil.example`, "https://evil.example/", "javascript:alert(1)"} {
		t.Run(bad, func(t *testing.T) {
			c := h.client()
			tok := idp.SignHS256([]byte(jwtSecret), claims("ret@example.net"))
			// Started with the bad return_to, which also comes back posted.
			state := c.jwtStart("app", bad)
			res, _ := c.handOver(c.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {tok}, "return_to": {bad}, "state": {state}}))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
				t.Errorf("%d to %q, want /portal/tickets", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

// iss and aud are required: a token minted for another service with the
// same key is refused, and so is a provider stored without them.
func TestSSOJWTIssuerAudienceRequired(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		detail string
	}{
		{"another service's token", func(m map[string]any) {
			m["aud"], m["iss"] = "https://api.customer.example", "https://billing.customer.example"
		}, "invalid"},
		{"no aud", func(m map[string]any) { delete(m, "aud") }, "aud"},
		{"no iss", func(m map[string]any) { delete(m, "iss") }, "iss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			res, _ := c.postJWT("app", idp.SignHS256([]byte(jwtSecret), claims("svc@example.net", tc.change)), "")
			if res.StatusCode != http.StatusBadRequest || c.loggedIn() {
				t.Errorf("%d, want 400", res.StatusCode)
			}
			if got := h.lastAudit("sso.failed"); !strings.HasPrefix(got, "invalid: ") || !strings.Contains(got, tc.detail) {
				t.Errorf("audited %q", got)
			}
		})
	}
	// Options saved before iss and aud were required: refused until set.
	h.exec("UPDATE sso_providers SET options = ? WHERE slug = 'app'",
		`{"login_url":"https://app.example/login","algorithm":"HS256","unsolicited":true,"verifies_email":true}`)
	if res, _ := h.client().postJWT("app", idp.SignHS256([]byte(jwtSecret), claims("svc@example.net")), ""); res.StatusCode != http.StatusBadRequest {
		t.Errorf("provider without iss and aud: %d", res.StatusCode)
	}
	if got := h.lastAudit("sso.failed"); !strings.Contains(got, "no issuer or audience") {
		t.Errorf("audited %q", got)
	}
}

// jwtOptionsJSON is a JWT provider's options as stored.
func jwtOptionsJSON(t *testing.T, o sso.JWTOptions) string {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
