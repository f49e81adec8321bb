// Package sso is Portico's single sign-on for customers: the provider
// framework (providers stored in the database, their secrets sealed,
// sign-in flows bound to the session, one-time values refused twice on
// every instance), account resolution and the session login shared by
// every kind, and the kinds themselves: OpenID Connect, JWT remote login
// and, plugged in through the Kind interface, SAML 2.0.
//
// A kind verifies what its provider sent and turns it into an Identity;
// Service.Complete does the rest, alike for every kind.
//
// Plugging a kind in (SAML does it this way):
//   - implement Kind (Begin, LogoutURL), and optionally FormReader (its
//     fields of the settings form, template partials/admin/sso_<kind>)
//     and Endpointer (the URLs an admin copies into the provider);
//   - Register it on the Service (web.New builds it: Server.SSO);
//   - add its routes under /portal/sso/:slug/… in web/routes.go, beside
//     the others and before the portal group, with the same middleware
//     (no CSRF: a provider's POST is cross-site); load the provider with
//     LoadProvider(kind) for a 404 when it is disabled or unknown;
//   - in the callback: TakeFlow (state, single use, bound to the
//     session; a cross-site POST carries no SameSite=Lax cookie, so hop
//     to a GET of the portal first), UseOnce for one-time IDs, Fail with
//     a reason for every refusal, Report for a flow marked Test, and
//     Complete for the rest.
package sso

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// Provider is one configured provider, as stored.
type Provider = model.SSOProvider

// Kind is one sort of provider (oidc, saml, jwt).
type Kind interface {
	// Begin sends the browser to the provider to sign in. The flow holds
	// a fresh state and the page wanted afterwards; Begin may fill in
	// what its callback will check (nonce, PKCE verifier, request ID).
	// The flow is stored in the session after Begin returns nil.
	Begin(c *fiber.Ctx, p *Provider, f *Flow) error
	// LogoutURL is where the browser goes once the local session has
	// ended, to end the provider's session too; "" when it offers none.
	LogoutURL(c *fiber.Ctx, p *Provider, se *auth.Session) (string, error)
}

// Service carries the web core into the single sign-on handlers.
type Service struct {
	*core.Core
	seal  *sealer
	mu    sync.RWMutex
	kinds map[string]Kind
	// HTTPClient talks to identity providers (discovery, keys, tokens).
	HTTPClient *http.Client
	// Now is the clock, for token times.
	Now  func() time.Time
	oidc oidcCache
}

// New builds the service over the web core, with the OpenID Connect and
// JWT kinds registered.
func New(c *core.Core) (*Service, error) {
	sl, err := newSealer(c.Secret)
	if err != nil {
		return nil, err
	}
	s := &Service{Core: c, seal: sl, kinds: map[string]Kind{},
		HTTPClient: newHTTPClient(), Now: time.Now}
	s.Register(model.SSOKindOIDC, &oidcKind{s: s})
	s.Register(model.SSOKindJWT, &jwtKind{s: s})
	return s, nil
}

// Register plugs a kind in under its name.
func (s *Service) Register(kind string, k Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds[kind] = k
}

func (s *Service) kind(name string) Kind {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.kinds[name]
}

const localProvider = "portico.sso_provider"

// LoadProvider finds the provider named by the :slug route parameter and
// answers 404 unless it exists, is of one of the kinds given (any, when
// none is), and is enabled. ProviderOf then returns it.
func (s *Service) LoadProvider(kinds ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.provider(c, kinds...)
		if err != nil {
			return err
		}
		if !p.Enabled {
			return s.disabled(c, p)
		}
		c.Locals(localProvider, p)
		return c.Next()
	}
}

// provider loads the :slug provider of the given kinds, enabled or not.
func (s *Service) provider(c *fiber.Ctx, kinds ...string) (*Provider, error) {
	p, err := store.SSOProviderBySlug(c.UserContext(), s.Store.DB, c.Params("slug"))
	if core.IsNotFound(err) {
		return nil, fiber.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if len(kinds) > 0 && !core.Contains(kinds, p.Kind) {
		return nil, fiber.ErrNotFound
	}
	return p, nil
}

// disabled answers 404 for a disabled provider's route, and audits it
// (within the rate limit, so that a flood does not fill the log).
func (s *Service) disabled(c *fiber.Ctx, p *Provider) error {
	if s.allow(c) {
		s.audit(c, nil, "sso.failed", p, "provider_disabled")
	}
	return fiber.ErrNotFound
}

// ProviderOf is the provider LoadProvider found.
func ProviderOf(c *fiber.Ctx) *Provider {
	p, _ := c.Locals(localProvider).(*Provider)
	return p
}

// Options decodes the provider's kind-specific options into v.
func Options(p *Provider, v any) error {
	if p.Options == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(p.Options), v); err != nil {
		return fmt.Errorf("sso: provider %s has unreadable options: %w", p.Slug, err)
	}
	return nil
}

// Secrets decrypts the provider's secrets (client secret, shared key,
// private key…), by name.
func (s *Service) Secrets(p *Provider) (map[string]string, error) {
	return s.seal.open(p.ID, p.Secrets)
}

// SealSecrets encrypts secrets into p.Secrets; p must have its ID.
func (s *Service) SealSecrets(p *Provider, secrets map[string]string) error {
	sealed, err := s.seal.seal(p.ID, secrets)
	if err != nil {
		return err
	}
	p.Secrets = sealed
	return nil
}

// URL is the absolute public URL of one of the provider's routes, e.g.
// URL(c, p, "callback") for /portal/sso/<slug>/callback under the
// configured base URL and portal slug: what an admin pastes into the IdP.
func (s *Service) URL(c *fiber.Ctx, p *Provider, action string) string {
	return s.absolute(c, Path(p, action))
}

// absolute turns an internal "/portal/…" path into the public URL, under
// the configured base URL (never the request's Host).
func (s *Service) absolute(c *fiber.Ctx, path string) string {
	return s.BaseURL(c) + core.SettingsOf(c).PortalURL(path)
}

// BaseURL is the portal's configured base URL (never the request's Host):
// the audience a JWT provider's tokens name unless the admin sets another.
func (s *Service) BaseURL(c *fiber.Ctx) string {
	if m, err := s.Mailer(); err == nil {
		return m.BaseURL(core.SettingsOf(c))
	}
	return s.Config.BaseURL
}

// Path is the internal path of one of the provider's routes.
func Path(p *Provider, action string) string {
	return "/portal/sso/" + url.PathEscape(p.Slug) + "/" + action
}
