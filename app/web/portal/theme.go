package portal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// ThemeCSS serves the brand colours as CSS variables: a stylesheet, not
// inline styles, so that the CSP stays strict.
func (s *Handler) ThemeCSS(c *fiber.Ctx) error {
	st := core.SettingsOf(c)
	brand := rgbTriplet(st.PrimaryColor, "37 99 235")
	accent := rgbTriplet(st.AccentColor, "15 118 110")
	contrast := "255 255 255"
	// Dark text on a light brand colour, whichever reads better (WCAG).
	if form.ContrastRatio(st.PrimaryColor, "#111827") > form.ContrastRatio(st.PrimaryColor, "#ffffff") {
		contrast = "17 24 39"
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	css := fmt.Sprintf(":root{--brand:%s;--brand-contrast:%s;--accent:%s}\n", brand, contrast, accent)
	if f, ok := fontStacks[st.Font]; ok {
		css += "body{font-family:" + f + "}\n"
	}
	return c.SendString(css)
}

// fontStacks are the font choices of the branding settings; "system" is
// the stylesheet's default.
var fontStacks = map[string]string{
	"serif":   `ui-serif,Georgia,Cambria,"Times New Roman",Times,serif`,
	"rounded": `ui-rounded,"SF Pro Rounded","Nunito","Varela Round",system-ui,sans-serif`,
}

// rgbTriplet turns "#rrggbb" into "r g b", or answers def for anything else.
func rgbTriplet(hex, def string) string {
	hex = strings.TrimPrefix(hex, "#")
	if len(hex) != 6 {
		return def
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return def
	}
	return fmt.Sprintf("%d %d %d", v>>16&0xff, v>>8&0xff, v&0xff)
}

// SetLanguage stores the customer's own language choice: on the contact
// when logged in, and in a cookie either way.
func (s *Handler) SetLanguage(c *fiber.Ctx) error {
	code := c.FormValue("lang")
	if !s.I18n.Has(code) {
		return fiber.ErrBadRequest
	}
	if ct := core.ContactOf(c); ct != nil {
		if err := store.SetContactLanguage(c.UserContext(), s.Store.DB, ct.ID, code); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: core.LanguageCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, Secure: s.Config.Secure(), SameSite: fiber.CookieSameSiteLaxMode})
	return core.Redirect(c, core.SafeNext(c.FormValue("next"), "/portal/tickets"))
}
