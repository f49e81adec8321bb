package core

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// PortalSlug serves the portal under its configured slug. Portico's routes
// live under /portal: a request for /<slug>/… is routed there, and one
// under /portal or under an earlier slug is redirected to the slug, so
// that old links and bookmarks keep working.
func (s *Core) PortalSlug(c *fiber.Ctx) error {
	path := c.Path()
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch seg {
	case "", "admin", "static", "healthz", "readyz", "metrics":
		return c.Next()
	}
	if err := s.useSettings(c, true); err != nil {
		return err
	}
	st := SettingsOf(c)
	slug := strings.TrimPrefix(st.PortalPath(), "/")
	if slug == "portal" {
		return c.Next()
	}
	switch {
	case seg == slug:
		c.Path("/portal" + path[len(seg)+1:])
		return c.Next()
	case seg == "portal" || Contains(st.PreviousSlugs, seg):
		to := "/" + slug + path[len(seg)+1:]
		if q := c.Request().URI().QueryString(); len(q) > 0 {
			to += "?" + string(q)
		}
		status := fiber.StatusMovedPermanently
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			// 308 keeps the method and body of a form post.
			status = fiber.StatusPermanentRedirect
		}
		return c.Redirect(to, status)
	}
	return c.Next()
}

// Contains tells whether list holds v.
func Contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
