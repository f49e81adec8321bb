package samltest

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	csaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	dsig "github.com/russellhaering/goxmldsig"
)

var formField = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)

// Post follows a URL of the IdP as a browser would (the IdP must sign the
// user in by itself, see AutoLogin) and returns the SAMLResponse and
// RelayState of the form the IdP posts to the SP.
func (i *IdP) Post(t testing.TB, idpURL string) (samlResponse, relayState string) {
	t.Helper()
	resp, err := http.Get(idpURL)
	if err != nil {
		t.Fatalf("idp: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("idp answered %d: %s", resp.StatusCode, body)
	}
	for _, m := range formField.FindAllStringSubmatch(string(body), -1) {
		v := html.UnescapeString(m[2])
		if m[1] == "SAMLResponse" {
			samlResponse = v
		} else {
			relayState = v
		}
	}
	if samlResponse == "" {
		t.Fatalf("idp sent no SAMLResponse: %s", body)
	}
	return samlResponse, relayState
}

// LogoutRequestURL is an IdP-initiated LogoutRequest for nameID, signed by
// the IdP with the HTTP-Redirect binding, addressed to the SP's SLO URL.
func (i *IdP) LogoutRequestURL(t testing.TB, spMetadata []byte, sloURL, nameID, sessionIndex string) string {
	t.Helper()
	md, err := samlsp.ParseMetadata(spMetadata)
	if err != nil {
		t.Fatalf("sp metadata: %v", err)
	}
	// The library's SP side signs logout messages; used with the IdP's key
	// and entity ID, it speaks as the IdP.
	signer := &csaml.ServiceProvider{
		EntityID: i.EntityID(), Key: i.Key, Certificate: i.Cert, IDPMetadata: md,
		LogoutSignatureMethod: dsig.RSASHA256SignatureMethod,
	}
	var opts []csaml.LogoutRequestOption
	if sessionIndex != "" {
		opts = append(opts, csaml.WithSessionIndex(sessionIndex))
	}
	req, err := signer.MakeLogoutRequest(sloURL, nameID, opts...)
	if err != nil {
		t.Fatalf("logout request: %v", err)
	}
	u, err := signer.RedirectLogoutRequestURL(req, "")
	if err != nil {
		t.Fatalf("logout request: %v", err)
	}
	return u.String()
}

// Requests is a RequestStore for one browser session, in memory.
type Requests struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// SaveRequest remembers id until expires.
func (r *Requests) SaveRequest(_ context.Context, id string, expires time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	r.m[id] = expires
	return nil
}

// TakeRequest reports whether id is pending, and forgets it.
func (r *Requests) TakeRequest(_ context.Context, id string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	exp, ok := r.m[id]
	delete(r.m, id)
	return ok && time.Now().Before(exp), nil
}

// ErrReplayed is the in-memory guard's refusal.
var ErrReplayed = errors.New("already used")

// Replay is an in-memory ReplayGuard for one process.
type Replay struct {
	mu sync.Mutex
	m  map[string]time.Time
}

// UseOnce records kind and key, refusing them the second time.
func (r *Replay) UseOnce(_ context.Context, kind, key string, until time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]time.Time{}
	}
	k := kind + "\x00" + key
	if exp, ok := r.m[k]; ok && time.Now().Before(exp) {
		return ErrReplayed
	}
	r.m[k] = until
	return nil
}
