package web

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

// isFragment tells whether htmx asked for a piece of a page rather than a
// whole one. Boosted links and history restores need the whole page.
func isFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" &&
		c.Get("HX-History-Restore-Request") != "true"
}

// view returns the data every portal template gets, plus m.
func (s *Server) view(c *fiber.Ctx, m fiber.Map) fiber.Map {
	if m == nil {
		m = fiber.Map{}
	}
	st := settingsOf(c)
	m["L"] = localeOf(c)
	m["Settings"] = st
	m["Contact"] = contactOf(c)
	m["CSRF"] = s.csrfToken(c)
	m["Base"] = st.PortalPath()
	m["Path"] = c.OriginalURL()
	m["Assets"] = s.assets
	m["ThemeURL"] = fmt.Sprintf("%s/theme.css?v=%v", st.PortalPath(), c.Locals(localSettingsVersion))
	m["Languages"] = st.Languages
	m["Preview"] = c.Locals(localPreview) != nil
	if m["Preview"] == true {
		// The banner's "end preview" form posts to the back office, which
		// checks the staff session's token.
		m["StaffCSRF"] = s.csrfFor(c.Cookies(staffCookie))
	}
	if _, ok := m["Title"]; !ok {
		m["Title"] = ""
	}
	return m
}

// page renders a whole page inside the portal layout.
func (s *Server) page(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	return c.Render(name, s.view(c, m), portalLayout)
}

// pageOrFragment renders the partial alone for htmx, or the whole page.
func (s *Server) pageOrFragment(c *fiber.Ctx, status int, name, partial string, m fiber.Map) error {
	if isFragment(c) {
		c.Vary("HX-Request")
		c.Status(status)
		return c.Render(partial, s.view(c, m))
	}
	return s.page(c, status, name, m)
}

// redirect sends the browser elsewhere: HX-Redirect for htmx, so that a
// page never lands inside a fragment, and 303 otherwise.
func redirect(c *fiber.Ctx, to string) error {
	// Handlers speak of the portal's internal "/portal/…" paths.
	to = settingsOf(c).PortalURL(to)
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// safeNext accepts only same-origin relative paths for a redirect after
// login: "/x" yes; "//evil", "/\evil", "javascript:" and absolute URLs no.
func safeNext(next, fallback string) string {
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
	localSettings        = "portico.settings"
	localSettingsVersion = "portico.settings_version"
	localSession         = "portico.session"
	localSID             = "portico.sid"
	localContact         = "portico.contact"
	localLocale          = "portico.locale"
	localExpired         = "portico.expired"
	localPreview         = "portico.preview"
	localReqID           = "requestid"
)

func settingsOf(c *fiber.Ctx) model.PortalSettings {
	st, _ := c.Locals(localSettings).(model.PortalSettings)
	return st
}

func contactOf(c *fiber.Ctx) *model.Contact {
	ct, _ := c.Locals(localContact).(*model.Contact)
	return ct
}

func sessionOf(c *fiber.Ctx) *auth.Session {
	se, _ := c.Locals(localSession).(*auth.Session)
	return se
}

func localeOf(c *fiber.Ctx) *i18n.Locale {
	l, _ := c.Locals(localLocale).(*i18n.Locale)
	return l
}

// viewer is the visibility of the logged-in contact. Organization view
// widens it to the primary company when the settings allow it.
func viewer(c *fiber.Ctx, org bool) store.Viewer {
	ct := contactOf(c)
	if ct == nil {
		return store.Viewer{}
	}
	st := settingsOf(c)
	v := store.Viewer{ContactID: ct.ID, Filters: st.Filters}
	if org && canSeeCompany(st, ct) {
		v.CompanyID = *ct.CompanyID
	}
	return v
}

// canSeeCompany tells whether the contact may see its company's tickets.
func canSeeCompany(st model.PortalSettings, ct *model.Contact) bool {
	return st.Permission == model.PermissionCompany && ct != nil && ct.CompanyID != nil
}

// errNotFound is the one answer for a missing ticket and for someone
// else's, so that IDs can't be probed.
var errNotFound = fiber.ErrNotFound

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
