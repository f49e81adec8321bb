package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/store"
	"portico/app/testutil/idp"
)

// The "Single sign-on" section: a provider is added (htmx and plain
// form), a bad form comes back as typed with the errors at the fields,
// the secret is write-only and stored sealed, an edit keeps it, the URLs
// to copy are shown, and a provider is disabled and removed.
func TestSSOAdminSection(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	op := idp.NewOP(t)
	admin := h.admin()

	_, page := admin.get("/admin/portal", false)
	if !strings.Contains(page, `<section id="sso"`) || !admHas(page, "No providers yet.") {
		t.Fatal("no SSO section on the settings page")
	}
	res, body := admin.get("/admin/portal/sso/new?kind=oidc", true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("new form: %d", res.StatusCode)
	}
	admFragment(t, body, "sso")
	// Without JavaScript: the whole page, with the form in the section.
	if res, body := admin.get("/admin/portal/sso/new?kind=jwt", false); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, "<html") || !strings.Contains(body, `id="login_url"`) {
		t.Errorf("new form without htmx: %d", res.StatusCode)
	}
	if res, _ := admin.get("/admin/portal/sso/new?kind=nope", true); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown kind: %d", res.StatusCode)
	}

	// Invalid: errors at the fields, what was typed kept, nothing saved.
	bad := admForm("kind", "oidc", "name", "Okta", "slug", "Bad Slug!", "preset", "generic", "issuer", "", "client_id", "abc",
		"client_secret", "", "companies", "Initech")
	res, body = admin.admPost("/admin/portal/sso", bad, true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", res.StatusCode)
	}
	admFragment(t, body, "sso")
	for _, f := range []string{"slug", "issuer", "client_secret", "companies"} {
		admInvalid(t, body, f)
	}
	if v, _ := admValue(body, "client_id"); v != "abc" {
		t.Errorf("client_id shows %q, want what was typed", v)
	}
	if h.count("SELECT count(*) FROM sso_providers") != 0 {
		t.Fatal("an invalid provider was saved")
	}

	// Valid, as a plain form: saved, redirected back to the section.
	var acme string
	if err := h.st.DB.QueryRowContext(t.Context(), "SELECT name FROM companies ORDER BY id LIMIT 1").Scan(&acme); err != nil {
		t.Fatal(err)
	}
	good := admForm("kind", "oidc", "name", "Okta", "slug", "okta", "preset", "okta", "issuer", op.Issuer, "client_id", op.ClientID,
		"client_secret", op.ClientSecret, "companies", "Initech = "+acme, "enabled", "on")
	res, _ = admin.admPost("/admin/portal/sso", good, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/portal?sso=saved#sso" {
		t.Fatalf("create: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	p, err := store.SSOProviderBySlug(context.Background(), h.st.DB, "okta")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enabled || !strings.Contains(p.Options, op.Issuer) || strings.Contains(p.Secrets, op.ClientSecret) || !strings.HasPrefix(p.Secrets, "v1:") {
		t.Errorf("stored: %+v", p)
	}
	if h.lastAuditAction("sso.provider_create") == "" || strings.Contains(h.lastAuditAction("sso.provider_create"), op.ClientSecret) {
		t.Error("creation not audited, or audited with the secret")
	}
	_, page = admin.get("/admin/portal?sso=saved", false)
	if !admHas(page, "/portal/sso/okta/callback") || !admHas(page, "Saved") {
		t.Error("the redirect URI to copy is not shown")
	}
	if strings.Contains(page, op.ClientSecret) {
		t.Error("the secret is shown")
	}

	// Edit with the secret left empty: kept. The login still works.
	res, body = admin.get("/admin/portal/sso/"+recItoa(p.ID), true)
	if res.StatusCode != http.StatusOK || strings.Contains(body, op.ClientSecret) || !admHas(body, "A secret is stored") {
		t.Fatalf("edit form: %d", res.StatusCode)
	}
	if v, _ := admValue(body, "companies"); v != "Initech = "+acme {
		t.Errorf("companies shows %q", v)
	}
	edit := admForm("name", "Okta staff", "slug", "okta", "preset", "okta", "issuer", op.Issuer, "client_id", op.ClientID,
		"client_secret", "", "companies", "", "enabled", "on")
	if res, body := admin.admPost("/admin/portal/sso/"+recItoa(p.ID), edit, true); res.StatusCode != http.StatusOK || !admHas(body, "Okta staff") {
		t.Fatalf("save: %d", res.StatusCode)
	}
	op.AddUser(idp.User{Subject: "s-1", Email: "sam@example.net", EmailVerified: true, GivenName: "Sam"})
	if res, _ := h.client().oidcLogin(op, "okta", "sam@example.net", ""); res.StatusCode != http.StatusSeeOther {
		t.Errorf("login after an edit that kept the secret: %d", res.StatusCode)
	}

	// The login page shows its button; disabled, it is gone and 404s.
	_, login := h.client().get("/portal/login", false)
	if !strings.Contains(login, `href="/portal/sso/okta/login"`) || !admHas(login, "Continue with Okta staff") {
		t.Error("no login button")
	}
	edit.Del("enabled")
	admin.admPost("/admin/portal/sso/"+recItoa(p.ID), edit, true)
	if _, login := h.client().get("/portal/login", false); strings.Contains(login, "/portal/sso/okta/login") {
		t.Error("a disabled provider's button is shown")
	}
	if res, _ := h.client().get("/portal/sso/okta/login", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("disabled: %d", res.StatusCode)
	}

	// Removed.
	res, body = admin.admPost("/admin/portal/sso/"+recItoa(p.ID)+"/delete", nil, true)
	if res.StatusCode != http.StatusOK || !admHas(body, "No providers yet.") {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if h.count("SELECT count(*) FROM sso_providers") != 0 || h.lastAuditAction("sso.provider_delete") == "" {
		t.Error("not removed, or not audited")
	}

	// A contact has no access to any of it.
	c := h.client()
	c.as(ana)
	if res, _ := c.get("/admin/portal/sso/new?kind=oidc", false); res.StatusCode == http.StatusOK {
		t.Error("a contact reached the provider form")
	}
}

// A JWT provider's form checks the key against the algorithm.
func TestSSOAdminJWTForm(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.admin()
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{admForm("kind", "jwt", "name", "App", "slug", "app", "login_url", "not a url", "algorithm", "HS256", "shared_secret", jwtSecret), "login_url"},
		{admForm("kind", "jwt", "name", "App", "slug", "app", "login_url", "https://app.example/login", "algorithm", "HS256", "shared_secret", "short"), "shared_secret"},
		{admForm("kind", "jwt", "name", "App", "slug", "app", "login_url", "https://app.example/login", "algorithm", "RS256", "public_key", "nope"), "public_key"},
		{admForm("kind", "jwt", "name", "App", "slug", "app", "login_url", "https://app.example/login", "algorithm", "none"), "algorithm"},
		{admForm("kind", "jwt", "name", "App", "slug", "app", "login_url", "https://app.example/login", "algorithm", "HS256", "shared_secret", jwtSecret, "audience", ""), "audience"},
	} {
		res, body := admin.admPost("/admin/portal/sso", tc.form, true)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", tc.field, res.StatusCode)
			continue
		}
		admInvalid(t, body, tc.field)
	}
	// A new provider's form suggests the portal's base URL as the audience;
	// both switches start off.
	_, body := admin.get("/admin/portal/sso/new?kind=jwt", true)
	aud, _ := admValue(body, "audience")
	if !strings.HasPrefix(aud, "http") || strings.Contains(body, `name="verifies_email" value="on" class="mt-1" aria-describedby="verifies_email-hint" checked`) ||
		strings.Contains(body, `name="unsolicited" value="on" class="mt-1" aria-describedby="unsolicited-hint" checked`) {
		t.Errorf("new JWT form: audience %q, or a switch on by default", aud)
	}
	res, body := admin.admPost("/admin/portal/sso", admForm("kind", "jwt", "name", "App", "slug", "app",
		"login_url", "https://app.example/login", "algorithm", "HS256", "shared_secret", jwtSecret, "enabled", "on", "audience", aud), true)
	if res.StatusCode != http.StatusOK || !admHas(body, "/portal/sso/app/jwt") {
		t.Fatalf("valid: %d", res.StatusCode)
	}
	// The issuer left empty is the remote login URL's origin.
	var o sso.JWTOptions
	p := h.provider("app")
	if err := jsonOptions(p, &o); err != nil || o.Issuer != "https://app.example" || o.Audience != aud || o.VerifiesEmail || o.Unsolicited {
		t.Errorf("stored options %+v (%v)", o, err)
	}
	if h.count("SELECT count(*) FROM sso_providers WHERE slug = 'app' AND secrets NOT LIKE ?", "%"+jwtSecret+"%") != 1 {
		t.Error("not saved, or the secret stored in the clear")
	}
}

