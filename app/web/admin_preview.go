package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
)

// loadPreview lets a staff user with the settings permission see the
// portal as a chosen contact, without that contact's login. It applies
// only when the visitor has no customer session of their own.
func (s *Server) loadPreview(c *fiber.Ctx) error {
	sid := c.Cookies(staffCookie)
	if len(sid) != 43 {
		return c.Next()
	}
	ctx := c.UserContext()
	se, err := s.Sessions.Get(ctx, sid)
	if err != nil {
		return errUnavailable
	}
	if se == nil || se.Kind != auth.KindStaff || se.AsContactID == 0 {
		return c.Next()
	}
	st := settingsOf(c)
	if time.Since(se.LastSeen) > st.IdleTimeout() || time.Since(se.CreatedAt) > s.maxLifetime(st) {
		return c.Next()
	}
	u, err := store.StaffByID(ctx, s.Store.DB, se.AccountID)
	if err != nil || u.Disabled || !u.CanPortalSettings {
		return c.Next()
	}
	ct, err := store.ContactByID(ctx, s.Store.DB, se.AsContactID)
	if err != nil {
		return c.Next()
	}
	c.Locals(localContact, ct)
	c.Locals(localPreview, true)
	return c.Next()
}

// previewReadOnly refuses every change made through a preview.
func (s *Server) previewReadOnly(c *fiber.Ctx) error {
	if c.Locals(localPreview) != nil && c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return s.message(c, fiber.StatusForbidden, "preview.readonly_title", "preview.readonly_body")
	}
	return c.Next()
}

// previewStart opens the portal as the contact with the given email, and
// records that in the audit log.
func (s *Server) previewStart(c *fiber.Ctx) error {
	ctx := c.UserContext()
	email := c.FormValue("email")
	ct, err := store.ContactByEmail(ctx, s.Store.DB, email)
	if isNotFound(err) {
		return s.renderPreviewError(c)
	}
	if err != nil {
		return err
	}
	sid, _ := c.Locals(localSID).(string)
	se, _ := c.Locals(localStaffSession).(*auth.Session)
	if se == nil {
		return errUnavailable
	}
	se.AsContactID = ct.ID
	if err := s.Sessions.Put(ctx, sid, se, s.maxLifetime(settingsOf(c))-time.Since(se.CreatedAt)); err != nil {
		return errUnavailable
	}
	s.audit(c, "portal.preview", "contact:"+ct.Email, "", "")
	return redirect(c, "/portal/tickets")
}

// previewEnd leaves the preview and returns to the settings.
func (s *Server) previewEnd(c *fiber.Ctx) error {
	sid, _ := c.Locals(localSID).(string)
	if se, _ := c.Locals(localStaffSession).(*auth.Session); se != nil {
		se.AsContactID = 0
		if err := s.Sessions.Put(c.UserContext(), sid, se, s.maxLifetime(settingsOf(c))-time.Since(se.CreatedAt)); err != nil {
			return errUnavailable
		}
	}
	return redirect(c, "/admin/portal")
}

// renderPreviewError shows the preview form again, with the error at the
// email field and the email as typed.
func (s *Server) renderPreviewError(c *fiber.Ctx) error {
	m := fiber.Map{"PreviewEmail": c.FormValue("email"), "PreviewError": "preview.unknown_contact"}
	if isFragment(c) {
		return s.adminFragment(c, fiber.StatusUnprocessableEntity, "partials/admin/preview", m)
	}
	return s.portalSettingsWith(c, fiber.StatusUnprocessableEntity, "", m)
}
