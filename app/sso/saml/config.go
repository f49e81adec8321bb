package saml

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	csaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// ClockSkew is how far the IdP's clock may be from Portico's when an
// assertion's NotBefore, NotOnOrAfter and IssueInstant are checked. It is
// the SAML library's own allowance, three minutes, the same as Portico's JWT
// remote login.
const ClockSkew = 3 * time.Minute

// AttributeNames names the assertion attributes that carry a person's
// details. Each is matched against an attribute's Name, then its
// FriendlyName. An empty Email means the NameID is the email address.
type AttributeNames struct {
	Email     string
	FirstName string
	LastName  string
	Company   string
}

// RequestStore keeps the IDs of the requests (AuthnRequest, LogoutRequest)
// that one browser session sent and has not yet seen answered. An
// implementation binds them to that session, so that a Response for
// another browser's request is refused.
type RequestStore interface {
	// SaveRequest remembers id until expires.
	SaveRequest(ctx context.Context, id string, expires time.Time) error
	// TakeRequest reports whether id was saved and has not expired, and
	// forgets it, so that each request is answered once.
	TakeRequest(ctx context.Context, id string) (bool, error)
}

// ReplayGuard records keys that may be used once, on every instance that
// shares it. UseOnce returns an error when key of that kind was already used
// (or cannot be recorded); any error refuses the assertion.
type ReplayGuard interface {
	UseOnce(ctx context.Context, kind, key string, until time.Time) error
}

// ReplayKind is the kind under which assertion and logout request IDs are
// recorded in the ReplayGuard.
const ReplayKind = "saml_id"

// Config is everything one SAML service provider needs.
type Config struct {
	// EntityID is the SP's entity ID. Portico uses the metadata URL.
	EntityID string
	// MetadataURL, ACSURL and SLOURL are the SP's absolute endpoints.
	MetadataURL string
	ACSURL      string
	SLOURL      string
	// IdPMetadata is the IdP's metadata XML (pasted, or fetched with
	// FetchMetadata).
	IdPMetadata []byte
	// Keys is the SP's own key pair (see GenerateKeys).
	Keys Keys
	// Attributes maps assertion attributes to a person's details.
	Attributes AttributeNames
	// AllowIdPInitiated accepts unsolicited Responses (no AuthnRequest).
	AllowIdPInitiated bool
	// EmailVerified says that the IdP vouches for the email addresses it
	// asserts, so that Result.EmailVerified is true.
	EmailVerified bool
	// Replay records the IDs of accepted assertions. Required.
	Replay ReplayGuard
}

// SP is a SAML service provider for one IdP. It is safe for concurrent use.
type SP struct {
	cfg      Config
	idp      *csaml.EntityDescriptor
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	metadata url.URL
	acs      url.URL
	slo      url.URL
}

// New checks cfg and builds the SP.
func New(cfg Config) (*SP, error) {
	if cfg.Replay == nil {
		return nil, errors.New("saml: a replay guard is required")
	}
	if cfg.EntityID == "" {
		cfg.EntityID = cfg.MetadataURL
	}
	s := &SP{cfg: cfg}
	for _, u := range []struct {
		name string
		raw  string
		dst  *url.URL
	}{{"metadata URL", cfg.MetadataURL, &s.metadata}, {"ACS URL", cfg.ACSURL, &s.acs}, {"SLO URL", cfg.SLOURL, &s.slo}} {
		parsed, err := url.Parse(u.raw)
		if err != nil || !parsed.IsAbs() || parsed.Host == "" {
			return nil, fmt.Errorf("saml: the %s %q is not an absolute URL", u.name, u.raw)
		}
		*u.dst = *parsed
	}
	idp, err := ParseMetadata(cfg.IdPMetadata)
	if err != nil {
		return nil, err
	}
	s.idp = idp
	s.key, s.cert, err = cfg.Keys.parse()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// IdPEntityID is the IdP's entity ID, the issuer of its assertions.
func (s *SP) IdPEntityID() string { return s.idp.EntityID }

// HasSingleLogout reports whether the IdP offers single logout with the
// HTTP-Redirect binding.
func (s *SP) HasSingleLogout() bool {
	return s.provider(context.Background()).GetSLOBindingLocation(csaml.HTTPRedirectBinding) != ""
}

// provider builds the library's service provider for one request: its
// replay cache answers for ctx.
func (s *SP) provider(ctx context.Context) *csaml.ServiceProvider {
	return &csaml.ServiceProvider{
		EntityID:          s.cfg.EntityID,
		Key:               s.key,
		Certificate:       s.cert,
		MetadataURL:       s.metadata,
		AcsURL:            s.acs,
		SloURL:            s.slo,
		IDPMetadata:       s.idp,
		AuthnNameIDFormat: csaml.UnspecifiedNameIDFormat,
		AllowIDPInitiated: s.cfg.AllowIdPInitiated,
		// AuthnRequests stay unsigned, which every IdP accepts; the
		// Response is bound to the browser by InResponseTo. Logout
		// messages must be signed (saml-profiles §4.4.3).
		LogoutSignatureMethod:            dsig.RSASHA256SignatureMethod,
		LogoutBindings:                   []string{csaml.HTTPRedirectBinding},
		AssertionConsumerServiceBindings: []string{csaml.HTTPPostBinding},
		MetadataOmitValidUntil:           true,
		// SHA-1 signatures and digests are refused: every current IdP
		// signs with SHA-256.
		RejectSHA1Signatures: true,
		ReplayCache:          replayCache{ctx: ctx, guard: s.cfg.Replay, issuer: s.idp.EntityID},
	}
}

// replayCache adapts a ReplayGuard to the library's replay cache. Keys are
// scoped by the IdP's entity ID, since IDs are unique per issuer only.
type replayCache struct {
	ctx    context.Context
	guard  ReplayGuard
	issuer string
}

// Consume records id until expires, refusing an id already recorded.
func (r replayCache) Consume(id string, expires time.Time) error {
	if err := r.guard.UseOnce(r.ctx, ReplayKind, r.issuer+" "+id, expires); err != nil {
		return fmt.Errorf("%w: %w", csaml.ErrAssertionReplayed, err)
	}
	return nil
}

// trimAttr trims an attribute name typed by an admin.
func trimAttr(s string) string { return strings.TrimSpace(s) }
