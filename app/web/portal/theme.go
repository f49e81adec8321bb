package portal

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"portico/app/brand"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// ThemeCSS serves the brand colours as CSS variables: a stylesheet, not
// inline styles, so that the CSP stays strict. Each use of the brand
// colour gets its own shade, derived so that it keeps WCAG AA contrast
// however light or dark the chosen colour is (package brand).
func (s *Handler) ThemeCSS(c *fiber.Ctx) error {
	st := core.SettingsOf(c)
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	css := themeVars(st.PrimaryColor, st.AccentColor)
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

// themeVars writes the colour variables of the stylesheet: --brand fills
// buttons, --brand-contrast is the text on them, --brand-text colours links
// and --brand-ring focus rings; --accent marks the support team's messages
// and --accent-text is their tag's text. A colour that cannot be read
// falls back to the default.
func themeVars(primary, accent string) string {
	p, err := brand.Derive(primary)
	if err != nil {
		p, _ = brand.Derive(model.DefaultPortalSettings().PrimaryColor)
	}
	a, err := brand.DeriveAccent(accent)
	if err != nil {
		a, _ = brand.DeriveAccent(model.DefaultPortalSettings().AccentColor)
	}
	return fmt.Sprintf(":root{--brand:%s;--brand-contrast:%s;--brand-text:%s;--brand-ring:%s;--accent:%s;--accent-text:%s}\n",
		p.Fill.Triplet(), p.OnFill.Triplet(), p.Text.Triplet(), p.Ring.Triplet(), a.Chosen.Triplet(), a.Text.Triplet())
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
