package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil"
	"portico/app/testutil/idp"
)

const jwtSecret = "a-shared-secret-of-at-least-32-bytes!!"

// claims are a valid remote login token's claims, changed by the test.
func claims(email string, change ...func(map[string]any)) map[string]any {
	now := time.Now()
	m := map[string]any{"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": idpRand(),
		"email": email, "name": "Remy Lenz", "iss": jwtIssuer, "aud": jwtAudience}
	for _, f := range change {
		f(m)
	}
	return m
}

func idpRand() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// postJWT sends a token as the customer's application does: a form POST
// from another origin, without the portal's CSRF token or cookie.
func (c *client) postJWT(slug, token, returnTo string) (*http.Response, string) {
	c.h.t.Helper()
	form := url.Values{"jwt": {token}, "return_to": {returnTo}}
	req := httptest.NewRequest(http.MethodPost, "/portal/sso/"+slug+"/jwt", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://app.customer.example")
	return c.do(req)
}

// jwtStart starts a remote login at the portal, as the login page's
// button does, and answers the state the portal sent to the customer's
// page with return_to.
func (c *client) jwtStart(slug, returnTo string) string {
	c.h.t.Helper()
	res, _ := c.get("/portal/sso/"+slug+"/login?return_to="+url.QueryEscape(returnTo), false)
	u, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil || u.Query().Get("state") == "" {
		c.h.t.Fatalf("login route: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return u.Query().Get("state")
}

// crossSite posts a form to the portal as a page of another site does in
// a browser: the SameSite=Lax session cookie is not sent (cookies the
// answer sets are kept, as a browser keeps them).
func (c *client) crossSite(path string, form url.Values) (*http.Response, string) {
	c.h.t.Helper()
	saved := c.cookies
	c.cookies = map[string]string{}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://app.customer.example")
	res, body := c.do(req)
	for k, v := range c.cookies {
		saved[k] = v
	}
	c.cookies = saved
	return res, body
}

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// handOver follows the portal's hand-over page: it posts the page's
// fields again, from the portal's own page, so with the session cookie.
func (c *client) handOver(res *http.Response, body string) (*http.Response, string) {
	c.h.t.Helper()
	m := regexp.MustCompile(`<form method="post" action="([^"]+)" data-autosubmit`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		c.h.t.Fatalf("not the hand-over page: %d %q", res.StatusCode, h1(body))
	}
	form := url.Values{}
	for _, f := range hiddenRe.FindAllStringSubmatch(body, -1) {
		form.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	return c.post(html.UnescapeString(m[1]), form, false)
}

// jwtLogin runs a remote login started at the portal: the login route,
// then the customer's page posting the token back (cross-site) with the
// state, through the hand-over page.
func (c *client) jwtLogin(slug, token, returnTo string) (*http.Response, string) {
	c.h.t.Helper()
	state := c.jwtStart(slug, returnTo)
	return c.handOver(c.crossSite("/portal/sso/"+slug+"/jwt", url.Values{"jwt": {token}, "return_to": {returnTo}, "state": {state}}))
}

// JWT remote login: the login route goes to the customer's page with
// return_to and state; the token POSTed back with the state (through the
// hand-over page, or in the query) logs in, creates the contact with its
// organization's mapped company, and keys it on external_id.
func TestSSOJWTLogin(t *testing.T) {
	t.Parallel()
	testJWTLogin(t, newPortal(t))
}

// The same on Postgres, with sessions in Redis.
func TestSSOJWTLoginPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	testJWTLogin(t, newHarnessOn(t, testutil.Postgres(t), withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
		&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
}

func testJWTLogin(t *testing.T, h *harness) {
	var acme int64
	if err := h.st.DB.QueryRowContext(t.Context(), "SELECT id FROM companies ORDER BY id LIMIT 1").Scan(&acme); err != nil {
		t.Fatal(err)
	}
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.customer.example/portal-login", Algorithm: "HS256", VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret}, func(p *model.SSOProvider) { p.CompanyMap = `{"Globex": ` + recItoa(acme) + `}` })

	c := h.client()
	state := c.jwtStart("app", "/portal/tickets/new")
	tok := idp.SignHS256([]byte(jwtSecret), claims("remy@example.net", func(m map[string]any) {
		m["external_id"] = "cust-42"
		m["organization"] = "globex"
	}))
	// The customer's page posts cross-site: the hand-over page posts again.
	res, body := c.crossSite("/portal/sso/app/jwt", url.Values{"jwt": {tok}, "return_to": {"/portal/tickets/new"}, "state": {state}})
	if c.loggedIn() {
		t.Fatal("logged in before the hand-over")
	}
	res, _ = c.handOver(res, body)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets/new" {
		t.Fatalf("jwt: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if !c.loggedIn() {
		t.Fatal("not logged in")
	}
	id := h.contactID("remy@example.net")
	if n := h.count("SELECT count(*) FROM contact_identities WHERE issuer = ? AND subject = 'cust-42' AND contact_id = ?", jwtIssuer, id); n != 1 {
		t.Errorf("%d identities", n)
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE id = ? AND company_id = ? AND name = 'Remy Lenz'", id, acme); n != 1 {
		t.Error("the contact is not in the mapped company")
	}

	// In the query, too; the same person again (external_id), and the
	// replayed token refused.
	q := idp.SignHS256([]byte(jwtSecret), claims("remy@example.net", func(m map[string]any) { m["external_id"] = "cust-42" }))
	c2 := h.client()
	if res, _ := c2.get("/portal/sso/app/jwt?jwt="+q+"&state="+c2.jwtStart("app", ""), false); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
		t.Fatalf("jwt in query: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE lower(email) = 'remy@example.net'"); n != 1 {
		t.Errorf("%d contacts", n)
	}
	c3 := h.client()
	if res, body := c3.get("/portal/sso/app/jwt?jwt="+q+"&state="+c3.jwtStart("app", ""), false); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Errorf("replayed jti: %d %q", res.StatusCode, h1(body))
	}
	if c3.loggedIn() {
		t.Error("a replayed token logged in")
	}
	if got := h.lastAudit("sso.failed"); !strings.HasPrefix(got, "replay") {
		t.Errorf("audited %q", got)
	}
}

// Every bad token is refused, audited with its reason, and logs nobody in.
func TestSSOJWTRefusals(t *testing.T) {
	t.Parallel()
	jwtRefusals(t, newPortal(t))
}

func jwtRefusals(t *testing.T, h *harness) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	rsaPEM := publicPEM(t, &rsaKey.PublicKey)
	// Tokens sent by the application itself: the token is what is tested.
	h.addProvider(model.SSOKindJWT, "hs", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256",
		Issuer: "https://app.example", Audience: "portico", Unsolicited: true, VerifiesEmail: true}, map[string]string{sso.SecretJWT: jwtSecret})
	h.addProvider(model.SSOKindJWT, "rs", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "RS256", PublicKey: rsaPEM,
		Unsolicited: true, VerifiesEmail: true}, nil)
	h.addProvider(model.SSOKindJWT, "es", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "ES256", PublicKey: ecPEM,
		Unsolicited: true, VerifiesEmail: true}, nil)

	hs := func(change ...func(map[string]any)) string {
		return idp.SignHS256([]byte(jwtSecret), claims("val@example.net", append([]func(map[string]any){func(m map[string]any) {
			m["iss"], m["aud"] = "https://app.example", "portico"
		}}, change...)...))
	}
	rs := func(change ...func(map[string]any)) string {
		tok, err := idp.SignRS256(rsaKey, "", claims("val@example.net", change...))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged, _ := idp.SignRS256(other, "", claims("val@example.net"))
	es, err := idp.SignES256(ecKey, claims("es@example.net"))
	if err != nil {
		t.Fatal(err)
	}

	// The good ones first: each algorithm works when pinned.
	for slug, tok := range map[string]string{"hs": hs(), "rs": rs(func(m map[string]any) { m["email"] = "rs@example.net" }), "es": es} {
		c := h.client()
		if res, _ := c.postJWT(slug, tok, ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
			t.Fatalf("%s: a good token: %d", slug, res.StatusCode)
		}
	}

	old := time.Now().Add(-10 * time.Minute)
	for _, tc := range []struct {
		name, slug, token, detail string
	}{
		{"bad signature", "rs", forged, "verification error"},
		{"HS256 signed with the wrong secret", "hs", idp.SignHS256([]byte("another-secret-another-secret-another!"), claims("val@example.net")), "signature is invalid"},
		{"wrong iss", "hs", hs(func(m map[string]any) { m["iss"] = "https://evil.example" }), "invalid issuer"},
		{"wrong aud", "hs", hs(func(m map[string]any) { m["aud"] = "someone-else" }), "invalid audience"},
		{"expired", "hs", hs(func(m map[string]any) { m["exp"] = time.Now().Add(-time.Minute).Unix() }), "token is expired"},
		{"no exp", "hs", hs(func(m map[string]any) { delete(m, "exp") }), "exp claim is required"},
		{"iat too old", "hs", hs(func(m map[string]any) { m["iat"] = old.Unix() }), "more than 3m0s away"},
		{"iat in the future", "hs", hs(func(m map[string]any) { m["iat"] = time.Now().Add(10 * time.Minute).Unix() }), "more than 3m0s away"},
		{"no jti", "hs", hs(func(m map[string]any) { delete(m, "jti") }), "no jti"},
		{"no name", "hs", hs(func(m map[string]any) { delete(m, "name") }), "no name"},
		{"alg none", "rs", idp.Unsigned(claims("val@example.net")), "signing method none is invalid"},
		{"HS256 signed with the RSA public key", "rs", idp.SignHS256([]byte(rsaPEM), claims("val@example.net")), "signing method HS256 is invalid"},
		{"RS256 where ES256 is pinned", "es", rs(), "signing method RS256 is invalid"},
		{"oversized", "hs", strings.Repeat("a", sso.MaxJWTSize+1), "over 8192"},
		{"garbage", "hs", "not.a.token", "token refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.client()
			res, body := c.postJWT(tc.slug, tc.token, "")
			if res.StatusCode != http.StatusBadRequest || h1(body) != "Single sign-on failed" {
				t.Errorf("%d %q", res.StatusCode, h1(body))
			}
			if c.loggedIn() {
				t.Error("logged in")
			}
			if got := h.lastAudit("sso.failed"); !strings.Contains(got, tc.detail) {
				t.Errorf("audited %q, want %q", got, tc.detail)
			}
		})
	}
	t.Run("no email", func(t *testing.T) {
		c := h.client()
		res, body := c.postJWT("hs", hs(func(m map[string]any) { delete(m, "email") }), "")
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "did not share your email") {
			t.Errorf("%d %q", res.StatusCode, h1(body))
		}
	})
}

