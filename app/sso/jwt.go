package sso

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"portico/app/auth"
	"portico/app/web/core"
)

// JWT remote login: the portal sends a visitor to the customer's own
// login page (LoginURL, with return_to and state), and the customer's
// application answers with a signed token, POSTed (or in the query) to
// /portal/sso/<slug>/jwt as "jwt", with "return_to" and "state" echoed.
// The state binds the token to the sign-in this browser started (no
// login CSRF: a token posted by another site into someone else's
// browser finds no flow there); a token without one is accepted only
// when the admin allowed sign-ins started at the application
// (Unsolicited). The token's iss and aud are always checked.

// Algorithms a JWT provider may be pinned to.
var JWTAlgorithms = []string{"HS256", "RS256", "ES256"}

// MaxJWTSize bounds a token; a longer one is refused before parsing.
const MaxJWTSize = 8 << 10

// jwtSkew is how far iat may be from the portal's clock, either way;
// expLeeway the clock skew allowed on exp and nbf.
const (
	jwtSkew   = 3 * time.Minute
	expLeeway = 30 * time.Second
)

// JWTOptions are a JWT provider's settings. The HS256 shared secret is
// one of its secrets ("shared_secret"), never an option.
type JWTOptions struct {
	LoginURL  string `json:"login_url"`            // the customer's remote login page
	LogoutURL string `json:"logout_url,omitempty"` // where the browser goes after logout
	Algorithm string `json:"algorithm"`            // pinned: HS256, RS256 or ES256
	PublicKey string `json:"public_key,omitempty"` // PEM, for RS256 and ES256
	Issuer    string `json:"issuer"`               // iss must match (required)
	Audience  string `json:"audience"`             // aud must hold it (required)
	// VerifiesEmail says the application confirms its users' addresses:
	// only then is a token's email taken as verified (unless the token
	// says email_verified false).
	VerifiesEmail bool `json:"verifies_email"`
	// Unsolicited accepts tokens without the state of a sign-in started
	// at the portal (a sign-in started in the application).
	Unsolicited bool `json:"unsolicited"`
}

// SecretJWT is the name of the HS256 shared secret among the secrets.
const SecretJWT = "shared_secret"

// jwtKind signs in through the customer's own application, which sends a
// signed JWT back (remote login).
type jwtKind struct{ s *Service }

// Begin implements Kind: off to the customer's login page, with the page
// to come back to. An admin's test sign-in comes back to a signed test
// path instead, since a cross-site POST carries no session cookie.
func (k *jwtKind) Begin(c *fiber.Ctx, p *Provider, f *Flow) error {
	var o JWTOptions
	if err := Options(p, &o); err != nil {
		return err
	}
	u, err := url.Parse(o.LoginURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("sso: the remote login URL is not an absolute URL")
	}
	back := f.ReturnTo
	if f.Test {
		back = k.s.jwtTestPath(p, k.s.Now().Add(flowTTL))
	}
	q := u.Query()
	q.Set("return_to", back)
	q.Set("state", f.State)
	u.RawQuery = q.Encode()
	return c.Redirect(u.String(), fiber.StatusSeeOther)
}

// LogoutURL implements Kind: the customer's own logout page, if set.
func (k *jwtKind) LogoutURL(c *fiber.Ctx, p *Provider, _ *auth.Session) (string, error) {
	var o JWTOptions
	if err := Options(p, &o); err != nil {
		return "", err
	}
	return o.LogoutURL, nil
}

// jwtTestPath is the return_to of an admin's test sign-in: the test path
// with an expiry, signed with the secret key.
func (s *Service) jwtTestPath(p *Provider, until time.Time) string {
	exp := strconv.FormatInt(until.Unix(), 10)
	return Path(p, "test") + "?until=" + exp + "&sig=" + s.testSig(p, exp)
}

