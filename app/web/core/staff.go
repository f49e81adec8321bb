package core

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

// Staff sessions live under their own cookie, so that one person may be
// logged in as a contact and as staff without the two mixing.
const StaffCookie = "portico_staff"

const (
	LocalStaff        = "portico.staff"
	LocalStaffSession = "portico.staff_session"
)

// StaffOf is the logged-in staff user, or nil.
func StaffOf(c *fiber.Ctx) *model.StaffUser {
	u, _ := c.Locals(LocalStaff).(*model.StaffUser)
	return u
}

// LoadStaffSession resumes a staff session, on its own cookie, with the
// same idle timeout and absolute lifetime as the portal's.
func (s *Core) LoadStaffSession(c *fiber.Ctx) error {
	se, err := s.resumeSession(c, StaffCookie, auth.KindStaff)
	if err != nil || se == nil {
		if err != nil {
			return err
		}
		return c.Next()
	}
	u, err := store.StaffByID(c.UserContext(), s.Store.DB, se.AccountID)
	if err != nil && !IsNotFound(err) {
		return err
	}
	live := err == nil && !u.Disabled
	if err := s.keepSession(c, se, live); err != nil {
		return err
	}
	if !live {
		return c.Next() // ended: on as an anonymous request
	}
	c.Locals(LocalStaffSession, se)
	c.Locals(LocalStaff, u)
	return c.Next()
}

func (s *Core) setCookie(c *fiber.Ctx, name, sid string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    sid,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.Config.Secure(),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// EnsurePortalSID returns the portal session cookie's ID, setting a fresh
// one when the browser has none: a back-office action that starts a
// portal flow (an admin's test sign-in) anchors it there.
func (s *Core) EnsurePortalSID(c *fiber.Ctx) string {
	sid := c.Cookies(SessionCookie)
	if len(sid) != 43 {
		sid = auth.NewSessionID()
		s.setCookie(c, SessionCookie, sid)
	}
	return sid
}

// RequireStaff sends anonymous visitors (and contacts) to the staff login.
func (s *Core) RequireStaff(c *fiber.Ctx) error {
	if StaffOf(c) != nil {
		return c.Next()
	}
	q := url.Values{}
	if c.Method() == fiber.MethodGet && c.Get("HX-Request") != "true" {
		q.Set("next", SafeNext(c.OriginalURL(), ""))
	}
	if c.Locals(LocalExpired) != nil {
		q.Set("expired", "1")
	}
	to := "/admin/login"
	if enc := q.Encode(); enc != "" {
		to += "?" + enc
	}
	return Redirect(c, to)
}

// RequireSettingsPermission guards the portal settings.
func (s *Core) RequireSettingsPermission(c *fiber.Ctx) error {
	if u := StaffOf(c); u == nil || !u.CanPortalSettings {
		return s.Message(c, fiber.StatusForbidden, "admin.forbidden_title", "admin.forbidden_body")
	}
	return c.Next()
}

// StaffLocale picks the back office language from Accept-Language.
func (s *Core) StaffLocale(c *fiber.Ctx) error {
	l := s.I18n.Locale(s.I18n.Match(c.Get(fiber.HeaderAcceptLanguage), s.I18n.Codes(), "en"))
	l.Default = SettingsOf(c).Language
	c.Locals(LocalLocale, l)
	return c.Next()
}
