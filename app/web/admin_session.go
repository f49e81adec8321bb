package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

// Staff sessions live under their own cookie, so that one person may be
// logged in as a contact and as staff without the two mixing.
const staffCookie = "portico_staff"

const (
	localStaff        = "portico.staff"
	localStaffSession = "portico.staff_session"
)

func staffOf(c *fiber.Ctx) *model.StaffUser {
	u, _ := c.Locals(localStaff).(*model.StaffUser)
	return u
}

// loadStaffSession resumes a staff session, on its own cookie, with the
// same idle timeout and absolute lifetime as the portal's.
func (s *Server) loadStaffSession(c *fiber.Ctx) error {
	se, err := s.resumeSession(c, staffCookie, auth.KindStaff)
	if err != nil || se == nil {
		if err != nil {
			return err
		}
		return c.Next()
	}
	u, err := store.StaffByID(c.UserContext(), s.Store.DB, se.AccountID)
	if err != nil && !isNotFound(err) {
		return err
	}
	live := err == nil && !u.Disabled
	if err := s.keepSession(c, se, live); err != nil {
		return err
	}
	if !live {
		return c.Next() // ended: on as an anonymous request
	}
	c.Locals(localStaffSession, se)
	c.Locals(localStaff, u)
	return c.Next()
}

func (s *Server) setCookie(c *fiber.Ctx, name, sid string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    sid,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.Config.Secure(),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// requireStaff sends anonymous visitors (and contacts) to the staff login.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	if staffOf(c) != nil {
		return c.Next()
	}
	q := url.Values{}
	if c.Method() == fiber.MethodGet && c.Get("HX-Request") != "true" {
		q.Set("next", safeNext(c.OriginalURL(), ""))
	}
	if c.Locals(localExpired) != nil {
		q.Set("expired", "1")
	}
	to := "/admin/login"
	if enc := q.Encode(); enc != "" {
		to += "?" + enc
	}
	return redirect(c, to)
}

// requireSettingsPermission guards the portal settings.
func (s *Server) requireSettingsPermission(c *fiber.Ctx) error {
	if u := staffOf(c); u == nil || !u.CanPortalSettings {
		return s.message(c, fiber.StatusForbidden, "admin.forbidden_title", "admin.forbidden_body")
	}
	return c.Next()
}

// staffLocale picks the back office language from Accept-Language.
func (s *Server) staffLocale(c *fiber.Ctx) error {
	c.Locals(localLocale, s.I18n.Locale(s.I18n.Match(c.Get(fiber.HeaderAcceptLanguage), s.I18n.Codes(), "en")))
	return c.Next()
}
