package sso

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"portico/app/web/core"
)

// Leave sends the browser to a provider after a posted form (logout, an
// admin's test sign-in). The portal's CSP lets forms post only to the
// portal, and browsers apply that to the redirects that follow a post too,
// so a 303 to the provider would be blocked. A page that refreshes to it at
// once, with a link as well, starts a new navigation, which the CSP allows,
// and needs no JavaScript.
func (s *Service) Leave(c *fiber.Ctx, to string) error {
	u, err := url.Parse(to)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return core.Redirect(c, "/portal/login")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("pages/portal/sso_leaving", s.View(c, fiber.Map{"To": u.String()}))
}
