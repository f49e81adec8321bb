// Package idp holds identity providers for tests: a small OpenID
// provider (discovery, JWKS, a login form, the code flow with PKCE) on a
// loopback server, and helpers to sign JWTs. They are real servers and
// real signatures; knobs make them misbehave on purpose.
package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// User is a person the provider knows.
type User struct {
	Subject, Email        string
	EmailVerified         bool
	GivenName, FamilyName string
	Company               string
}

// OP is an OpenID provider on a loopback HTTP server.
type OP struct {
	Server       *httptest.Server
	Issuer       string
	Key          *rsa.PrivateKey
	KeyID        string
	ClientID     string
	ClientSecret string
	// RedirectURI is the only redirect URI the client registered.
	RedirectURI string

	mu    sync.Mutex
	users map[string]User // by email
	codes map[string]grant
	// AutoLogin, when set, signs this email in at /authorize without the
	// form (for tests that drive HTTP rather than a browser).
	autoLogin string
	// Tamper, when set, changes the next ID tokens' claims.
	tamper func(map[string]any)
	// SignKey, when set, signs ID tokens instead of Key (bad signature).
	signKey *rsa.PrivateKey
	// forceToken, when set, is answered as the ID token (a replay).
	forceToken string
	// LastIDToken is the last ID token issued.
	lastIDToken string
	// EndSessions counts calls of the end-session endpoint.
	endSessions int
	// Seen is the last authorization request's query.
	seen url.Values
}

type grant struct {
	user                       User
	nonce, challenge, redirect string
	expires                    time.Time
}

// NewOP starts a provider with one client; it stops with the test.
func NewOP(t testing.TB) *OP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op := &OP{Key: key, KeyID: "k1", ClientID: "portico-client", ClientSecret: "client-secret-" + rnd(),
		users: map[string]User{}, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /authorize", op.login)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /end_session", op.endSession)
	op.Server = httptest.NewServer(mux)
	op.Issuer = op.Server.URL
	t.Cleanup(op.Server.Close)
	return op
}

// AddUser makes a person known to the provider.
func (op *OP) AddUser(u User) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.users[u.Email] = u
}

// AutoLogin signs email in at /authorize without showing the form.
func (op *OP) AutoLogin(email string) { op.mu.Lock(); op.autoLogin = email; op.mu.Unlock() }

// Tamper changes the claims of the ID tokens issued from now on.
func (op *OP) Tamper(f func(map[string]any)) { op.mu.Lock(); op.tamper = f; op.mu.Unlock() }

// SignWith signs the ID tokens issued from now on with another key.
func (op *OP) SignWith(k *rsa.PrivateKey) { op.mu.Lock(); op.signKey = k; op.mu.Unlock() }

// ForceIDToken answers raw as the ID token of every exchange.
func (op *OP) ForceIDToken(raw string) { op.mu.Lock(); op.forceToken = raw; op.mu.Unlock() }

// LastIDToken is the last ID token the provider issued.
func (op *OP) LastIDToken() string { op.mu.Lock(); defer op.mu.Unlock(); return op.lastIDToken }

// EndSessions counts the calls of the end-session endpoint.
func (op *OP) EndSessions() int { op.mu.Lock(); defer op.mu.Unlock(); return op.endSessions }

// LastAuthorize is the query of the last authorization request.
func (op *OP) LastAuthorize() url.Values { op.mu.Lock(); defer op.mu.Unlock(); return op.seen }

func (op *OP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"issuer":                                op.Issuer,
		"authorization_endpoint":                op.Issuer + "/authorize",
		"token_endpoint":                        op.Issuer + "/token",
		"jwks_uri":                              op.Issuer + "/jwks",
		"end_session_endpoint":                  op.Issuer + "/end_session",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (op *OP) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.Key.PublicKey, KeyID: op.KeyID, Algorithm: "RS256", Use: "sig"}}})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><h1>Sign in to the test identity provider</h1>
<form method="post" action="/authorize">
{{range $k, $v := .Query}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
<label for="idp-email">Email</label> <input id="idp-email" name="login_email" type="email">
<button id="idp-submit" type="submit">Sign in</button>
</form></body></html>`))

// authorize checks the request and shows the login form.
func (op *OP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.seen = q
	auto := op.autoLogin
	op.mu.Unlock()
	if msg := op.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if auto != "" {
		op.issueCode(w, r, q, auto)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginPage.Execute(w, map[string]any{"Query": q})
}

func (op *OP) checkAuthorize(q url.Values) string {
	switch {
	case q.Get("client_id") != op.ClientID:
		return "unknown client"
	case op.RedirectURI != "" && q.Get("redirect_uri") != op.RedirectURI:
		return "unregistered redirect_uri " + q.Get("redirect_uri")
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		return "PKCE S256 required"
	case q.Get("state") == "":
		return "no state"
	}
	return ""
}

// login takes the form and sends the browser back with a code.
func (op *OP) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.PostForm
	if msg := op.checkAuthorize(q); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	op.issueCode(w, r, q, q.Get("login_email"))
}

func (op *OP) issueCode(w http.ResponseWriter, r *http.Request, q url.Values, email string) {
	op.mu.Lock()
	u, ok := op.users[email]
	code := rnd()
	if ok {
		op.codes[code] = grant{user: u, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
			redirect: q.Get("redirect_uri"), expires: time.Now().Add(time.Minute)}
	}
	op.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	if !ok {
		bq.Set("error", "access_denied")
	} else {
		bq.Set("code", code)
	}
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token exchanges a code, checking the client, the redirect URI and the
// PKCE verifier.
func (op *OP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != op.ClientID || secret != op.ClientSecret {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	op.mu.Lock()
	g, found := op.codes[r.PostForm.Get("code")]
	delete(op.codes, r.PostForm.Get("code"))
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code", !found, time.Now().After(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case r.PostForm.Get("redirect_uri") != g.redirect:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	raw, err := op.idToken(g)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"access_token": rnd(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

// idToken signs the ID token of a grant, after the knobs.
func (op *OP) idToken(g grant) (string, error) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.forceToken != "" {
		return op.forceToken, nil
	}
	now := time.Now()
	claims := map[string]any{
		"iss": op.Issuer, "sub": g.user.Subject, "aud": op.ClientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce,
		"email": g.user.Email, "email_verified": g.user.EmailVerified,
		"given_name": g.user.GivenName, "family_name": g.user.FamilyName,
	}
	if g.user.Company != "" {
		claims["company"] = g.user.Company
	}
	if op.tamper != nil {
		op.tamper(claims)
	}
	key := op.Key
	if op.signKey != nil {
		key = op.signKey
	}
	raw, err := SignRS256(key, op.KeyID, claims)
	if err != nil {
		return "", err
	}
	op.lastIDToken = raw
	return raw, nil
}

func (op *OP) endSession(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.endSessions++
	op.mu.Unlock()
	if to := r.URL.Query().Get("post_logout_redirect_uri"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	_, _ = fmt.Fprint(w, "signed out")
}

func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func rnd() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
