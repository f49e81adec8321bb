// Package samltest runs a real SAML identity provider in process, on a
// loopback HTTP server, for Portico's tests: the SAML library's own
// IdentityProvider with a small login page, signing (and, when the SP asks,
// encrypting) every assertion with a key made for the test.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	csaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
)

// User is a person the IdP knows. Password is what its login page wants.
type User struct {
	Name, Password string
	NameID         string
	Email          string
	FirstName      string
	LastName       string
	Company        string
}

// IdP is a running identity provider.
type IdP struct {
	// URL is the IdP's base URL, as its metadata names it.
	URL    string
	Server *httptest.Server
	IDP    *csaml.IdentityProvider
	Key    *rsa.PrivateKey
	Cert   *x509.Certificate

	mu sync.Mutex
	// sps holds the registered SPs' metadata, by entity ID.
	sps map[string]*csaml.EntityDescriptor
	// users holds the IdP's people, by login name.
	users map[string]User
	// mutate, when set, changes each assertion before it is signed.
	mutate func(*csaml.Assertion)
	// autoLogin, when set, signs every request in as this user.
	autoLogin string
	// logouts counts the SP LogoutRequests the IdP honoured.
	logouts int
}

// Option changes how New sets the IdP up.
type Option func(*url.URL)

// Host makes the IdP's URLs name host (e.g. "localhost") instead of the
// loopback address it listens on, so that a browser sees it as another
// site than a portal on 127.0.0.1.
func Host(host string) Option {
	return func(u *url.URL) { u.Host = host + ":" + u.Port() }
}

// New starts an IdP on a loopback port; it stops when t ends.
func New(t testing.TB, opts ...Option) *IdP {
	t.Helper()
	key, cert := keyPair(t, "Portico test IdP")
	i := &IdP{Key: key, Cert: cert, sps: map[string]*csaml.EntityDescriptor{}, users: map[string]User{}}
	mux := http.NewServeMux()
	i.Server = httptest.NewServer(mux)
	t.Cleanup(i.Server.Close)
	base, _ := url.Parse(i.Server.URL)
	for _, o := range opts {
		o(base)
	}
	i.URL = base.String()
	i.IDP = &csaml.IdentityProvider{
		Key:                     key,
		Certificate:             cert,
		MetadataURL:             *base.JoinPath("/metadata"),
		SSOURL:                  *base.JoinPath("/sso"),
		LogoutURL:               *base.JoinPath("/slo"),
		ServiceProviderProvider: i,
		SessionProvider:         sessions{i},
		AssertionMaker:          maker{i},
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		LogoutBindings:          []string{csaml.HTTPRedirectBinding},
	}
	mux.HandleFunc("/metadata", i.IDP.ServeMetadata)
	mux.HandleFunc("/sso", i.IDP.ServeSSO)
	mux.HandleFunc("/slo", i.IDP.ServeSLO)
	mux.HandleFunc("/start", i.serveStart)
	return i
}

// MetadataURL is where the IdP serves its metadata.
func (i *IdP) MetadataURL() string { return i.IDP.MetadataURL.String() }

// EntityID is the IdP's entity ID (its metadata URL).
func (i *IdP) EntityID() string { return i.IDP.MetadataURL.String() }

// Metadata is the IdP's metadata XML.
func (i *IdP) Metadata(t testing.TB) []byte {
	t.Helper()
	buf, err := xml.Marshal(i.IDP.Metadata())
	if err != nil {
		t.Fatalf("idp metadata: %v", err)
	}
	return buf
}

// AddUser registers a person.
func (i *IdP) AddUser(u User) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.users[u.Name] = u
}

// AddSP registers an SP from its metadata XML. With plaintext the SP's
// encryption key is left out, so that its assertions travel in the clear
// (as with an IdP that does not encrypt).
func (i *IdP) AddSP(t testing.TB, metadata []byte, plaintext bool) *csaml.EntityDescriptor {
	t.Helper()
	md, err := samlsp.ParseMetadata(metadata)
	if err != nil {
		t.Fatalf("sp metadata: %v", err)
	}
	if plaintext {
		for d := range md.SPSSODescriptors {
			kds := md.SPSSODescriptors[d].KeyDescriptors[:0]
			for _, kd := range md.SPSSODescriptors[d].KeyDescriptors {
				if kd.Use != "encryption" {
					kd.Use = "signing"
					kds = append(kds, kd)
				}
			}
			md.SPSSODescriptors[d].KeyDescriptors = kds
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.sps[md.EntityID] = md
	return md
}

// Mutate sets a function that changes each assertion before the IdP signs
// it (nil: none), to make assertions a correct IdP would not.
func (i *IdP) Mutate(f func(*csaml.Assertion)) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.mutate = f
}

// AutoLogin makes the IdP sign every request in as the user named (""
// shows the login page again).
func (i *IdP) AutoLogin(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.autoLogin = name
}

// Logouts is the number of SP LogoutRequests the IdP honoured.
func (i *IdP) Logouts() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.logouts
}

