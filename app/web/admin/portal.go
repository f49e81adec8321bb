package admin

import (
	"context"
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/brand"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// SettingsSections are the sections of /admin/portal, in page order.
var SettingsSections = []string{"switch", "general", "access", "pages", "consent", "filters",
	"permissions", "inbox", "branding", "form", "sessions"}

// lookups are the records the settings sections offer to choose from.
type lookups struct {
	Lists     []model.List
	Inboxes   []model.Inbox
	Forms     []model.Form
	Pipelines []model.Pipeline
	Consent   *model.ConsentVersion
}

func (s *Handler) loadLookups(ctx context.Context, st model.PortalSettings) (lookups, error) {
	var l lookups
	var err error
	if l.Lists, err = store.Lists(ctx, s.Store.DB); err != nil {
		return l, err
	}
	if l.Inboxes, err = store.Inboxes(ctx, s.Store.DB); err != nil {
		return l, err
	}
	if l.Forms, err = store.Forms(ctx, s.Store.DB); err != nil {
		return l, err
	}
	if l.Pipelines, err = store.Pipelines(ctx, s.Store.DB); err != nil {
		return l, err
	}
	if st.ConsentVersionID != 0 {
		if l.Consent, err = store.ConsentVersion(ctx, s.Store.DB, st.ConsentVersionID); err != nil && !core.IsNotFound(err) {
			return l, err
		}
	}
	return l, nil
}

// sectionData is what one section's template gets.
func (s *Handler) sectionData(c *fiber.Ctx, section string, st model.PortalSettings, errs form.Errors, saved bool) (fiber.Map, error) {
	l, err := s.loadLookups(c.UserContext(), st)
	if err != nil {
		return nil, err
	}
	nSSO, err := s.enabledSSO(c.UserContext())
	if err != nil {
		return nil, err
	}
	m := fiber.Map{
		"Section": section, "S": st, "Errors": errs, "Saved": saved, "Lookups": l,
		"Codes": s.I18n.Codes(), "Missing": form.Missing(st, nSSO), "SystemPages": form.SystemPages,
		"FilterProperties": form.FilterProperties, "FilterOperators": form.FilterOperators, "Fonts": form.Fonts,
		"Shades":  shades(st.PrimaryColor),
		"LogoSrc": core.ImageSrc(st.LogoURL), "FaviconSrc": core.ImageSrc(st.FaviconURL),
		"Langs": form.Langs(st),
		// The title has an input for every language Portico speaks: the
		// same section enables the languages, and a title typed for one
		// just enabled (or disabled) is kept.
		"AllLangs": form.Langs(model.PortalSettings{Language: st.Language, Languages: s.I18n.Codes()}),
	}
	if section == "filters" {
		// Rows without a property are dropped on save (an empty row
		// added by "add a rule"), so they don't count either.
		var rules []model.FilterRule
		for _, r := range st.Filters {
			if r.Property != "" {
				rules = append(rules, r)
			}
		}
		m["Visible"], m["Total"], err = s.Store.CountFiltered(c.UserContext(), s.Store.DB, rules)
		if err != nil {
			return nil, err
		}
	}
	if section == "consent" {
		var notice, label model.Text
		if l.Consent != nil && st.ConsentVersionID == l.Consent.ID {
			notice, label = l.Consent.Notice, l.Consent.Label
		}
		m["Notice"] = s.withDefaults(st, notice, "register.consent_notice")
		m["Label"] = s.withDefaults(st, label, "register.consent_label")
	}
	return m, nil
}

// withDefaults fills each portal language that has no text of its own
// with Portico's text in that language, so that saving the consent
// section keeps every language's customers reading their own language.
func (s *Handler) withDefaults(st model.PortalSettings, t model.Text, key string) model.Text {
	out := model.Text{}
	for _, lang := range form.Langs(st) {
		if v := t.Own(lang, st.Language); v != "" {
			out[lang] = v
		} else if s.I18n.Has(lang) {
			out[lang] = s.I18n.Locale(lang).T(key)
		}
	}
	return out
}

// PortalSettings shows every section of the settings page, and the audit
// log of their changes. After a plain form save (?saved=<section>) that
// section says "saved".
func (s *Handler) PortalSettings(c *fiber.Ctx) error {
	st := core.SettingsOf(c)
	saved := c.Query("saved")
	sections := make([]fiber.Map, 0, len(SettingsSections))
	for _, name := range SettingsSections {
		m, err := s.sectionData(c, name, st, form.Errors{}, name == saved)
		if err != nil {
			return err
		}
		sections = append(sections, s.View(c, m))
	}
	audit, err := store.RecentAudit(c.UserContext(), s.Store.DB, 20)
	if err != nil {
		return err
	}
	ssoM, err := s.ssoData(c, nil, c.Query("sso"))
	if err != nil {
		return err
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/portal", fiber.Map{
		"Title": core.LocaleOf(c).T("settings.title"), "Sections": sections, "Audit": audit, "SSO": s.View(c, ssoM),
	})
}

