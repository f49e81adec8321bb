package web

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/testutil"
	"portico/app/testutil/idp"
)

// OpenID Connect sign-in against a real provider on a loopback server:
// PKCE and nonce are sent, the first sign-in creates the contact (in the
// mapped company), the session is new and goes back to the page wanted,
// the second sign-in finds the same contact by (issuer, subject), and
// logout ends the provider's session too.
func TestSSOOIDCLogin(t *testing.T) {
	t.Parallel()
	testOIDCLogin(t, newPortal(t))
}

// The same on Postgres, with sessions and limits in Redis.
func TestSSOOIDCLoginPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	sessions := &auth.RedisSessions{Client: rc, Prefix: prefix}
	testOIDCLogin(t, newHarnessOn(t, testutil.Postgres(t),
		withSessions(sessions, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
	// The visitors' pending sign-ins lived in Redis, under no account.
	if n := rc.Exists(t.Context(), prefix+"acct:pending:0").Val(); n != 0 {
		t.Error("pending sign-ins are indexed under an account")
	}
}

func testOIDCLogin(t *testing.T, h *harness) {
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-1", Email: "nora@example.net", EmailVerified: true, GivenName: "Nora", FamilyName: "Quint", Company: "Initech"})
	var acme int64
	if err := h.st.DB.QueryRowContext(t.Context(), "SELECT id FROM companies ORDER BY id LIMIT 1").Scan(&acme); err != nil {
		t.Fatal(err)
	}
	h.addOIDC(op, "okta", func(p *model.SSOProvider) { p.CompanyMap = `{"initech": ` + recItoa(acme) + `}` })

	c := h.client()
	c.get("/portal/login", false)
	before := c.sid()
	res, _ := c.oidcLogin(op, "okta", "nora@example.net", "/portal/tickets/new")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets/new" {
		t.Fatalf("callback: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	q := op.LastAuthorize()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || len(q.Get("state")) < 40 ||
		!strings.HasSuffix(q.Get("redirect_uri"), "/portal/sso/okta/callback") || !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("authorization request: %v", q)
	}
	if c.sid() == before {
		t.Error("the session ID did not change at sign-in")
	}
	if !c.loggedIn() {
		t.Fatal("not logged in after sign-in")
	}
	id := h.contactID("nora@example.net")
	var name string
	var company *int64
	if err := h.st.DB.QueryRowContext(t.Context(), "SELECT name, company_id FROM contacts WHERE id = ?", id).Scan(&name, &company); err != nil {
		t.Fatal(err)
	}
	if name != "Nora Quint" || company == nil || *company != acme {
		t.Errorf("created contact: %q in %v, want Nora Quint in %d", name, company, acme)
	}
	if n := h.count("SELECT count(*) FROM contact_identities WHERE issuer = ? AND subject = 'u-1' AND contact_id = ?", op.Issuer, id); n != 1 {
		t.Errorf("%d identities", n)
	}
	if h.count("SELECT count(*) FROM audit_log WHERE action = 'sso.create'") != 1 || h.count("SELECT count(*) FROM audit_log WHERE action = 'sso.login'") != 1 {
		t.Error("sign-in not audited")
	}

	// Logout: the local session ends, then the provider's.
	c.get("/portal/tickets", false)
	res, body := c.post("/portal/logout", nil, false)
	loc := leaveTo(t, res, body)
	if !strings.HasPrefix(loc, op.Issuer+"/end_session?") {
		t.Fatalf("logout goes on to %q", loc)
	}
	lu, _ := url.Parse(loc)
	if lu.Query().Get("id_token_hint") != op.LastIDToken() || !strings.HasSuffix(lu.Query().Get("post_logout_redirect_uri"), "/portal/login?logged_out=1") {
		t.Errorf("end-session request: %v", lu.Query())
	}
	if c.loggedIn() {
		t.Error("still logged in after logout")
	}

	// Again: the same contact, found by (issuer, subject), no new one.
	c2 := h.client()
	if res, _ := c2.oidcLogin(op, "okta", "nora@example.net", ""); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
		t.Fatalf("second sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE lower(email) = 'nora@example.net'"); n != 1 {
		t.Errorf("%d contacts", n)
	}
	if !c2.loggedIn() {
		t.Error("second sign-in did not log in")
	}
}

// Every forged or replayed answer is refused with a page, nobody is
// logged in, and the refusal is audited with its reason.
func TestSSOOIDCRefusals(t *testing.T) {
	t.Parallel()
	oidcRefusals(t, newPortal(t))
}

func oidcRefusals(t *testing.T, h *harness) {
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-2", Email: "omar@example.net", EmailVerified: true, GivenName: "Omar"})
	h.addOIDC(op, "idp")
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// An ID token from an earlier, finished sign-in, to replay.
	first := h.client()
	if res, _ := first.oidcLogin(op, "idp", "omar@example.net", ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first sign-in: %d", res.StatusCode)
	}
	earlier := op.LastIDToken()
	past := time.Now().Add(-time.Hour)

	for _, tc := range []struct {
		name   string
		setup  func()
		detail string
	}{
		{"bad signature", func() { op.SignWith(other) }, "verify signature"},
		{"wrong iss", func() { op.Tamper(func(m map[string]any) { m["iss"] = "https://evil.example" }) }, "different provider"},
		{"wrong aud", func() { op.Tamper(func(m map[string]any) { m["aud"] = "someone-else" }) }, "expected audience"},
		{"expired", func() {
			op.Tamper(func(m map[string]any) { m["iat"] = past.Unix(); m["exp"] = past.Add(10 * time.Minute).Unix() })
		}, "expired"},
		{"replayed nonce", func() { op.ForceIDToken(earlier) }, "nonce does not match"},
		{"alg none", func() {
			op.ForceIDToken(idp.Unsigned(map[string]any{"iss": op.Issuer, "sub": "u-2", "aud": op.ClientID,
				"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "email": "omar@example.net"}))
		}, `algorithm "none"`},
		{"HS256 with the RSA public key", func() {
			op.ForceIDToken(idp.SignHS256([]byte(publicPEM(t, &op.Key.PublicKey)), map[string]any{"iss": op.Issuer, "sub": "u-2",
				"aud": op.ClientID, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "email": "omar@example.net"}))
		}, `algorithm "HS256"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.SignWith(nil)
			op.Tamper(nil)
			op.ForceIDToken("")
			tc.setup()
			defer func() { op.SignWith(nil); op.Tamper(nil); op.ForceIDToken("") }()
			c := h.client()
			res, body := c.oidcLogin(op, "idp", "omar@example.net", "")
			if res.StatusCode != http.StatusBadRequest || h1(body) != "Single sign-on failed" {
				t.Errorf("%d %q, want 400 Single sign-on failed", res.StatusCode, h1(body))
			}
			if c.loggedIn() {
				t.Error("logged in")
			}
			got := h.lastAudit("sso.failed")
			if !strings.HasPrefix(got, "invalid: ") || !strings.Contains(got, tc.detail) {
				t.Errorf("audited %q, want invalid for %q", got, tc.detail)
			}
		})
	}

	t.Run("the provider refuses", func(t *testing.T) {
		c := h.client()
		res, body := c.oidcLogin(op, "idp", "unknown@example.net", "")
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not complete the sign-in") || c.loggedIn() {
			t.Errorf("%d %q", res.StatusCode, h1(body))
		}
		if got := h.lastAudit("sso.failed"); !strings.HasPrefix(got, "provider_error: access_denied") {
			t.Errorf("audited %q", got)
		}
	})

	t.Run("replayed state", func(t *testing.T) {
		c := h.client()
		cb := c.oidcCallback(op, "idp", "omar@example.net", "")
		if res, _ := c.get(cb, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %d", res.StatusCode)
		}
		// The same callback again, in the same browser and in another.
		for _, cl := range []*client{c, h.client()} {
			res, body := cl.get(cb, false)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "was not started here") {
				t.Errorf("replay: %d %q", res.StatusCode, h1(body))
			}
		}
		if got := h.lastAudit("sso.failed"); !strings.HasPrefix(got, "unknown_state") {
			t.Errorf("audited %q", got)
		}
	})

	t.Run("state of another session", func(t *testing.T) {
		victim, attacker := h.client(), h.client()
		cb := attacker.oidcCallback(op, "idp", "omar@example.net", "")
		victim.get("/portal/login", false)
		if res, _ := victim.get(cb, false); res.StatusCode != http.StatusBadRequest {
			t.Errorf("foreign state: %d", res.StatusCode)
		}
		if victim.loggedIn() {
			t.Error("logged in with another session's state")
		}
	})
}

// return_to accepts same-origin paths only.
func TestSSOReturnTo(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-3", Email: "pia@example.net", EmailVerified: true, GivenName: "Pia"})
	h.addOIDC(op, "idp")
	for _, rt := range []string{"//evil.example", "/\\evil.example", "https://evil.example/x", "javascript:alert(1)"} {
		c := h.client()
		res, _ := c.oidcLogin(op, "idp", "pia@example.net", rt)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
			t.Errorf("return_to %q: %d to %q, want /portal/tickets", rt, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// Two instances on one Postgres and one Redis: a sign-in started on one
// finishes on the other, and the session is good on both.
func TestSSOOIDCAcrossInstancesPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	st := testutil.Postgres(t)
	shared := withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix}, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})
	a, b := newHarnessOn(t, st, shared), newHarnessOn(t, st, shared)
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "x-1", Email: "xena@example.net", EmailVerified: true, GivenName: "Xena"})
	a.addOIDC(op, "okta")
	onA := a.client()
	cb := onA.oidcCallback(op, "okta", "xena@example.net", "/portal/tickets/new")
	onB := b.client()
	onB.cookies = onA.cookies
	if res, _ := onB.get(cb, false); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets/new" {
		t.Fatalf("callback on the other instance: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !onB.loggedIn() || !onA.loggedIn() {
		t.Error("the session is not good on both instances")
	}
	// And the used state is refused on the first instance too.
	if res, _ := a.client().get(cb, false); res.StatusCode != http.StatusBadRequest {
		t.Errorf("the state replayed on the first instance: %d", res.StatusCode)
	}
}
