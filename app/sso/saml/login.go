package saml

import (
	"context"
	"fmt"
	"time"

	csaml "github.com/crewjam/saml"
)

// RequestLifetime is how long a sent AuthnRequest or LogoutRequest waits
// for its answer: the time a person has to sign in at the IdP.
const RequestLifetime = 10 * time.Minute

// StartLogin makes an SP-initiated AuthnRequest, saves its ID in store (the
// browser's session), and returns the IdP URL to redirect the browser to
// (HTTP-Redirect binding). relayState comes back with the Response; keep it
// short (80 bytes) and opaque.
func (s *SP) StartLogin(ctx context.Context, store RequestStore, relayState string) (string, error) {
	p := s.provider(ctx)
	req, err := p.MakeAuthenticationRequest(p.GetSSOBindingLocation(csaml.HTTPRedirectBinding),
		csaml.HTTPRedirectBinding, csaml.HTTPPostBinding)
	if err != nil {
		return "", fmt.Errorf("saml: making the AuthnRequest: %w", err)
	}
	if err := store.SaveRequest(ctx, req.ID, time.Now().Add(RequestLifetime)); err != nil {
		return "", fmt.Errorf("saml: saving the AuthnRequest ID: %w", err)
	}
	u, err := req.Redirect(relayState, p)
	if err != nil {
		return "", fmt.Errorf("saml: encoding the AuthnRequest: %w", err)
	}
	return u.String(), nil
}
