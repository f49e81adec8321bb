package sso

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/openidConnect"
	"golang.org/x/oauth2"

	"portico/app/auth"
	"portico/app/web/core"
)

// OpenID Connect: the authorization code flow with PKCE (S256), through
// goth's openidConnect provider for the redirect and the code exchange.
// goth neither sends a nonce nor verifies the ID token, so the nonce and
// the PKCE challenge go in as per-request options and the ID token is
// verified with go-oidc: signature against the provider's JWKS, iss,
// aud, exp, and the nonce of this session's flow, used once.

// OIDCOptions are an OpenID Connect provider's settings. The client
// secret is one of its secrets ("client_secret"), never an option.
type OIDCOptions struct {
	Preset       string `json:"preset"`                  // google, okta, entra or generic
	Issuer       string `json:"issuer"`                  // discovery at <issuer>/.well-known/openid-configuration
	ClientID     string `json:"client_id"`               //
	CompanyClaim string `json:"company_claim,omitempty"` // a claim naming the person's company
}

// SecretOIDC is the name of the client secret among the secrets.
const SecretOIDC = "client_secret"

// OIDC presets: the issuer of each, from the tenant or domain an admin
// types ("%s"). A generic provider takes the issuer as typed.
var OIDCPresets = map[string]string{
	"google":  "https://accounts.google.com",
	"okta":    "https://%s",
	"entra":   "https://login.microsoftonline.com/%s/v2.0",
	"generic": "%s",
}

// OIDCIssuer builds a preset's issuer from what the admin typed: nothing
// for Google, the Okta domain (or its authorization server's URL), the
// Entra tenant ID, or a generic issuer or discovery URL.
func OIDCIssuer(preset, typed string) string {
	typed = strings.TrimSpace(typed)
	typed = strings.TrimSuffix(strings.TrimSuffix(typed, "/.well-known/openid-configuration"), "/")
	switch {
	case preset == "google":
		return OIDCPresets["google"]
	case strings.HasPrefix(typed, "https://"), strings.HasPrefix(typed, "http://"):
		return typed // a whole issuer URL, whatever the preset
	case preset == "okta":
		return fmt.Sprintf(OIDCPresets["okta"], typed)
	case preset == "entra":
		return fmt.Sprintf(OIDCPresets["entra"], typed)
	}
	return typed
}

// oidcCache keeps each provider's discovered configuration and its key
// set (go-oidc refreshes keys it does not know), for an hour.
type oidcCache struct {
	mu    sync.Mutex
	items map[string]oidcEntry
}

type oidcEntry struct {
	p          *oidc.Provider
	endSession string
	fetched    time.Time
}

// discover returns the provider's OpenID configuration, cached.
func (s *Service) discover(ctx context.Context, issuer string) (oidcEntry, error) {
	s.oidc.mu.Lock()
	defer s.oidc.mu.Unlock()
	if e, ok := s.oidc.items[issuer]; ok && s.Now().Sub(e.fetched) < time.Hour {
		return e, nil
	}
	if !SecureURL(issuer) {
		return oidcEntry{}, fmt.Errorf("sso: the issuer %s is not https", issuer)
	}
	// The key set outlives the request: it is fetched with a background
	// context that carries only the HTTP client.
	bg := oidc.ClientContext(context.WithoutCancel(ctx), s.HTTPClient)
	p, err := oidc.NewProvider(bg, issuer)
	if err != nil {
		// go-oidc puts the provider's whole answer in its error: only its
		// status goes on, to the log and the audit.
		return oidcEntry{}, fmt.Errorf("sso: discovery of %s: %w", issuer, shortError(err))
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&meta)
	e := oidcEntry{p: p, endSession: meta.EndSession, fetched: s.Now()}
	if s.oidc.items == nil {
		s.oidc.items = map[string]oidcEntry{}
	}
	s.oidc.items[issuer] = e
	return e, nil
}

// oidcKind signs in through an OpenID Connect provider.
type oidcKind struct{ s *Service }

// gothProvider builds goth's provider for one request, over the
// discovered endpoints, with this request's options.
func (k *oidcKind) gothProvider(c *fiber.Ctx, p *Provider) (*openidConnect.Provider, OIDCOptions, oidcEntry, error) {
	var o OIDCOptions
	if err := Options(p, &o); err != nil {
		return nil, o, oidcEntry{}, err
	}
	sec, err := k.s.Secrets(p)
	if err != nil {
		return nil, o, oidcEntry{}, err
	}
	e, err := k.s.discover(c.UserContext(), o.Issuer)
	if err != nil {
		return nil, o, oidcEntry{}, err
	}
	ep := e.p.Endpoint()
	gp, err := openidConnect.NewCustomisedURL(o.ClientID, sec[SecretOIDC], k.s.URL(c, p, "callback"),
		ep.AuthURL, ep.TokenURL, o.Issuer, e.p.UserInfoEndpoint(), e.endSession, "openid", "email", "profile")
	if err != nil {
		return nil, o, oidcEntry{}, fmt.Errorf("sso: openid connect provider: %w", err)
	}
	gp.SetName(p.Slug)
	gp.HTTPClient = k.s.HTTPClient
	return gp, o, e, nil
}

