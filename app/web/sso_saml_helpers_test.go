package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/sso/saml"
	"portico/app/sso/saml/samltest"
	"portico/app/sso/samlkind"
	"portico/app/store"
	"portico/app/testutil"
)

var (
	samlKeysOnce sync.Once
	samlKeys     saml.Keys
)

// samlSetup is a portal with a SAML provider "okta" that trusts an
// in-process IdP, which trusts it back.
type samlSetup struct {
	h   *harness
	idp *samltest.IdP
	p   *model.SSOProvider
	md  []byte
}

// newSAML builds the portal on st (SQLite when nil), adds the provider
// with edit applied to its options, and registers the SP at the IdP.
func newSAML(t *testing.T, st *store.Store, edit func(*samlkind.Options), opts ...harnessOpt) *samlSetup {
	t.Helper()
	var h *harness
	if st == nil {
		h = newPortal(t, opts...)
	} else {
		h = newHarnessOn(t, st, opts...)
	}
	samlKeysOnce.Do(func() {
		var err error
		if samlKeys, err = saml.GenerateKeys("portico-test"); err != nil {
			t.Fatal(err)
		}
	})
	s := &samlSetup{h: h, idp: samltest.New(t)}
	s.idp.AddUser(samltest.User{Name: "nora", Password: "pw", NameID: "00u-nora", Email: "nora@newco.example",
		FirstName: "Nora", LastName: "Nuevo", Company: "NewCo"})
	s.idp.AddUser(samltest.User{Name: "ana", Password: "pw", NameID: "00u-ana", Email: ana, FirstName: "Ana"})
	s.idp.AutoLogin("nora")
	o := samlkind.Options{MetadataXML: string(s.idp.Metadata(t)), EmailAttr: "email", FirstNameAttr: "firstName",
		LastNameAttr: "lastName", CompanyAttr: "company", Certificate: samlKeys.Certificate, EmailVerified: true}
	if edit != nil {
		edit(&o)
	}
	b, _ := json.Marshal(o)
	s.p = &model.SSOProvider{Slug: "okta", Kind: model.SSOKindSAML, Name: "Okta", Enabled: true, Options: string(b), CompanyMap: "{}"}
	ctx := context.Background()
	if err := store.SaveSSOProvider(ctx, h.st.DB, s.p); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.SSO.SealSecrets(s.p, map[string]string{samlkind.SecretKey: samlKeys.Key}); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSSOProvider(ctx, h.st.DB, s.p); err != nil {
		t.Fatal(err)
	}
	res, body := h.client().get("/portal/sso/okta/metadata", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d %s", res.StatusCode, body)
	}
	s.md = []byte(body)
	s.idp.AddSP(t, s.md, false)
	return s
}

// spURL is the absolute URL of one of the provider's routes.
func (s *samlSetup) spURL(action string) string {
	return s.h.srv.Config.BaseURL + "/portal/sso/okta/" + action
}

// start begins a sign-in in the client's session and returns the IdP's
// Response for it.
func (s *samlSetup) start(c *client, returnTo string) (string, string) {
	s.h.t.Helper()
	res, _ := c.get("/portal/sso/okta/login?return_to="+url.QueryEscape(returnTo), false)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.idp.Server.URL+"/sso?SAMLRequest=") {
		s.h.t.Fatalf("login: %d to %q", res.StatusCode, loc)
	}
	return s.idp.Post(s.h.t, loc)
}

// acs posts a Response to the ACS as the page of the portal does.
func (s *samlSetup) acs(c *client, resp, relay string) (*http.Response, string) {
	s.h.t.Helper()
	return c.post("/portal/sso/okta/acs", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}, "portico_bounce": {"1"}}, false)
}

// crossSite posts a Response the way the IdP's page does: with no cookie.
func (s *samlSetup) crossSite(resp, relay string) (*http.Response, string) {
	s.h.t.Helper()
	return s.h.client().post("/portal/sso/okta/acs", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}}, false)
}

// lastFailure is the detail of the last audited SSO failure.
func (s *samlSetup) lastFailure() string {
	s.h.t.Helper()
	var after string
	if err := s.h.st.DB.QueryRowContext(context.Background(),
		"SELECT after FROM audit_log WHERE action = 'sso.failed' ORDER BY id DESC LIMIT 1").Scan(&after); err != nil {
		s.h.t.Fatalf("no sso.failed audit entry: %v", err)
	}
	return after
}

// noRedirect is an HTTP client that shows redirects instead of following.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// redisOpts puts sessions and limits in Redis.
func redisOpts(t *testing.T) harnessOpt {
	rc, prefix := testutil.Redis(t)
	return withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix}, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})
}

// jsonOptions decodes a provider's options.
func jsonOptions(p *model.SSOProvider, v any) error { return json.Unmarshal([]byte(p.Options), v) }
