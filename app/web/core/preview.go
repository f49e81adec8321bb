package core

import (
	"portico/app/auth"
	"portico/app/store"
	"time"

	"github.com/gofiber/fiber/v2"
)

// loadPreview lets a staff user with the settings permission see the
// portal as a chosen contact, without that contact's login. It applies
// only when the visitor has no customer session of their own.
func (s *Core) loadPreview(c *fiber.Ctx) error {
	sid := c.Cookies(StaffCookie)
	if len(sid) != 43 {
		return c.Next()
	}
	ctx := c.UserContext()
	se, err := s.Sessions.Get(ctx, sid)
	if err != nil {
		return ErrUnavailable
	}
	if se == nil || se.Kind != auth.KindStaff || se.AsContactID == 0 {
		return c.Next()
	}
	st := SettingsOf(c)
	if time.Since(se.LastSeen) > st.IdleTimeout() || time.Since(se.CreatedAt) > s.MaxLifetime(st) {
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
	c.Locals(LocalContact, ct)
	c.Locals(localPreview, true)
	return c.Next()
}

// PreviewReadOnly refuses every change made through a preview.
func (s *Core) PreviewReadOnly(c *fiber.Ctx) error {
	if c.Locals(localPreview) != nil && c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return s.Message(c, fiber.StatusForbidden, "preview.readonly_title", "preview.readonly_body")
	}
	return c.Next()
}
