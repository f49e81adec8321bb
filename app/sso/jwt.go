package sso

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
)

// jwtKind signs in through the customer's own application, which sends a
// signed JWT back (remote login).
type jwtKind struct{ s *Service }

// Begin implements Kind.
func (k *jwtKind) Begin(c *fiber.Ctx, p *Provider, f *Flow) error {
	return errors.New("sso: jwt not ready")
}

// LogoutURL implements Kind.
func (k *jwtKind) LogoutURL(c *fiber.Ctx, p *Provider, se *auth.Session) (string, error) {
	return "", nil
}

// JWTLogin takes the token the customer's application sends back.
func (s *Service) JWTLogin(c *fiber.Ctx) error { return fiber.ErrNotFound }