// Two instances on one Postgres: a token used on one is refused on the
// other, and of two racing uses of one token exactly one logs in.
func TestSSOJWTReplayAcrossInstancesPostgres(t *testing.T) {
	t.Parallel()
	st := testutil.Postgres(t)
	a := newHarnessOn(t, st)
	b := newHarnessOn(t, st)
	a.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	tok := idp.SignHS256([]byte(jwtSecret), claims("rita@example.net"))
	if res, _ := a.client().postJWT("app", tok, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("instance A: %d", res.StatusCode)
	}
	if res, _ := b.client().postJWT("app", tok, ""); res.StatusCode != http.StatusBadRequest {
		t.Errorf("instance B, same token: %d, want 400", res.StatusCode)
	}
	race := idp.SignHS256([]byte(jwtSecret), claims("rita@example.net"))
	codes := make(chan int, 2)
	for _, h := range []*harness{a, b} {
		go func() {
			form := url.Values{"jwt": {race}}
			req := httptest.NewRequest(http.MethodPost, "/portal/sso/app/jwt", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := h.srv.App().Test(req, -1)
			if err != nil {
				codes <- 0
				return
			}
			codes <- res.StatusCode
		}()
	}
	got := []int{<-codes, <-codes}
	ok := 0
	for _, c := range got {
		if c == http.StatusSeeOther {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("racing uses answered %v, want exactly one 303", got)
	}
}