// Begin implements Kind: a nonce and a PKCE verifier for this flow, and
// off to the provider's authorization endpoint.
func (k *oidcKind) Begin(c *fiber.Ctx, p *Provider, f *Flow) error {
	gp, _, _, err := k.gothProvider(c, p)
	if err != nil {
		return err
	}
	f.Nonce, f.Verifier = NewState(), oauth2.GenerateVerifier()
	gp.SetAuthCodeOptions(map[string]string{
		"nonce":                 f.Nonce,
		"code_challenge":        oauth2.S256ChallengeFromVerifier(f.Verifier),
		"code_challenge_method": "S256",
	})
	sess, err := gp.BeginAuth(f.State)
	if err != nil {
		return fmt.Errorf("sso: begin: %w", err)
	}
	to, err := sess.GetAuthURL()
	if err != nil {
		return fmt.Errorf("sso: begin: %w", err)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// LogoutURL implements Kind: the provider's end-session endpoint, when
// its discovery document names one, back to the portal's login page.
func (k *oidcKind) LogoutURL(c *fiber.Ctx, p *Provider, se *auth.Session) (string, error) {
	_, o, e, err := k.gothProvider(c, p)
	if err != nil || e.endSession == "" {
		return "", err
	}
	u, err := url.Parse(e.endSession)
	if err != nil {
		return "", fmt.Errorf("sso: end-session endpoint: %w", err)
	}
	q := u.Query()
	if se.IDToken != "" {
		q.Set("id_token_hint", se.IDToken)
	}
	q.Set("client_id", o.ClientID)
	q.Set("post_logout_redirect_uri", k.s.loginURL(c)+"?logged_out=1")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// OIDCCallback is where the provider sends the browser back (GET
// /portal/sso/<slug>/callback): the state must be one this session
// started and not used yet, the code is exchanged with the PKCE
// verifier, and the ID token verified before anyone is logged in.
func (s *Service) OIDCCallback(c *fiber.Ctx) error {
	p, err := s.provider(c, "oidc")
	if err != nil {
		return err
	}
	if !s.allow(c) {
		return core.ErrRateLimited
	}
	f, err := s.TakeFlow(c, c.Query("state"))
	if !p.Enabled && (err != nil || !f.Test) {
		return s.disabled(c, p)
	}
	switch {
	case errors.Is(err, ErrReplay):
		return s.Fail(c, p, ReasonReplay, errors.New("state used before"))
	case errors.Is(err, ErrNoFlow):
		return s.Fail(c, p, ReasonUnknownState, err)
	case err != nil:
		return err
	case f.Provider != p.Slug:
		return s.Fail(c, p, ReasonUnknownState, errors.New("state of another provider"))
	}
	if e := c.Query("error"); e != "" {
		return s.Fail(c, p, ReasonProvider, fmt.Errorf("%.100s: %.200s", e, c.Query("error_description")))
	}
	k := &oidcKind{s: s}
	gp, o, entry, err := k.gothProvider(c, p)
	if err != nil {
		return s.Fail(c, p, ReasonProvider, err)
	}
	sess := &openidConnect.Session{}
	params := url.Values{"code": {c.Query("code")}, "code_verifier": {f.Verifier}}
	if _, err := sess.Authorize(gp, goth.Params(params)); err != nil {
		return s.Fail(c, p, ReasonProvider, fmt.Errorf("code exchange: %w", shortError(err)))
	}
	id, reason, err := s.verifyIDToken(c.UserContext(), entry.p, o, f, sess.IDToken)
	if err != nil {
		return s.Fail(c, p, reason, err)
	}
	if f.Test {
		return s.Report(c, p, id)
	}
	return s.Complete(c, p, id, f.ReturnTo, sess.IDToken)
}

// verifyIDToken checks the ID token (signature, iss, aud, exp), its
// nonce against the flow's, and that the nonce is used once.
func (s *Service) verifyIDToken(ctx context.Context, op *oidc.Provider, o OIDCOptions, f *Flow, raw string) (Identity, string, error) {
	if raw == "" {
		return Identity{}, ReasonInvalid, errors.New("no id_token in the token response")
	}
	if len(raw) > MaxJWTSize*2 {
		return Identity{}, ReasonInvalid, errors.New("oversized id_token")
	}
	v := op.Verifier(&oidc.Config{ClientID: o.ClientID, Now: s.Now})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return Identity{}, ReasonInvalid, fmt.Errorf("id_token refused: %w", err)
	}
	if f.Nonce == "" || tok.Nonce != f.Nonce {
		return Identity{}, ReasonInvalid, errors.New("id_token nonce does not match this sign-in")
	}
	if err := s.UseOnce(ctx, "nonce", tok.Nonce, tok.Expiry.Add(time.Hour)); err != nil {
		if errors.Is(err, ErrReplay) {
			return Identity{}, ReasonReplay, errors.New("nonce used before")
		}
		return Identity{}, ReasonInvalid, err
	}
	claims := map[string]any{}
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, ReasonInvalid, fmt.Errorf("id_token claims: %w", err)
	}
	str := func(k string) string { v, _ := claims[k].(string); return strings.TrimSpace(v) }
	id := Identity{Issuer: tok.Issuer, Subject: tok.Subject, Email: str("email"),
		FirstName: str("given_name"), LastName: str("family_name"), Claims: claims}
	switch v := claims["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string:
		id.EmailVerified = v == "true"
	}
	if id.Email == "" && o.Preset == "entra" && strings.Contains(str("preferred_username"), "@") {
		// Entra ID sends no email claim without the optional claim; its
		// username is an address, but one it does not vouch for.
		id.Email = str("preferred_username")
	}
	if id.FirstName == "" && id.LastName == "" {
		id.FirstName = str("name")
	}
	if o.CompanyClaim != "" {
		id.Company = str(o.CompanyClaim)
	}
	return id, "", nil
}

// loginURL is the portal's login page, absolute.
func (s *Service) loginURL(c *fiber.Ctx) string {
	return s.absolute(c, "/portal/login")
}