// StartURL is the IdP-initiated login link for an SP and a user, as an IdP
// dashboard would offer.
func (i *IdP) StartURL(spEntityID, user, relayState string) string {
	q := url.Values{"sp": {spEntityID}, "user": {user}, "RelayState": {relayState}}
	return i.URL + "/start?" + q.Encode()
}

// GetServiceProvider finds a registered SP.
func (i *IdP) GetServiceProvider(_ *http.Request, id string) (*csaml.EntityDescriptor, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if md, ok := i.sps[id]; ok {
		return md, nil
	}
	return nil, os.ErrNotExist
}

// serveStart sends an unsolicited Response (IdP-initiated login).
func (i *IdP) serveStart(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	user, ok := i.users[r.URL.Query().Get("user")]
	i.mu.Unlock()
	if !ok {
		http.Error(w, "unknown user", http.StatusNotFound)
		return
	}
	req, err := i.IDP.NewIdpInitiatedRequest(r, r.URL.Query().Get("sp"), r.URL.Query().Get("RelayState"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := (maker{i}).MakeAssertion(req, session(user)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := req.WriteResponse(w); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// session is the IdP session of a signed-in user.
func session(u User) *csaml.Session {
	now := time.Now()
	return &csaml.Session{
		ID: "s-" + u.Name, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: "idx-" + u.Name,
		NameID: u.NameID, NameIDFormat: string(csaml.PersistentNameIDFormat),
		UserEmail: u.Email, UserGivenName: u.FirstName, UserSurname: u.LastName, UserName: u.Name,
	}
}

// maker makes the default assertion, adds Okta-style attributes, and applies
// the test's mutation.
type maker struct{ i *IdP }

// MakeAssertion builds req.Assertion.
func (m maker) MakeAssertion(req *csaml.IdpAuthnRequest, s *csaml.Session) error {
	if err := (csaml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return fmt.Errorf("making the assertion: %w", err)
	}
	m.i.mu.Lock()
	u := m.i.users[s.UserName]
	mutate := m.i.mutate
	m.i.mu.Unlock()
	attrs := []csaml.Attribute{}
	for name, v := range map[string]string{"email": u.Email, "firstName": u.FirstName, "lastName": u.LastName, "company": u.Company} {
		if v != "" {
			attrs = append(attrs, csaml.Attribute{Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
				Values: []csaml.AttributeValue{{Type: "xs:string", Value: v}}})
		}
	}
	if len(req.Assertion.AttributeStatements) == 0 {
		req.Assertion.AttributeStatements = []csaml.AttributeStatement{{}}
	}
	req.Assertion.AttributeStatements[0].Attributes = append(req.Assertion.AttributeStatements[0].Attributes, attrs...)
	if mutate != nil {
		mutate(req.Assertion)
	}
	return nil
}

// sessions is the IdP's login page.
type sessions struct{ i *IdP }

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><title>Test IdP sign-in</title></head><body>
<h1>Test IdP sign-in</h1>{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<label>User <input name="user" id="idp-user" autocomplete="username"></label>
<label>Password <input name="password" id="idp-password" type="password"></label>
<button type="submit" id="idp-submit">Sign in</button>
</form></body></html>`))

// GetSession signs the user in from the login form, or shows it.
func (s sessions) GetSession(w http.ResponseWriter, r *http.Request, req *csaml.IdpAuthnRequest) *csaml.Session {
	s.i.mu.Lock()
	auto := s.i.autoLogin
	users := s.i.users
	u, known := users[auto]
	if auto == "" && r.Method == http.MethodPost {
		u, known = users[r.PostForm.Get("user")]
		known = known && r.PostForm.Get("password") == u.Password
	}
	s.i.mu.Unlock()
	if known {
		return session(u)
	}
	msg := ""
	if r.Method == http.MethodPost && r.PostForm.Get("user") != "" {
		msg = "Wrong user or password."
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, map[string]string{
		"Action": s.i.IDP.SSOURL.String(), "Error": msg,
		"SAMLRequest": base64.StdEncoding.EncodeToString(req.RequestBuffer), "RelayState": req.RelayState,
	})
	return nil
}

// InvalidateSession ends the IdP session on an SP's LogoutRequest.
func (s sessions) InvalidateSession(http.ResponseWriter, *http.Request, *csaml.IdpLogoutRequest) error {
	s.i.mu.Lock()
	defer s.i.mu.Unlock()
	s.i.logouts++
	return nil
}

// keyPair makes an RSA key and a self-signed certificate.
func keyPair(t testing.TB, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("cert: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("cert: %v", err)
	}
	return key, cert
}
