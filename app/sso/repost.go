package sso

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/web/core"
)

// BounceField marks a form posted again by Portico's own hand-over page.
const BounceField = "portico_bounce"

// Field is one hidden field of the hand-over page.
type Field struct{ Name, Value string }

// Bounced tells whether a cross-site POST must first be posted again by
// the hand-over page: it carries no session cookie (SameSite=Lax), and it
// is not that page's own post.
func Bounced(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && c.FormValue(BounceField) == "" && c.Cookies(core.SessionCookie) == ""
}

// Repost answers the hand-over page: a form of the portal that posts the
// fields again to path (a "/portal/…" route), automatically with
// JavaScript and with a button without. Coming from the portal's own
// page, that post carries the browser's session cookie, so that the
// sign-in can be checked against the flow this browser started. The
// fresh cookie the session middleware set is dropped, so that it does not
// replace the one the browser has.
func (s *Service) Repost(c *fiber.Ctx, path string, fields ...Field) error {
	c.Response().Header.DelCookie(core.SessionCookie)
	fields = append(fields, Field{BounceField, "1"})
	return s.Page(c, fiber.StatusOK, "pages/portal/saml_continue", fiber.Map{
		"Action": core.SettingsOf(c).PortalURL(path), "Fields": fields, "Title": core.LocaleOf(c).T("saml.continue.title"),
	})
}