// filterPreview shows which tickets a contact would see with the rules as
// typed, saving nothing.
func (s *Handler) filterPreview(c *fiber.Ctx, st model.PortalSettings, email string) error {
	ctx := c.UserContext()
	m, err := s.sectionData(c, "filters", st, form.Errors{}, false)
	if err != nil {
		return err
	}
	m["PreviewEmail"] = email
	ct, err := store.ContactByEmail(ctx, s.Store.DB, email)
	if core.IsNotFound(err) {
		m["Errors"] = form.Errors{"preview_email": "preview.unknown_contact"}
		return s.sectionOut(c, fiber.StatusUnprocessableEntity, "filters", m)
	}
	if err != nil {
		return err
	}
	// The rules as typed, checked live: they are not saved yet.
	v := store.Viewer{ContactID: ct.ID, Filters: st.Filters, LiveRules: true}
	if core.CanSeeCompany(st, ct) {
		v.CompanyID = *ct.CompanyID
	}
	rows, total, err := s.Store.ListTickets(ctx, s.Store.DB, v, store.ListQuery{Status: "all", Size: 10})
	if err != nil {
		return err
	}
	m["PreviewRows"], m["PreviewTotal"], m["PreviewContact"] = rows, total, ct
	return s.sectionOut(c, fiber.StatusOK, "filters", m)
}

// sectionOut sends one section: alone for htmx, inside the page otherwise.
func (s *Handler) sectionOut(c *fiber.Ctx, status int, section string, m fiber.Map) error {
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/section", m)
	}
	return s.portalSettingsWith(c, status, section, m)
}

func (s *Handler) renderSection(c *fiber.Ctx, status int, section string, st model.PortalSettings, errs form.Errors, saved bool) error {
	m, err := s.sectionData(c, section, st, errs, saved)
	if err != nil {
		return err
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/section", m)
	}
	// Without JavaScript the whole page comes back, with this section as
	// typed and the others as stored.
	return s.portalSettingsWith(c, status, section, m)
}

func (s *Handler) renderConsent(c *fiber.Ctx, status int, st model.PortalSettings, cs form.Consent, errs form.Errors) error {
	m, err := s.sectionData(c, "consent", st, errs, false)
	if err != nil {
		return err
	}
	m["Notice"], m["Label"] = cs.Notice, cs.Label
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/section", m)
	}
	return s.portalSettingsWith(c, status, "consent", m)
}

// portalSettingsWith renders the whole settings page with one section
// replaced, for plain form posts.
func (s *Handler) portalSettingsWith(c *fiber.Ctx, status int, section string, replaced fiber.Map) error {
	stored := core.SettingsOf(c)
	sections := make([]fiber.Map, 0, len(SettingsSections))
	for _, name := range SettingsSections {
		if name == section {
			sections = append(sections, s.View(c, replaced))
			continue
		}
		m, err := s.sectionData(c, name, stored, form.Errors{}, false)
		if err != nil {
			return err
		}
		sections = append(sections, s.View(c, m))
	}
	audit, err := store.RecentAudit(c.UserContext(), s.Store.DB, 20)
	if err != nil {
		return err
	}
	ssoM, err := s.ssoData(c, nil, "")
	if err != nil {
		return err
	}
	m := fiber.Map{"Title": core.LocaleOf(c).T("settings.title"), "Sections": sections, "Audit": audit, "SSO": s.View(c, ssoM)}
	if section == "" {
		for k, v := range replaced {
			m[k] = v
		}
	}
	return s.adminPage(c, status, "pages/admin/portal", m)
}

// ids collects the IDs of records, for checking a submitted choice.
func ids[T any](records []T, id func(T) int64) []int64 {
	out := make([]int64, len(records))
	for i, r := range records {
		out[i] = id(r)
	}
	return out
}

// Shades describes the shades the portal derives from the primary colour,
// for the branding section: each with its contrast on white (for the
// button text: on the button).
type Shades struct {
	Text, Ring, Fill, OnFill        string
	TextRatio, RingRatio, FillRatio string
	Adjusted                        bool // some shade differs from the chosen colour
}

func shades(hex string) *Shades {
	p, err := brand.Derive(hex)
	if err != nil {
		return nil
	}
	r := func(f float64) string { return strconv.FormatFloat(math.Floor(f*10)/10, 'f', 1, 64) }
	return &Shades{
		Text: p.Text.Hex(), Ring: p.Ring.Hex(), Fill: p.Fill.Hex(), OnFill: p.OnFill.Hex(),
		TextRatio: r(brand.Contrast(p.Text, brand.White)), RingRatio: r(brand.Contrast(p.Ring, brand.White)),
		FillRatio: r(brand.Contrast(p.OnFill, p.Fill)),
		Adjusted:  p.Text != p.Chosen || p.Ring != p.Chosen || p.Fill != p.Chosen,
	}
}
