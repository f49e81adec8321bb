package web

import (
	"net/http"
	"portico/app/auth"
	"portico/app/testutil"
	"strings"
	"testing"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil/idp"
)

// An existing contact's email is never taken over silently: only when the
// provider vouches for the email and the admin allowed linking.
func TestSSOEmailCollision(t *testing.T) {
	t.Parallel()
	emailCollision(t, newPortal(t))
}

func emailCollision(t *testing.T, h *harness) {
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "x-ana", Email: ana, EmailVerified: false, GivenName: "Not Ana"})
	h.addOIDC(op, "nolink")
	h.addOIDC(op, "link", func(p *model.SSOProvider) { p.AllowLinking = true })
	anaID := h.contactID(ana)

	// Unverified email, linking off or on: refused with a page saying why.
	for _, slug := range []string{"nolink", "link"} {
		c := h.client()
		res, body := c.oidcLogin(op, slug, ana, "")
		if res.StatusCode != http.StatusConflict || h1(body) != "This email already has an account" {
			t.Errorf("%s, unverified: %d %q", slug, res.StatusCode, h1(body))
		}
		if c.loggedIn() {
			t.Errorf("%s: logged in as Ana", slug)
		}
		if got := h.lastAudit("sso.failed"); got != "email_in_use" {
			t.Errorf("audited %q", got)
		}
	}
	// Verified, but linking off: still refused.
	op.AddUser(idp.User{Subject: "x-ana", Email: ana, EmailVerified: true, GivenName: "Ana"})
	if res, _ := h.client().oidcLogin(op, "nolink", ana, ""); res.StatusCode != http.StatusConflict {
		t.Errorf("verified, linking off: %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM contact_identities WHERE contact_id = ?", anaID); n != 0 {
		t.Fatalf("%d identities linked to Ana", n)
	}
	// Verified and linking on: linked to Ana, audited.
	c := h.client()
	if res, _ := c.oidcLogin(op, "link", ana, ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
		t.Fatalf("verified, linking on: %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM contact_identities WHERE contact_id = ? AND issuer = ?", anaID, op.Issuer); n != 1 {
		t.Errorf("%d identities linked to Ana", n)
	}
	if h.lastAudit("sso.link") != ana {
		t.Error("the link was not audited")
	}
}

// Under "SSO users on lists", only contacts on the chosen lists get in:
// a newcomer is refused (and not created), a member is let in, and a
// member taken off the list loses access at once.
func TestSSOListsOnly(t *testing.T) {
	t.Parallel()
	listsOnly(t, newPortal(t))
}

func listsOnly(t *testing.T, h *harness) {
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	h.exec("INSERT INTO lists (name) VALUES ('SSO customers')")
	listID := int64(h.count("SELECT max(id) FROM lists"))
	h.updateSettings(func(s *model.PortalSettings) { s.SSOAccess = model.SSOAccessLists; s.SSOLists = []int64{listID} })

	// A newcomer: access denied, audited, nothing created.
	c := h.client()
	res, body := c.postJWT("app", idp.SignHS256([]byte(jwtSecret), claims("newbie@example.net")), "")
	if res.StatusCode != http.StatusForbidden || h1(body) != "Access denied" {
		t.Errorf("newcomer: %d %q", res.StatusCode, h1(body))
	}
	if h.count("SELECT count(*) FROM contacts WHERE email = 'newbie@example.net'") != 0 {
		t.Error("a refused newcomer was created")
	}
	if got := h.lastAudit("sso.failed"); got != "not_on_list" {
		t.Errorf("audited %q", got)
	}

	// Carla, known (identity linked earlier) but not on the list: refused.
	carlaID := h.contactID(carla)
	h.exec("INSERT INTO contact_identities (contact_id, issuer, subject, email) VALUES (?, ?, 'c-1', ?)", carlaID, jwtIssuer, carla)
	token := func() string {
		return idp.SignHS256([]byte(jwtSecret), claims(carla, func(m map[string]any) { m["external_id"] = "c-1" }))
	}
	c = h.client()
	if res, _ := c.postJWT("app", token(), ""); res.StatusCode != http.StatusForbidden || c.loggedIn() {
		t.Errorf("non-member: %d", res.StatusCode)
	}

	// On the list: in. Off the list again: out on the next request.
	h.exec("INSERT INTO list_members (list_id, contact_id) VALUES (?, ?)", listID, carlaID)
	c = h.client()
	if res, _ := c.postJWT("app", token(), ""); res.StatusCode != http.StatusSeeOther || !c.loggedIn() {
		t.Fatalf("member: %d", res.StatusCode)
	}
	h.exec("DELETE FROM list_members WHERE contact_id = ?", carlaID)
	if res, body := c.get("/portal/tickets", false); res.StatusCode != http.StatusForbidden || h1(body) != "Access denied" {
		t.Errorf("removed from the list: %d %q", res.StatusCode, h1(body))
	}

	// A disabled contact is refused, even with a good token.
	h.exec("INSERT INTO list_members (list_id, contact_id) VALUES (?, ?)", listID, carlaID)
	h.exec("UPDATE contacts SET disabled = ? WHERE id = ?", true, carlaID)
	if res, body := h.client().postJWT("app", token(), ""); res.StatusCode != http.StatusForbidden || h1(body) != "Access denied" {
		t.Errorf("disabled contact: %d %q", res.StatusCode, h1(body))
	}
	if got := h.lastAudit("sso.failed"); got != "disabled" {
		t.Errorf("audited %q", got)
	}
	h.exec("UPDATE contacts SET disabled = ? WHERE id = ?", false, carlaID)
	h.exec("DELETE FROM list_members WHERE contact_id = ?", carlaID)

	// The password rules don't apply to an SSO session, nor the SSO rules
	// to a password session: portal access by lists, SSO for all.
	h.updateSettings(func(s *model.PortalSettings) {
		s.SSOAccess = model.SSOAccessAll
		s.Access = model.AccessLists
		s.AccessLists = []int64{listID}
	})
	if !c.loggedIn() {
		t.Error("an SSO session under \"all SSO users\" was refused by the password access lists")
	}
}

// A disabled or unknown provider answers 404 on every route.
func TestSSODisabledProvider(t *testing.T) {
	t.Parallel()
	disabledProvider(t, newPortal(t))
}

func disabledProvider(t *testing.T, h *harness) {
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "d-1", Email: "dora@example.net", EmailVerified: true})
	h.addOIDC(op, "off")
	h.addProvider(model.SSOKindJWT, "offjwt", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256"},
		map[string]string{sso.SecretJWT: jwtSecret}, func(p *model.SSOProvider) { p.Enabled = false })
	// A flow started while enabled, finished after it was disabled.
	c := h.client()
	cb := c.oidcCallback(op, "off", "dora@example.net", "")
	h.exec("UPDATE sso_providers SET enabled = ? WHERE slug = 'off'", false)
	for _, path := range []string{cb, "/portal/sso/off/login", "/portal/sso/offjwt/login", "/portal/sso/nope/login",
		"/portal/sso/nope/callback?state=x&code=y", "/portal/sso/offjwt/jwt?jwt=x"} {
		if res, body := c.get(path, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d %q, want 404", path, res.StatusCode, h1(body))
		}
	}
	if res, _ := c.postJWT("offjwt", idp.SignHS256([]byte(jwtSecret), claims("dora@example.net")), ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST to a disabled JWT provider: %d", res.StatusCode)
	}
	// A kind's route under another kind's provider is unknown too.
	if res, _ := c.get("/portal/sso/offjwt/callback?state=x", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("oidc callback of a jwt provider: %d", res.StatusCode)
	}
	if c.loggedIn() || strings.Contains(h.lastAudit("sso.login"), "dora") {
		t.Error("logged in through a disabled provider")
	}
	if got := h.lastAudit("sso.failed"); got != "provider_disabled" {
		t.Errorf("audited %q", got)
	}
}

// The refusals, collisions, disabled providers and lists-only access on
// Postgres, with sessions and limits in Redis, one after the other on one
// database (each test uses its own providers and people).
func TestSSORulesPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	h := newHarnessOn(t, testutil.Postgres(t), withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
		&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()}))
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"oidc refusals", oidcRefusals}, {"jwt refusals", jwtRefusals}, {"email collision", emailCollision},
		{"disabled provider", disabledProvider}, {"lists only", listsOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			tc.run(t, h)
		})
	}
}