func (s *Service) testSig(p *Provider, exp string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("sso-test:" + strconv.FormatInt(p.ID, 10) + ":" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isJWTTest tells whether return_to is a valid, unexpired test path.
func (s *Service) isJWTTest(p *Provider, returnTo string) bool {
	u, err := url.Parse(returnTo)
	if err != nil || u.Path != Path(p, "test") {
		return false
	}
	exp, sig := u.Query().Get("until"), u.Query().Get("sig")
	n, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && s.Now().Unix() <= n && hmac.Equal([]byte(sig), []byte(s.testSig(p, exp)))
}

// JWTLogin takes the token the customer's application sends back
// (POST or GET /portal/sso/<slug>/jwt). A disabled or unknown provider
// answers 404, except for an admin's signed test sign-in. The token must
// come with the state of a sign-in this browser started (a cross-site
// POST, which carries no session cookie, is first posted again by the
// portal's hand-over page), unless the provider accepts unsolicited
// tokens.
func (s *Service) JWTLogin(c *fiber.Ctx) error {
	p, err := s.provider(c, "jwt")
	if err != nil {
		return err
	}
	get := c.FormValue
	if c.Method() == fiber.MethodGet {
		get = func(k string, _ ...string) string { return c.Query(k) }
	}
	token, returnTo, state := get("jwt"), get("return_to"), get("state")
	if c.Method() == fiber.MethodPost && c.Cookies(core.SessionCookie) == "" {
		// A cross-site POST: the browser has a session cookie it did not
		// send, which the middleware's fresh one must not replace (a
		// login, if any, sets its own).
		c.Response().Header.DelCookie(core.SessionCookie)
	}
	test := s.isJWTTest(p, returnTo)
	if !p.Enabled && !test {
		return s.disabled(c, p)
	}
	if !s.allow(c) {
		return core.ErrRateLimited
	}
	if test {
		id, reason, err := s.verifyJWT(c, p, token)
		if err != nil {
			return s.Fail(c, p, reason, err)
		}
		return s.Report(c, p, id)
	}
	if state != "" && Bounced(c) {
		return s.Repost(c, Path(p, "jwt"), Field{"jwt", token}, Field{"return_to", returnTo}, Field{"state", state})
	}
	var o JWTOptions
	if err := Options(p, &o); err != nil {
		return err
	}
	switch {
	case state != "":
		f, err := s.TakeFlow(c, state)
		if errors.Is(err, core.ErrUnavailable) {
			return err
		}
		if err != nil || f.Provider != p.Slug || f.Test {
			return s.Fail(c, p, ReasonUnknownState, errors.New("no sign-in under way in this browser for the state"))
		}
		returnTo = f.ReturnTo
	case !o.Unsolicited:
		return s.Fail(c, p, ReasonUnknownState, errors.New("a token without state, and sign-ins started at the application are off"))
	}
	id, reason, err := s.verifyJWT(c, p, token)
	if err != nil {
		return s.Fail(c, p, reason, err)
	}
	return s.Complete(c, p, id, returnTo, "")
}

// verifyJWT checks a remote login token against the provider's pinned
// algorithm and key, its times and its one-time ID, and reads the person.
func (s *Service) verifyJWT(c *fiber.Ctx, p *Provider, token string) (Identity, string, error) {
	if len(token) > MaxJWTSize {
		return Identity{}, ReasonInvalid, fmt.Errorf("token of %d bytes, over %d", len(token), MaxJWTSize)
	}
	if token == "" {
		return Identity{}, ReasonInvalid, errors.New("no token")
	}
	var o JWTOptions
	if err := Options(p, &o); err != nil {
		return Identity{}, ReasonInvalid, err
	}
	key, err := s.jwtKey(p, o)
	if err != nil {
		return Identity{}, ReasonInvalid, err
	}
	if o.Issuer == "" || o.Audience == "" {
		return Identity{}, ReasonInvalid, errors.New("the provider has no issuer or audience set")
	}
	now := s.Now()
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{o.Algorithm}),             // none and confusion refused
		jwt.WithExpirationRequired(), jwt.WithLeeway(expLeeway), // iat is checked below
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithIssuer(o.Issuer), jwt.WithAudience(o.Audience), // a token minted for another service is refused
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.NewParser(opts...).ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
		return Identity{}, ReasonInvalid, fmt.Errorf("token refused: %w", err)
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return Identity{}, ReasonInvalid, errors.New("no iat")
	}
	if d := now.Sub(iat.Time); d > jwtSkew || d < -jwtSkew {
		return Identity{}, ReasonInvalid, fmt.Errorf("iat %s is more than %s away", iat.Time.UTC().Format(time.RFC3339), jwtSkew)
	}
	exp, _ := claims.GetExpirationTime()
	jti, _ := claims["jti"].(string)
	email, _ := claims["email"].(string)
	name, _ := claims["name"].(string)
	switch {
	case jti == "":
		return Identity{}, ReasonInvalid, errors.New("no jti")
	case strings.TrimSpace(email) == "":
		return Identity{}, ReasonNoEmail, errors.New("no email")
	case strings.TrimSpace(name) == "":
		return Identity{}, ReasonInvalid, errors.New("no name")
	}
	// Usable once, on every instance, for as long as it could be accepted.
	until := iat.Time.Add(jwtSkew)
	if exp.Time.After(until) {
		until = exp.Time
	}
	until = until.Add(jwtSkew)
	if err := s.UseOnce(c.UserContext(), "jti", p.Slug+":"+jti, until); err != nil {
		if errors.Is(err, ErrReplay) {
			return Identity{}, ReasonReplay, fmt.Errorf("jti %q used before", jti)
		}
		return Identity{}, ReasonInvalid, err
	}
	issuer := o.Issuer
	subject, _ := claims["external_id"].(string)
	if subject == "" {
		subject = "email:" + strings.ToLower(strings.TrimSpace(email))
	}
	// The email is verified only when the admin says the application
	// verifies addresses (and the token does not say otherwise).
	verified := o.VerifiesEmail && claims["email_verified"] != false
	org, _ := claims["organization"].(string)
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return Identity{Issuer: issuer, Subject: subject, Email: email, EmailVerified: verified,
		FirstName: first, LastName: strings.TrimSpace(last), Company: org, Claims: claims}, "", nil
}

// jwtKey is the verification key of the provider's pinned algorithm.
func (s *Service) jwtKey(p *Provider, o JWTOptions) (any, error) {
	switch o.Algorithm {
	case "HS256":
		sec, err := s.Secrets(p)
		if err != nil {
			return nil, err
		}
		if len(sec[SecretJWT]) < 32 {
			return nil, errors.New("no shared secret of 32 bytes or more")
		}
		return []byte(sec[SecretJWT]), nil
	case "RS256", "ES256":
		return ParsePublicKey(o.Algorithm, o.PublicKey)
	}
	return nil, fmt.Errorf("algorithm %q is not allowed", o.Algorithm)
}

// ParsePublicKey reads a PEM public key (or certificate) for RS256 (RSA,
// 2048 bits or more) or ES256 (ECDSA P-256).
func ParsePublicKey(alg, pemText string) (any, error) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if b == nil {
		return nil, errors.New("the public key is not PEM")
	}
	var pub any
	switch b.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unreadable certificate: %w", err)
		}
		pub = cert.PublicKey
	default:
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unreadable public key: %w", err)
		}
		pub = k
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == "RS256" && k.N.BitLen() >= 2048 {
			return k, nil
		}
	case *ecdsa.PublicKey:
		if alg == "ES256" && k.Curve.Params().Name == "P-256" {
			return k, nil
		}
	}
	return nil, fmt.Errorf("the public key does not fit %s", alg)
}
