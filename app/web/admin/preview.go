package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
	"portico/app/web/core"
)

// PreviewStart opens the portal as the contact with the given email, and
// records that in the audit log.
func (s *Handler) PreviewStart(c *fiber.Ctx) error {
	ctx := c.UserContext()
	email := c.FormValue("email")
	ct, err := store.ContactByEmail(ctx, s.Store.DB, email)
	if core.IsNotFound(err) {
		return s.renderPreviewError(c)
	}
	if err != nil {
		return err
	}
	sid, _ := c.Locals(core.LocalSID).(string)
	se, _ := c.Locals(core.LocalStaffSession).(*auth.Session)
	if se == nil {
		return core.ErrUnavailable
	}
	se.AsContactID = ct.ID
	if err := s.Sessions.Put(ctx, sid, se, s.MaxLifetime(core.SettingsOf(c))-time.Since(se.CreatedAt)); err != nil {
		return core.ErrUnavailable
	}
	s.audit(c, "portal.preview", "contact:"+ct.Email, "", "")
	return core.Redirect(c, "/portal/tickets")
}

// PreviewEnd leaves the preview and returns to the settings.
func (s *Handler) PreviewEnd(c *fiber.Ctx) error {
	sid, _ := c.Locals(core.LocalSID).(string)
	if se, _ := c.Locals(core.LocalStaffSession).(*auth.Session); se != nil {
		se.AsContactID = 0
		if err := s.Sessions.Put(c.UserContext(), sid, se, s.MaxLifetime(core.SettingsOf(c))-time.Since(se.CreatedAt)); err != nil {
			return core.ErrUnavailable
		}
	}
	return core.Redirect(c, "/admin/portal")
}

// renderPreviewError shows the preview form again, with the error at the
// email field and the email as typed.
func (s *Handler) renderPreviewError(c *fiber.Ctx) error {
	m := fiber.Map{"PreviewEmail": c.FormValue("email"), "PreviewError": "preview.unknown_contact"}
	if core.IsFragment(c) {
		return s.adminFragment(c, fiber.StatusUnprocessableEntity, "partials/admin/preview", m)
	}
	return s.portalSettingsWith(c, fiber.StatusUnprocessableEntity, "", m)
}