// "Test sign-in" reports what the provider sent, secrets removed, for a
// provider not yet enabled, and logs nobody in.
func TestSSOAdminTestSignIn(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	op := idp.NewOP(t)
	op.AddUser(idp.User{Subject: "t-1", Email: "tess@example.net", EmailVerified: true, GivenName: "Tess"})
	p := h.addOIDC(op, "okta", func(p *model.SSOProvider) { p.Enabled = false })
	admin := h.admin()
	op.AutoLogin("tess@example.net")
	res, body := admin.admPost("/admin/portal/sso/"+recItoa(p.ID)+"/test", nil, false)
	to := leaveTo(t, res, body)
	if !strings.HasPrefix(to, op.Issuer+"/authorize?") {
		t.Fatalf("test start goes on to %q", to)
	}
	back, err := noFollow.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	res, body = admin.get(local(t, back.Header.Get("Location")), false)
	if res.StatusCode != http.StatusOK || h1(body) != "Test sign-in" || !admHas(body, "tess@example.net") || !admHas(body, "t-1") {
		t.Fatalf("report: %d %q", res.StatusCode, h1(body))
	}
	if strings.Contains(body, op.LastIDToken()) || strings.Contains(body, op.ClientSecret) {
		t.Error("the report shows a secret")
	}
	if h.count("SELECT count(*) FROM contacts WHERE email = 'tess@example.net'") != 0 {
		t.Error("a test sign-in created a contact")
	}
	if admin.loggedIn() {
		t.Error("a test sign-in logged in")
	}

	// JWT: the customer's page gets a signed test path as return_to.
	j := h.addProvider(model.SSOKindJWT, "app", map[string]string{"login_url": "https://app.example/login", "algorithm": "HS256"},
		map[string]string{"shared_secret": jwtSecret}, func(p *model.SSOProvider) { p.Enabled = false })
	res, body = admin.admPost("/admin/portal/sso/"+recItoa(j.ID)+"/test", nil, false)
	u, _ := url.Parse(leaveTo(t, res, body))
	rt := u.Query().Get("return_to")
	if !strings.HasPrefix(rt, "/portal/sso/app/test?until=") {
		t.Fatalf("return_to %q", rt)
	}
	res, body = h.client().postJWT("app", idp.SignHS256([]byte(jwtSecret), claims("jo@example.net")), rt)
	if res.StatusCode != http.StatusOK || h1(body) != "Test sign-in" || !admHas(body, "jo@example.net") {
		t.Errorf("jwt report: %d %q", res.StatusCode, h1(body))
	}
	// A forged test path is no way around a disabled provider.
	if res, _ := h.client().postJWT("app", idp.SignHS256([]byte(jwtSecret), claims("jo@example.net")), "/portal/sso/app/test?until=99999999999&sig=x"); res.StatusCode != http.StatusNotFound {
		t.Errorf("forged test path: %d", res.StatusCode)
	}
}

