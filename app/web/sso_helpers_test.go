package web

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/store"
	"portico/app/testutil/idp"
)

// Helpers of the single sign-on tests.

// addProvider stores an enabled provider of the kind with its options
// and secrets, through the service (so the secrets are sealed).
func (h *harness) addProvider(kind, slug string, opts any, secrets map[string]string, change ...func(*model.SSOProvider)) *model.SSOProvider {
	h.t.Helper()
	if kind == model.SSOKindJWT {
		opts = jwtDefaults(opts)
	}
	b, err := json.Marshal(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	p := &model.SSOProvider{Slug: slug, Kind: kind, Name: strings.ToUpper(slug[:1]) + slug[1:], Enabled: true, Options: string(b)}
	for _, f := range change {
		f(p)
	}
	if err := h.srv.SSO.SaveProvider(context.Background(), p, secrets); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// The iss and aud of the test JWT providers, unless a test sets others;
// claims puts them in every token.
const (
	jwtIssuer   = "https://app.example"
	jwtAudience = "https://portal.example"
)

// jwtDefaults gives a JWT provider's options the test issuer and
// audience when they have none.
func jwtDefaults(opts any) any {
	switch o := opts.(type) {
	case sso.JWTOptions:
		if o.Issuer == "" {
			o.Issuer = jwtIssuer
		}
		if o.Audience == "" {
			o.Audience = jwtAudience
		}
		return o
	case map[string]string:
		if o["issuer"] == "" {
			o["issuer"] = jwtIssuer
		}
		if o["audience"] == "" {
			o["audience"] = jwtAudience
		}
	}
	return opts
}

// addOIDC stores an OpenID Connect provider for the test provider.
func (h *harness) addOIDC(op *idp.OP, slug string, change ...func(*model.SSOProvider)) *model.SSOProvider {
	h.t.Helper()
	return h.addProvider(model.SSOKindOIDC, slug,
		sso.OIDCOptions{Preset: "generic", Issuer: op.Issuer, ClientID: op.ClientID, CompanyClaim: "company"},
		map[string]string{sso.SecretOIDC: op.ClientSecret}, change...)
}

// local turns an absolute URL of the portal into the path app.Test takes.
func local(t testing.TB, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// noFollow is an HTTP client for the provider's side that stops at the
// first redirect, so the test carries it back into the portal.
var noFollow = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// oidcLogin runs the whole code flow: the portal's login route, the
// provider (which signs the user in at once), and the callback. It
// answers the callback's response and body.
func (c *client) oidcLogin(op *idp.OP, slug, email, returnTo string) (*http.Response, string) {
	t := c.h.t
	t.Helper()
	cb := c.oidcCallback(op, slug, email, returnTo)
	return c.get(cb, false)
}

// oidcCallback runs the flow up to the provider's redirect back, and
// answers the callback path (with code and state) not yet visited.
func (c *client) oidcCallback(op *idp.OP, slug, email, returnTo string) string {
	t := c.h.t
	t.Helper()
	op.AutoLogin(email)
	path := "/portal/sso/" + slug + "/login"
	if returnTo != "" {
		path += "?return_to=" + url.QueryEscape(returnTo)
	}
	res, _ := c.get(path, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), op.Issuer+"/authorize?") {
		t.Fatalf("login route: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	back, err := noFollow.Get(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	if back.StatusCode != http.StatusFound {
		t.Fatalf("provider: %d", back.StatusCode)
	}
	return local(t, back.Header.Get("Location"))
}

// loggedIn tells whether the client's session reaches the ticket list.
func (c *client) loggedIn() bool {
	c.h.t.Helper()
	res, _ := c.get("/portal/tickets", false)
	return res.StatusCode == http.StatusOK
}

// lastAudit is the newest audit entry of the action, or "" when none.
func (h *harness) lastAudit(action string) string {
	h.t.Helper()
	var after string
	err := h.st.DB.QueryRowContext(context.Background(),
		"SELECT after FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1", action).Scan(&after)
	if err != nil {
		return ""
	}
	return after
}

var leaveRe = regexp.MustCompile(`<a href="([^"]+)" id="sso-continue"`)

// leaveTo is where a "leaving for the provider" page goes on to; the
// page must also go on by itself (meta refresh) to the same place.
func leaveTo(t *testing.T, res *http.Response, body string) string {
	t.Helper()
	m := leaveRe.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("not a leaving page: %d %q", res.StatusCode, h1(body))
	}
	to := html.UnescapeString(m[1])
	if !strings.Contains(html.UnescapeString(body), `<meta http-equiv="refresh" content="0;url=`+to+`">`) {
		t.Errorf("the leaving page does not go on by itself to %s", to)
	}
	return to
}

// publicPEM is an RSA public key as PEM.
func publicPEM(t *testing.T, k *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// provider loads a stored provider by slug.
func (h *harness) provider(slug string) *model.SSOProvider {
	h.t.Helper()
	p, err := store.SSOProviderBySlug(context.Background(), h.st.DB, slug)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}
