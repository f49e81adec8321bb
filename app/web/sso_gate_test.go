package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil"
	"portico/app/testutil/idp"
)

// withMailer gives the server a real Mailer, as mlHarness does, for a
// harness on another database.
func withMailer(t *testing.T) harnessOpt {
	return func(d *Deps) {
		m, err := mail.NewFromConfig(d.Config, d.Views, d.I18n, d.Secret)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = m
	}
}

// Under "SSO only" with "SSO users on lists", the password flows are no
// way around the lists: reset, invitation, registration and verification
// answer 404 (a reset link mailed before the switch included), the login
// page offers none of them, and a password session started before the
// switch is refused.
func TestSSOOnlyClosesPasswordFlows(t *testing.T) {
	t.Parallel()
	testSSOOnlyClosesPasswordFlows(t, mlHarness(t))
}

// The same on Postgres, with sessions in Redis.
func TestSSOOnlyClosesPasswordFlowsPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	testSSOOnlyClosesPasswordFlows(t, newHarnessOn(t, testutil.Postgres(t), withMailer(t),
		withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix}, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
}

func testSSOOnlyClosesPasswordFlows(t *testing.T, h *harness) {
	h.addProvider(model.SSOKindJWT, "app", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256", Unsolicited: true},
		map[string]string{sso.SecretJWT: jwtSecret})
	h.exec("INSERT INTO lists (name) VALUES ('SSO customers')")
	listID := int64(h.count("SELECT max(id) FROM lists"))

	// Before the switch: a reset link for Ana, and a password session.
	if code, _ := h.mlForgot(ana); code != http.StatusOK {
		t.Fatalf("forgot before the switch: %d", code)
	}
	path := mlPath(h.mlLink(ana, mail.KindReset))
	token := path[strings.Index(path, "token=")+len("token="):]
	before := h.mlContact(ana)
	if !before.loggedIn() {
		t.Fatal("the password session does not work before the switch")
	}

	h.mlSettings(func(s *model.PortalSettings) {
		s.SSOOnly = true
		s.SSOAccess = model.SSOAccessLists
		s.SSOLists = []int64{listID}
	})
	c := h.mlAnon("/portal/login")
	_, page := c.get("/portal/login", false)
	for _, link := range []string{"/password/forgot", "/register", `action="/portal/login"`} {
		if strings.Contains(page, link) {
			t.Errorf("the login page still offers %s under SSO only", link)
		}
	}
	for _, tc := range []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, "/portal/password/forgot", nil},
		{http.MethodPost, "/portal/password/forgot", url.Values{"email": {ana}}},
		{http.MethodGet, path, nil},
		{http.MethodPost, "/portal/password/reset", url.Values{"token": {token}, "password": {"correct horse battery"}}},
		{http.MethodGet, "/portal/password/set?token=" + token, nil},
		{http.MethodPost, "/portal/password/set", url.Values{"token": {token}, "password": {"correct horse battery"}}},
		{http.MethodGet, "/portal/verify?token=" + token, nil},
		{http.MethodPost, "/portal/verify", url.Values{"token": {token}}},
		{http.MethodPost, "/portal/verify/resend", url.Values{"email": {ana}}},
		{http.MethodGet, "/portal/register", nil},
		{http.MethodPost, "/portal/register", url.Values{"email": {"new@example.net"}, "name": {"New"}, "password": {"correct horse battery"}}},
		{http.MethodPost, "/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}},
	} {
		var res *http.Response
		if tc.method == http.MethodGet {
			res, _ = c.get(tc.path, false)
		} else {
			res, _ = c.post(tc.path, tc.form, false)
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s under SSO only: %d, want 404", tc.method, tc.path, res.StatusCode)
		}
	}
	if c.loggedIn() {
		t.Error("the reset link mailed before the switch logged in")
	}
	if res, body := before.get("/portal/tickets", false); res.StatusCode != http.StatusForbidden || h1(body) != "Access denied" {
		t.Errorf("a password session under SSO only: %d %q", res.StatusCode, h1(body))
	}
	// SSO itself refuses Ana, who is on no list, and lets her in once listed.
	h.exec("INSERT INTO contact_identities (contact_id, issuer, subject, email) VALUES (?, ?, 'ana-1', ?)", h.contactID(ana), jwtIssuer, ana)
	signed := func() string {
		return idp.SignHS256([]byte(jwtSecret), claims(ana, func(m map[string]any) { m["external_id"] = "ana-1" }))
	}
	if res, _ := h.client().postJWT("app", signed(), ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("SSO for a non-member: %d", res.StatusCode)
	}
	h.exec("INSERT INTO list_members (list_id, contact_id) VALUES (?, ?)", listID, h.contactID(ana))
	s := h.client()
	if res, _ := s.postJWT("app", signed(), ""); res.StatusCode != http.StatusSeeOther || !s.loggedIn() {
		t.Errorf("SSO for a member: %d", res.StatusCode)
	}

	// With "SSO only" off again, the password side is back.
	h.mlSettings(func(s *model.PortalSettings) { s.SSOOnly = false })
	if res, _ := c.get("/portal/password/forgot", false); res.StatusCode != http.StatusOK {
		t.Errorf("forgot without SSO only: %d", res.StatusCode)
	}
}