// "SSO only" hides the password form and the registration link and
// refuses both; the activation checklist takes SSO as the way in.
func TestSSOOnly(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.addProvider(model.SSOKindJWT, "app", map[string]string{"login_url": "https://app.example/login", "algorithm": "HS256"},
		map[string]string{"shared_secret": jwtSecret})
	h.updateSettings(func(s *model.PortalSettings) { s.SSOOnly = true; s.Access = model.AccessRegistration })
	c := h.client()
	_, body := c.get("/portal/login", false)
	if strings.Contains(body, `action="/portal/login"`) || strings.Contains(body, `href="/portal/register"`) || !strings.Contains(body, "/portal/sso/app/login") {
		t.Error("SSO only: the password form or registration link is shown, or no SSO button")
	}
	if res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("password login under SSO only: %d", res.StatusCode)
	}
	if res, _ := c.get("/portal/register", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("registration under SSO only: %d", res.StatusCode)
	}

	// The checklist: password access unset, SSO usable: nothing missing
	// about access. No enabled provider under SSO only: missing.
	admin := h.admin()
	h.updateSettings(func(s *model.PortalSettings) { s.Access = model.AccessLists; s.AccessLists = nil })
	_, page := admin.get("/admin/portal", false)
	if admHas(page, h.admT("settings.missing_access")) || admHas(page, h.admT("settings.missing_sso")) {
		t.Error("the checklist does not take SSO as the access method")
	}
	h.exec("UPDATE sso_providers SET enabled = ?", false)
	_, page = admin.get("/admin/portal", false)
	if !admHas(page, h.admT("settings.missing_sso")) {
		t.Error("SSO only without a provider is not in the checklist")
	}
	// And with no provider the password form comes back (no lock-out).
	if _, body := h.client().get("/portal/login", false); !strings.Contains(body, `action="/portal/login"`) {
		t.Error("SSO only without a provider hides the password form")
	}
}

// lastAuditAction is the newest audit entry's after of an action ("" if none).
func (h *harness) lastAuditAction(action string) string {
	h.t.Helper()
	var after string
	_ = h.st.DB.QueryRowContext(context.Background(), "SELECT after || target FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1", action).Scan(&after)
	return after
}
