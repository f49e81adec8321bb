package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/store"
	"portico/app/testutil/idp"
)

// Single sign-on in a browser, against the real binary: an OpenID Connect
// login through the provider's own login page, a JWT remote login from a
// customer's application page, and lists-only access refusing a person
// who is not on the list.

// ssoSetup opens the instance's database to add providers, sealed with
// the instance's own secret key.
type ssoSetup struct {
	t   *testing.T
	st  *store.Store
	key []byte
}

func newSSOSetup(t *testing.T, s *server) *ssoSetup {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(s.DataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(filepath.Join(s.DataDir, "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &ssoSetup{t: t, st: st, key: []byte(strings.TrimSpace(string(key)))}
}

func (x *ssoSetup) add(kind, slug, name string, opts any, secrets map[string]string, linking bool) {
	x.t.Helper()
	ctx := context.Background()
	b, _ := json.Marshal(opts)
	p := &model.SSOProvider{Slug: slug, Kind: kind, Name: name, Enabled: true, AllowLinking: linking, Options: string(b)}
	if err := store.SaveSSOProvider(ctx, x.st.DB, p); err != nil {
		x.t.Fatal(err)
	}
	if err := sso.SealFor(x.key, p, secrets); err != nil {
		x.t.Fatal(err)
	}
	if err := store.SaveSSOProvider(ctx, x.st.DB, p); err != nil {
		x.t.Fatal(err)
	}
}

func (x *ssoSetup) settings(change func(*model.PortalSettings)) {
	x.t.Helper()
	ctx := context.Background()
	st, _, err := store.Settings(ctx, x.st.DB)
	if err != nil {
		x.t.Fatal(err)
	}
	change(&st)
	if _, err := store.SaveSettings(ctx, x.st.DB, st); err != nil {
		x.t.Fatal(err)
	}
}

// The login page's button, the provider's login form, and back in the
// portal on the page wanted, as the newly created contact.
func TestBrowserSSOOIDC(t *testing.T) {
	s := startServer(t, serverOptions{})
	op := idp.NewOP(t)
	op.RedirectURI = s.URL + "/portal/sso/okta/callback"
	op.AddUser(idp.User{Subject: "00u-nadia", Email: "nadia@initech.example", EmailVerified: true, GivenName: "Nadia", FamilyName: "Ortiz"})
	x := newSSOSetup(t, s)
	x.add(model.SSOKindOIDC, "okta", "Okta", sso.OIDCOptions{Preset: "generic", Issuer: op.Issuer, ClientID: op.ClientID},
		map[string]string{sso.SecretOIDC: op.ClientSecret}, false)

	b := newBrowser(t, s.URL)
	b.open("/portal/tickets/new")
	b.waitPath("/portal/login")
	b.waitJS("the SSO button", `document.querySelector('a[data-sso="okta"]')`)
	b.do("continue with Okta", chromedp.Click(chromedp.CSS(`a[data-sso="okta"]`)))
	b.waitJS("the provider's login form", `location.origin === `+jsString(op.Issuer)+` && document.querySelector('#idp-email')`)
	b.do("sign in at the provider",
		chromedp.SetValue(chromedp.CSS("#idp-email"), "nadia@initech.example"),
		chromedp.Click(chromedp.CSS("#idp-submit")),
	)
	b.waitPath("/portal/tickets/new")
	if !evalJS[bool](b, `!!document.querySelector('form[action="/portal/logout"]')`) {
		t.Fatalf("not logged in after the provider's login%s", b.where())
	}
	// Logout ends the provider's session too, and lands on the login page.
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button`)))
	b.waitPath("/portal/login")
	if op.EndSessions() != 1 {
		t.Errorf("the provider's end-session endpoint was called %d times", op.EndSessions())
	}
}

// customerApp serves the customer's own login page: it signs a JWT for
// the person (iss its own origin, aud the portal) and offers a button
// that POSTs it to the portal, with the return_to and state the portal
// sent.
func customerApp(t *testing.T, portal, secret string, claims func() map[string]any) *httptest.Server {
	t.Helper()
	page := template.Must(template.New("app").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer app</title></head>
<body><h1>Customer app</h1><p>You are signed in to the customer app.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="jwt" value="{{.JWT}}"><input type="hidden" name="return_to" value="{{.ReturnTo}}"><input type="hidden" name="state" value="{{.State}}">
<button id="to-portal" type="submit">Go to the support portal</button></form></body></html>`))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		m := claims()
		m["iss"], m["aud"] = "http://"+r.Host, portal
		_ = page.Execute(w, map[string]string{"Action": portal + "/portal/sso/app/jwt",
			"JWT": idp.SignHS256([]byte(secret), m), "ReturnTo": r.URL.Query().Get("return_to"), "State": r.URL.Query().Get("state")})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func jwtClaims(email, name string, verified bool) func() map[string]any {
	return func() map[string]any {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		now := time.Now()
		return map[string]any{"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": hex.EncodeToString(b),
			"email": email, "email_verified": verified, "name": name, "external_id": "crm-" + email}
	}
}

// JWT remote login: the portal sends the visitor to the customer's page,
// whose form posts the token back; Ana's contact is linked (verified
// email, linking allowed) and she sees her tickets.
func TestBrowserSSOJWT(t *testing.T) {
	s := startServer(t, serverOptions{})
	const secret = "customer-app-shared-secret-0123456789"
	app := customerApp(t, s.URL, secret, jwtClaims(anaEmail, "Ana Acme", true))
	x := newSSOSetup(t, s)
	x.add(model.SSOKindJWT, "app", "Acme account", sso.JWTOptions{LoginURL: app.URL + "/login", Algorithm: "HS256",
		Issuer: app.URL, Audience: s.URL, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: secret}, true)

	b := newBrowser(t, s.URL)
	b.open("/portal/login?next=%2Fportal%2Ftickets%3Fstatus%3Dclosed")
	b.waitJS("the SSO button", `document.querySelector('a[data-sso="app"]')`)
	b.do("continue with the customer's account", chromedp.Click(chromedp.CSS(`a[data-sso="app"]`)))
	b.waitJS("the customer's page", `location.origin === `+jsString(app.URL)+` && document.querySelector('#to-portal')`)
	b.do("go to the portal", chromedp.Click(chromedp.CSS("#to-portal")))
	b.waitJS("back in the portal, on the page wanted", `location.origin === `+jsString(s.URL)+` && location.pathname === '/portal/tickets' && location.search === '?status=closed' && document.readyState !== 'loading'`)
	if !evalJS[bool](b, `!!document.querySelector('form[action="/portal/logout"]')`) {
		t.Fatalf("not logged in after the JWT login%s", b.where())
	}
}

// Lists only: a person the provider vouches for, not on the list, gets
// the access-denied page and no session.
func TestBrowserSSOListsOnly(t *testing.T) {
	s := startServer(t, serverOptions{})
	const secret = "customer-app-shared-secret-0123456789"
	app := customerApp(t, s.URL, secret, jwtClaims("outsider@example.net", "Otto Side", true))
	x := newSSOSetup(t, s)
	x.add(model.SSOKindJWT, "app", "Acme account", sso.JWTOptions{LoginURL: app.URL + "/login", Algorithm: "HS256",
		Issuer: app.URL, Audience: s.URL, VerifiesEmail: true},
		map[string]string{sso.SecretJWT: secret}, false)
	lists, err := store.Lists(context.Background(), x.st.DB)
	if err != nil || len(lists) == 0 {
		t.Fatalf("demo lists: %v", err)
	}
	x.settings(func(st *model.PortalSettings) {
		st.SSOAccess = model.SSOAccessLists
		st.SSOLists = []int64{lists[0].ID}
	})

	b := newBrowser(t, s.URL)
	b.open("/portal/login")
	b.do("continue with the customer's account", chromedp.Click(chromedp.CSS(`a[data-sso="app"]`)))
	b.waitJS("the customer's page", `document.querySelector('#to-portal')`)
	b.do("go to the portal", chromedp.Click(chromedp.CSS("#to-portal")))
	b.waitText("h1", "Access denied")
	b.open("/portal/tickets")
	b.waitPath("/portal/login")
	b.waitJS("the login form", `document.querySelector('form[action="/portal/login"]')`)
}

// An admin adds an OpenID Connect provider in the settings page, runs a
// test sign-in through the provider's login page, and sees what it sent.
func TestBrowserSSOAdminTestSignIn(t *testing.T) {
	s := startServer(t, serverOptions{})
	op := idp.NewOP(t)
	op.RedirectURI = s.URL + "/portal/sso/corp/callback"
	op.AddUser(idp.User{Subject: "00u-tom", Email: "tom@corp.example", EmailVerified: true, GivenName: "Tom"})

	b := newBrowser(t, s.URL)
	boStaffLogin(b, boAdminEmail)
	b.open("/admin/portal#sso")
	b.waitJS("the SSO section", `document.querySelector('#sso a[href^="/admin/portal/sso/new?kind=oidc"]')`)
	b.do("add OpenID Connect", chromedp.Click(chromedp.CSS(`#sso a[href^="/admin/portal/sso/new?kind=oidc"]`)))
	b.waitJS("the provider form", `document.querySelector('#sso form #client_id')`)
	b.do("fill the provider form",
		chromedp.SetValue(chromedp.CSS("#sso #name"), "Corp"),
		chromedp.SetValue(chromedp.CSS("#sso #slug"), "corp"),
		chromedp.SetValue(chromedp.CSS("#sso #issuer"), op.Issuer),
		chromedp.SetValue(chromedp.CSS("#sso #client_id"), op.ClientID),
		chromedp.SetValue(chromedp.CSS("#sso #client_secret"), op.ClientSecret),
		chromedp.Click(chromedp.CSS(`#sso form button[type="submit"]`)),
	)
	b.waitJS("the saved provider and its redirect URI", `document.querySelector('#sso-providers') && document.querySelector('#sso').innerText.includes(`+jsString(op.RedirectURI)+`)`)
	if evalJS[bool](b, `document.querySelector('#sso').innerHTML.includes(`+jsString(op.ClientSecret)+`)`) {
		t.Error("the client secret is shown")
	}
	b.do("test sign-in", chromedp.Click(chromedp.CSS(`#sso-providers form[action$="/test"] button`)))
	b.waitJS("the provider's login form", `location.origin === `+jsString(op.Issuer)+` && document.querySelector('#idp-email')`)
	b.do("sign in at the provider",
		chromedp.SetValue(chromedp.CSS("#idp-email"), "tom@corp.example"),
		chromedp.Click(chromedp.CSS("#idp-submit")),
	)
	b.waitText("h1", "Test sign-in")
	b.waitText("#sso-test-email", "tom@corp.example")
	b.waitText("#sso-test-subject", "00u-tom")
}
