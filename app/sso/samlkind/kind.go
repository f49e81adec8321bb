// Package samlkind plugs the SAML 2.0 service provider (app/sso/saml) into
// Portico's single sign-on as the provider kind "saml": its Begin and
// single logout, its routes (metadata, ACS, SLO), and its options in the
// provider form.
package samlkind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/sso"
	"portico/app/sso/saml"
)

// Options are a SAML provider's settings, stored as the provider's JSON
// options. The SP's private key is a secret (SecretKey).
type Options struct {
	// MetadataURL is where the IdP's metadata is fetched from, on save;
	// empty when it was pasted.
	MetadataURL string `json:"metadata_url,omitempty"`
	// MetadataXML is the IdP's metadata: pasted, or as last fetched.
	MetadataXML string `json:"metadata_xml,omitempty"`
	// The assertion attributes that carry the email, names and company.
	EmailAttr     string `json:"email_attr,omitempty"`
	FirstNameAttr string `json:"first_name_attr,omitempty"`
	LastNameAttr  string `json:"last_name_attr,omitempty"`
	CompanyAttr   string `json:"company_attr,omitempty"`
	// IdPInitiated accepts logins started at the IdP (its dashboard).
	IdPInitiated bool `json:"idp_initiated,omitempty"`
	// EmailVerified says the IdP vouches for the emails it sends.
	EmailVerified bool `json:"email_verified,omitempty"`
	// Certificate is the SP's own certificate (PEM), in its metadata.
	Certificate string `json:"certificate,omitempty"`
}

// SecretKey names the SP's private key among the provider's secrets.
const SecretKey = "sp_key"

// logoutKind is the replay-guard kind of answered logout requests.
const logoutKind = "saml_logout"

// Kind is the SAML provider kind.
type Kind struct {
	s *sso.Service
}

// New builds the kind over the single sign-on service.
func New(s *sso.Service) *Kind { return &Kind{s: s} }

// SP builds the service provider of p, with its public URLs as this
// request sees them.
func (k *Kind) SP(c *fiber.Ctx, p *sso.Provider) (*saml.SP, error) {
	var o Options
	if err := sso.Options(p, &o); err != nil {
		return nil, err
	}
	secrets, err := k.s.Secrets(p)
	if err != nil {
		return nil, fmt.Errorf("saml: provider %s: %w", p.Slug, err)
	}
	return saml.New(saml.Config{
		MetadataURL: k.s.URL(c, p, "metadata"),
		ACSURL:      k.s.URL(c, p, "acs"),
		SLOURL:      k.s.URL(c, p, "slo"),
		IdPMetadata: []byte(o.MetadataXML),
		Keys:        saml.Keys{Key: secrets[SecretKey], Certificate: o.Certificate},
		Attributes: saml.AttributeNames{Email: o.EmailAttr, FirstName: o.FirstNameAttr,
			LastName: o.LastNameAttr, Company: o.CompanyAttr},
		AllowIdPInitiated: o.IdPInitiated,
		EmailVerified:     o.EmailVerified,
		Replay:            k.s,
	})
}

// Begin sends the browser to the IdP with an AuthnRequest. The flow's
// state is the RelayState, and the request ID is kept in the flow, so the
// Response must come back to this browser's session.
func (k *Kind) Begin(c *fiber.Ctx, p *sso.Provider, f *sso.Flow) error {
	sp, err := k.SP(c, p)
	if err != nil {
		return err
	}
	u, err := sp.StartLogin(c.UserContext(), flowStore{f}, f.State)
	if err != nil {
		return err
	}
	return c.Redirect(u, fiber.StatusSeeOther)
}

// LogoutURL is the IdP's single logout, with a signed LogoutRequest for the
// login the session holds; "" when the IdP offers none.
func (k *Kind) LogoutURL(c *fiber.Ctx, p *sso.Provider, se *auth.Session) (string, error) {
	var l saml.Login
	if se.IDToken == "" || json.Unmarshal([]byte(se.IDToken), &l) != nil {
		return "", nil
	}
	sp, err := k.SP(c, p)
	if err != nil {
		return "", err
	}
	return sp.StartLogout(c.UserContext(), logoutStore{k.s}, l, "")
}

// flowStore keeps the AuthnRequest ID in the sign-in flow, which lives in
// the browser's session and is taken from it once.
type flowStore struct{ f *sso.Flow }

// SaveRequest records id in the flow.
func (fs flowStore) SaveRequest(_ context.Context, id string, _ time.Time) error {
	fs.f.RequestID = id
	return nil
}

// TakeRequest reports whether id is the flow's request.
func (fs flowStore) TakeRequest(_ context.Context, id string) (bool, error) {
	return fs.f != nil && fs.f.RequestID != "" && fs.f.RequestID == id, nil
}

// logoutStore answers for LogoutRequests. Their answer arrives after the
// local session has ended, so nothing in it can hold them: the IdP signs
// its LogoutResponse, and each answered request ID is accepted once.
type logoutStore struct{ s *sso.Service }

// SaveRequest keeps nothing: see logoutStore.
func (logoutStore) SaveRequest(context.Context, string, time.Time) error { return nil }

// TakeRequest accepts each id once, on every instance.
func (ls logoutStore) TakeRequest(ctx context.Context, id string) (bool, error) {
	err := ls.s.UseOnce(ctx, logoutKind, id, time.Now().Add(saml.RequestLifetime))
	if errors.Is(err, sso.ErrReplay) {
		return false, nil
	}
	return err == nil, err
}

// Kind is a provider kind with an admin form and URLs to copy.
var (
	_ sso.Kind       = (*Kind)(nil)
	_ sso.FormReader = (*Kind)(nil)
	_ sso.Endpointer = (*Kind)(nil)
)
