package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil"
	"portico/app/testutil/idp"
)

// The account and session rules, on SQLite.
func TestSSONoContactFromUnverifiedEmail(t *testing.T) {
	t.Parallel()
	noContactFromUnverifiedEmail(t, newPortal(t))
}

func TestSSOSessionEndsWithProvider(t *testing.T) {
	t.Parallel()
	sessionEndsWithProvider(t, newPortal(t))
}

func TestSSORefusedSignInLinksNothing(t *testing.T) {
	t.Parallel()
	refusedSignInLinksNothing(t, newPortal(t))
}

// The same on Postgres, with sessions and limits in Redis, one after the
// other on one database (each uses its own providers and people).
func TestSSOAccountRulesPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	h := newHarnessOn(t, testutil.Postgres(t), withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
		&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()}))
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"unverified email", noContactFromUnverifiedEmail}, {"session ends with provider", sessionEndsWithProvider},
		{"refused sign-in links nothing", refusedSignInLinksNothing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			tc.run(t, h)
		})
	}
}

// No contact is created from an email the provider does not vouch for
// (it could be someone else's address, taken over later): a JWT
// application vouches only when the admin says it verifies addresses,
// and an OpenID provider through email_verified.
func noContactFromUnverifiedEmail(t *testing.T, h *harness) {
	h.addProvider(model.SSOKindJWT, "unv", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	h.addProvider(model.SSOKindJWT, "vouch", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-unv", Email: "victim@example.net", EmailVerified: false, GivenName: "Vic"})
	h.addOIDC(op, "oidcunv")
	refused := func(name string, res *http.Response, body string, c *client) {
		t.Helper()
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "did not confirm that this email address is yours") || c.loggedIn() {
			t.Errorf("%s: %d %q", name, res.StatusCode, h1(body))
		}
		if got := h.lastAudit("sso.failed"); got != "email_unverified" {
			t.Errorf("%s: audited %q", name, got)
		}
		if n := h.count("SELECT count(*) FROM contacts WHERE email = 'victim@example.net'"); n != 0 {
			t.Errorf("%s: %d contacts created", name, n)
		}
	}
	attacker := func(slug string, change ...func(map[string]any)) string {
		return idp.SignHS256([]byte(jwtSecret), claims("victim@example.net", append([]func(map[string]any){func(m map[string]any) {
			m["external_id"] = "attacker-1"
		}}, change...)...))
	}
	c := h.client()
	res, body := c.postJWT("unv", attacker("unv"), "")
	refused("JWT, the application does not verify emails", res, body, c)
	c = h.client()
	res, body = c.postJWT("unv", attacker("unv", func(m map[string]any) { m["email_verified"] = true }), "")
	refused("JWT, email_verified claimed, the application not trusted with it", res, body, c)
	c = h.client()
	res, body = c.postJWT("vouch", attacker("vouch", func(m map[string]any) { m["email_verified"] = false }), "")
	refused("JWT, the token says unverified", res, body, c)
	c = h.client()
	res, body = c.oidcLogin(op, "oidcunv", "victim@example.net", "")
	refused("OpenID Connect, email_verified false", res, body, c)
	if n := h.count("SELECT count(*) FROM contact_identities WHERE subject IN ('attacker-1', 'u-unv')"); n != 0 {
		t.Errorf("%d identities linked", n)
	}

	// An application that verifies emails: the contact is created, verified.
	c = h.client()
	if res, _ := c.postJWT("vouch", attacker("vouch"), ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
		t.Fatalf("vouched email: %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE email = 'victim@example.net' AND email_verified_at IS NOT NULL"); n != 1 {
		t.Errorf("%d verified contacts", n)
	}
}

// A session started through a provider ends when the provider is
// disabled, and when it is removed.
func sessionEndsWithProvider(t *testing.T, h *harness) {
	h.addProvider(model.SSOKindJWT, "gone", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	login := func() *client {
		t.Helper()
		c := h.client()
		if res, _ := c.postJWT("gone", idp.SignHS256([]byte(jwtSecret), claims("zed@example.net")), ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
			t.Fatalf("login: %d", res.StatusCode)
		}
		return c
	}
	password := h.client()
	password.as(ana)
	c := login()
	h.exec("UPDATE sso_providers SET enabled = ? WHERE slug = 'gone'", false)
	if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
		t.Errorf("after the provider was disabled: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	h.exec("UPDATE sso_providers SET enabled = ? WHERE slug = 'gone'", true)
	if c.loggedIn() {
		t.Error("the ended session came back with the provider")
	}
	c = login()
	h.exec("DELETE FROM sso_providers WHERE slug = 'gone'")
	if c.loggedIn() {
		t.Error("the session outlived the provider's removal")
	}
	if !password.loggedIn() {
		t.Error("a password session ended with a provider")
	}
}

// A sign-in refused because the contact is disabled, or on none of the
// SSO lists, links no identity (and audits no link); once admitted, it
// does.
func refusedSignInLinksNothing(t *testing.T, h *harness) {
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-carla", Email: carla, EmailVerified: true, GivenName: "Carla"})
	h.addOIDC(op, "linker", func(p *model.SSOProvider) { p.AllowLinking = true })
	carlaID := h.contactID(carla)
	links := func() int {
		return h.count("SELECT count(*) FROM contact_identities WHERE subject = 'u-carla'")
	}
	h.exec("UPDATE contacts SET disabled = ? WHERE id = ?", true, carlaID)
	if res, _ := h.client().oidcLogin(op, "linker", carla, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("disabled contact: %d", res.StatusCode)
	}
	if links() != 0 || h.lastAudit("sso.link") != "" {
		t.Errorf("a disabled contact's refused sign-in linked %d identities", links())
	}
	h.exec("UPDATE contacts SET disabled = ? WHERE id = ?", false, carlaID)
	h.exec("INSERT INTO lists (name) VALUES ('SSO linkers')")
	listID := int64(h.count("SELECT max(id) FROM lists"))
	h.updateSettings(func(s *model.PortalSettings) { s.SSOAccess = model.SSOAccessLists; s.SSOLists = []int64{listID} })
	defer h.updateSettings(func(s *model.PortalSettings) { s.SSOAccess = model.SSOAccessAll; s.SSOLists = nil })
	if res, _ := h.client().oidcLogin(op, "linker", carla, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("not on the list: %d", res.StatusCode)
	}
	if links() != 0 || h.lastAudit("sso.link") != "" {
		t.Errorf("a sign-in refused by the lists linked %d identities", links())
	}
	h.exec("INSERT INTO list_members (list_id, contact_id) VALUES (?, ?)", listID, carlaID)
	c := h.client()
	if res, _ := c.oidcLogin(op, "linker", carla, ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
		t.Fatalf("on the list: %d", res.StatusCode)
	}
	if links() != 1 || h.lastAudit("sso.link") != carla {
		t.Errorf("admitted: %d identities, link audited %q", links(), h.lastAudit("sso.link"))
	}
}

// An OpenID issuer must be https (http only on a loopback host), in the
// form and when signing in; what a provider answers is bounded, and its
// body never reaches the audit log.
func TestSSOOIDCIssuerAndDiscovery(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.admin()
	form := func(issuer string) (*http.Response, string) {
		return admin.admPost("/admin/portal/sso", admForm("kind", "oidc", "name", "Corp", "slug", "corp", "preset", "generic",
			"issuer", issuer, "client_id", "abc", "client_secret", "s3cret"), true)
	}
	res, body := form("http://idp.example.com")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("http issuer: %d", res.StatusCode)
	}
	admInvalid(t, body, "issuer")
	if res, body := form("http://127.0.0.1:9/realm"); res.StatusCode != http.StatusOK || strings.Contains(body, `id="issuer-error"`) {
		t.Errorf("http issuer on loopback: %d", res.StatusCode)
	}

	// Stored before the rule: refused when signing in.
	h.addProvider(model.SSOKindOIDC, "plain", sso.OIDCOptions{Preset: "generic", Issuer: "http://idp.example.com", ClientID: "abc"},
		map[string]string{sso.SecretOIDC: "s3cret"})
	if res, _ := h.client().get("/portal/sso/plain/login", false); res.StatusCode != http.StatusBadRequest {
		t.Errorf("http issuer at sign-in: %d", res.StatusCode)
	}
	if got := h.lastAudit("sso.failed"); !strings.Contains(got, "is not https") {
		t.Errorf("audited %q", got)
	}

	// A discovery error's body, and an oversized discovery document.
	secret := "INTERNAL-" + strings.Repeat("x", 4000)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/huge") {
			_, _ = w.Write([]byte(`{"issuer":"` + strings.Repeat("a", sso.MaxProviderResponse) + `"}`))
			return
		}
		http.Error(w, secret, http.StatusInternalServerError)
	}))
	t.Cleanup(bad.Close)
	for slug, issuer := range map[string]string{"err": bad.URL + "/err", "huge": bad.URL + "/huge"} {
		h.addProvider(model.SSOKindOIDC, slug, sso.OIDCOptions{Preset: "generic", Issuer: issuer, ClientID: "abc"},
			map[string]string{sso.SecretOIDC: "s3cret"})
		if res, _ := h.client().get("/portal/sso/"+slug+"/login", false); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", slug, res.StatusCode)
		}
		got := h.lastAudit("sso.failed")
		if strings.Contains(got, "INTERNAL") || len(got) > 400 || !strings.HasPrefix(got, "provider_error") {
			t.Errorf("%s: audited %d bytes: %.120q", slug, len(got), got)
		}
		if slug == "huge" && !strings.Contains(got, "over 1048576 bytes") {
			t.Errorf("oversized discovery: audited %q", got)
		}
	}
}

