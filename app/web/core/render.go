package core

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
)

const portalLayout = "layouts/portal"

// IsFragment tells whether htmx asked for a piece of a page rather than a
// whole one. Boosted links and history restores need the whole page.
func IsFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" &&
		c.Get("HX-History-Restore-Request") != "true"
}

// View returns the data every portal template gets, plus m.
func (s *Core) View(c *fiber.Ctx, m fiber.Map) fiber.Map {
	if m == nil {
		m = fiber.Map{}
	}
	st := SettingsOf(c)
	m["L"] = LocaleOf(c)
	m["Settings"] = st
	m["Contact"] = ContactOf(c)
	m["CSRF"] = s.csrfToken(c)
	m["Base"] = st.PortalPath()
	m["Path"] = c.OriginalURL()
	m["Assets"] = s.assets
	m["ThemeURL"] = fmt.Sprintf("%s/theme.css?v=%v", st.PortalPath(), c.Locals(LocalSettingsVersion))
	m["Languages"] = st.Languages
	m["BrandLogo"], m["BrandFavicon"] = brandSrc(c, false), brandSrc(c, true)
	m["Preview"] = c.Locals(localPreview) != nil
	if m["Preview"] == true {
		// The banner's "end preview" form posts to the back office, which
		// checks the staff session's token.
		m["StaffCSRF"] = s.CSRFFor(c.Cookies(StaffCookie))
	}
	if _, ok := m["Title"]; !ok {
		m["Title"] = ""
	}
	return m
}

// Page renders a whole page inside the portal layout.
func (s *Core) Page(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	return c.Render(name, s.View(c, m), portalLayout)
}

// PageOrFragment renders the partial alone for htmx, or the whole page.
func (s *Core) PageOrFragment(c *fiber.Ctx, status int, name, partial string, m fiber.Map) error {
	if IsFragment(c) {
		c.Vary("HX-Request")
		c.Status(status)
		return c.Render(partial, s.View(c, m))
	}
	return s.Page(c, status, name, m)
}

// Redirect sends the browser elsewhere: HX-Redirect for htmx, so that a
// page never lands inside a fragment, and 303 otherwise.
func Redirect(c *fiber.Ctx, to string) error {
	// Handlers speak of the portal's internal "/portal/…" paths.
	to = SettingsOf(c).PortalURL(to)
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// SafeNext accepts only same-origin relative paths for a redirect after
// login: "/x" yes; "//evil", "/\evil", "javascript:" and absolute URLs no.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}

// Locals keys.
const (
	LocalSettings        = "portico.settings"
	LocalSettingsVersion = "portico.settings_version"
	localSession         = "portico.session"
	LocalSID             = "portico.sid"
	LocalContact         = "portico.contact"
	LocalLocale          = "portico.locale" // the request's *i18n.Locale
	LocalExpired         = "portico.expired"
	localPreview         = "portico.preview"
	localReqID           = "requestid"
)

// SettingsOf is the request's portal settings, read by LoadSettings.
func SettingsOf(c *fiber.Ctx) model.PortalSettings {
	st, _ := c.Locals(LocalSettings).(model.PortalSettings)
	return st
}

// ContactOf is the logged-in (or previewed) contact, or nil.
func ContactOf(c *fiber.Ctx) *model.Contact {
	ct, _ := c.Locals(LocalContact).(*model.Contact)
	return ct
}

// SessionOf is the request's live session (contact or staff), or nil.
func SessionOf(c *fiber.Ctx) *auth.Session { return sessionOf(c) }

func sessionOf(c *fiber.Ctx) *auth.Session {
	se, _ := c.Locals(localSession).(*auth.Session)
	return se
}

// LocaleOf is the language the request is answered in.
func LocaleOf(c *fiber.Ctx) *i18n.Locale {
	l, _ := c.Locals(LocalLocale).(*i18n.Locale)
	return l
}

// Viewer is the visibility of the logged-in contact. Organization view
// widens it to the primary company when the settings allow it.
func Viewer(c *fiber.Ctx, org bool) store.Viewer {
	ct := ContactOf(c)
	if ct == nil {
		return store.Viewer{}
	}
	st := SettingsOf(c)
	// The saved filter rules are already in the visibility keys.
	v := store.Viewer{ContactID: ct.ID}
	if org && CanSeeCompany(st, ct) {
		v.CompanyID = *ct.CompanyID
	}
	return v
}

// CanSeeCompany tells whether the contact may see its company's tickets.
func CanSeeCompany(st model.PortalSettings, ct *model.Contact) bool {
	return st.Permission == model.PermissionCompany && ct != nil && ct.CompanyID != nil
}

// ErrNotFound is the one answer for a missing ticket and for someone
// else's, so that IDs can't be probed.
var ErrNotFound = fiber.ErrNotFound

// IsNotFound tells whether err is the store's "no such row".
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
