package sso

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
)

// oidcCache keeps each provider's discovered configuration and keys.
type oidcCache struct{}

// oidcKind signs in through an OpenID Connect provider.
type oidcKind struct{ s *Service }

// Begin implements Kind.
func (k *oidcKind) Begin(c *fiber.Ctx, p *Provider, f *Flow) error {
	return errors.New("sso: openid connect not ready")
}

// LogoutURL implements Kind.
func (k *oidcKind) LogoutURL(c *fiber.Ctx, p *Provider, se *auth.Session) (string, error) {
	return "", nil
}

// OIDCCallback is where the provider sends the browser back.
func (s *Service) OIDCCallback(c *fiber.Ctx) error { return fiber.ErrNotFound }