// An oversized ID token is refused before it is verified, and a nonce
// recorded as used (on any instance) is refused by the once-only check.
func TestSSOOIDCOversizedTokenAndUsedNonce(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "u-3", Email: "olga@example.net", EmailVerified: true, GivenName: "Olga"})
	h.addOIDC(op, "idp")

	op.ForceIDToken(strings.Repeat("a", 2*sso.MaxJWTSize+1))
	c := h.client()
	if res, _ := c.oidcLogin(op, "idp", "olga@example.net", ""); res.StatusCode != http.StatusBadRequest || c.loggedIn() {
		t.Errorf("oversized id_token: %d", res.StatusCode)
	}
	if got := h.lastAudit("sso.failed"); got != "invalid: oversized id_token" {
		t.Errorf("audited %q", got)
	}
	op.ForceIDToken("")

	c = h.client()
	cb := c.oidcCallback(op, "idp", "olga@example.net", "")
	nonce := op.LastAuthorize().Get("nonce")
	if nonce == "" {
		t.Fatal("no nonce sent")
	}
	if err := h.srv.SSO.UseOnce(context.Background(), "nonce", nonce, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res, body := c.get(cb, false); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already used") || c.loggedIn() {
		t.Errorf("used nonce: %d %q", res.StatusCode, h1(body))
	}
	if got := h.lastAudit("sso.failed"); got != "replay: nonce used before" {
		t.Errorf("audited %q", got)
	}
}
