package admin

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// localSaveRetries counts how often saveSection started over because
// another save came first.
const localSaveRetries = "portico.save_retries"

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
	m := fiber.Map{
		"Section": section, "S": st, "Errors": errs, "Saved": saved, "Lookups": l,
		"Codes": s.I18n.Codes(), "Missing": form.Missing(st), "SystemPages": form.SystemPages,
		"FilterProperties": form.FilterProperties, "FilterOperators": form.FilterOperators, "Fonts": form.Fonts,
		"Contrast": form.ContrastRatio(st.PrimaryColor, "#ffffff"),
		"LogoSrc":  core.ImageSrc(st.LogoURL), "FaviconSrc": core.ImageSrc(st.FaviconURL),
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
	if section == "consent" && l.Consent != nil && st.ConsentVersionID == l.Consent.ID {
		m["Notice"], m["Label"] = l.Consent.Notice, l.Consent.Label
	}
	return m, nil
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
	return s.adminPage(c, fiber.StatusOK, "pages/admin/portal", fiber.Map{
		"Title": core.LocaleOf(c).T("settings.title"), "Sections": sections, "Audit": audit,
	})
}

// SaveSection reads one section into a copy of the settings, and saves it
// with an audit entry only when it is valid. It re-renders just that
// section: 422 with the errors and what was typed, or 200 with "saved".
func (s *Handler) SaveSection(c *fiber.Ctx) error {
	section := c.Params("section")
	if !core.Contains(SettingsSections, section) {
		return core.ErrNotFound
	}
	ctx := c.UserContext()
	before := core.SettingsOf(c)
	next := CloneSettings(before)
	l, err := s.loadLookups(ctx, before)
	if err != nil {
		return err
	}
	g := form.Getter{Get: c.FormValue, Values: func(k string) []string {
		var out []string
		for _, v := range c.Request().PostArgs().PeekMulti(k) {
			out = append(out, string(v))
		}
		if mf, err := c.MultipartForm(); err == nil && len(out) == 0 {
			out = mf.Value[k]
		}
		return out
	}}
	var errs form.Errors
	var consent *form.Consent
	switch section {
	case "general":
		errs = form.ApplyGeneral(&next, g, s.I18n.Codes())
	case "access":
		errs = form.ApplyAccess(&next, g, ids(l.Lists, func(x model.List) int64 { return x.ID }))
	case "pages":
		errs = form.ApplyPages(&next, g)
	case "consent":
		cs := form.ReadConsent(g)
		consent, errs = &cs, cs.Validate()
	case "filters":
		errs = form.ApplyFilters(&next, g)
		if g.Get("add") == "yes" {
			next.Filters = append(next.Filters, model.FilterRule{})
			return s.renderSection(c, fiber.StatusOK, section, next, errs, false)
		}
		if g.Get("preview") == "yes" && !errs.Any() {
			return s.filterPreview(c, next, g.Get("preview_email"))
		}
	case "permissions":
		errs = form.ApplyPermissions(&next, g)
	case "inbox":
		errs = form.ApplyInbox(&next, g, ids(l.Inboxes, func(x model.Inbox) int64 { return x.ID }))
	case "branding":
		errs = form.ApplyBranding(&next, g)
		if g.Get("add") == "yes" {
			next.Menu = append(next.Menu, model.MenuItem{})
			return s.renderSection(c, fiber.StatusOK, section, next, errs, false)
		}
		s.readImage(c, "logo", &next.LogoURL, errs)
		s.readImage(c, "favicon", &next.FaviconURL, errs)
	case "form":
		errs = form.ApplyForm(&next, g, ids(l.Forms, func(x model.Form) int64 { return x.ID }))
	case "sessions":
		errs = form.ApplySessions(&next, g)
	case "switch":
		next.Enabled = g.Get("enabled") == "on"
		if next.Enabled && len(form.Missing(next)) > 0 {
			errs = form.Errors{"enabled": "settings.switch_refused"}
		}
	}
	if errs.Any() {
		if consent != nil {
			return s.renderConsent(c, fiber.StatusUnprocessableEntity, next, *consent, errs)
		}
		return s.renderSection(c, fiber.StatusUnprocessableEntity, section, next, errs, false)
	}
	stale := false
	err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// next is a whole settings document: if another save (another
		// section, admin or instance) came in since this request read
		// the settings, writing it would undo that save. Check under
		// the row's lock, and start over from the fresh settings if so.
		q := tx.NewSelect().TableExpr("portal_settings").Column("version").Where("id = 1")
		if s.Store.Postgres() {
			q = q.For("UPDATE")
		}
		var current int64
		if err := q.Scan(ctx, &current); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if version, _ := c.Locals(core.LocalSettingsVersion).(int64); current != version {
			stale = true
			return nil
		}
		if consent != nil {
			v := &model.ConsentVersion{Notice: consent.Notice, Label: consent.Label}
			if err := store.AddConsentVersion(ctx, tx, v); err != nil {
				return err
			}
			next.ConsentVersionID = v.ID
		}
		if _, err := store.SaveSettings(ctx, tx, next); err != nil {
			return err
		}
		u := core.StaffOf(c)
		return store.AddAudit(ctx, tx, &model.AuditEntry{
			ActorType: "staff", ActorID: &u.ID, Action: "settings." + section, Target: "portal",
			Before: auditJSON(before), After: auditJSON(next), IP: c.IP(),
		})
	})
	if err != nil {
		return err
	}
	if stale {
		retries, _ := c.Locals(localSaveRetries).(int)
		if retries >= 5 {
			return core.ErrUnavailable
		}
		st, version, err := store.Settings(ctx, s.Store.DB)
		if err != nil {
			return err
		}
		c.Locals(core.LocalSettings, st)
		c.Locals(core.LocalSettingsVersion, version)
		c.Locals(localSaveRetries, retries+1)
		return s.SaveSection(c)
	}
	c.Locals(core.LocalSettings, next)
	if section == "access" {
		// Email: invite the listed contacts who have no password yet.
		s.Desk.InviteListed(c.UserContext(), next)
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/portal?saved="+section+"#"+section)
	}
	return s.renderSection(c, fiber.StatusOK, section, next, form.Errors{}, true)
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
	v := store.Viewer{ContactID: ct.ID, Filters: st.Filters}
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
	m := fiber.Map{"Title": core.LocaleOf(c).T("settings.title"), "Sections": sections, "Audit": audit}
	if section == "" {
		for k, v := range replaced {
			m[k] = v
		}
	}
	return s.adminPage(c, status, "pages/admin/portal", m)
}

// readImage stores an uploaded logo or favicon as a data: URL in the
// settings, so that every instance serves it with no shared disk. Only
// raster images that browsers show safely are accepted.
func (s *Handler) readImage(c *fiber.Ctx, field string, dst *string, errs form.Errors) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return
	}
	if fh.Size > 256<<10 {
		errs[field] = "settings.image_too_large"
		return
	}
	f, err := fh.Open()
	if err != nil {
		errs[field] = "form.invalid"
		return
	}
	defer f.Close()
	buf := make([]byte, fh.Size)
	if _, err := io.ReadFull(f, buf); err != nil {
		errs[field] = "form.invalid"
		return
	}
	ct := http.DetectContentType(buf)
	if !core.InlineTypes[ct] && ct != "image/x-icon" && ct != "image/vnd.microsoft.icon" {
		errs[field] = "settings.image_type"
		return
	}
	*dst = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(buf)
}

// CloneSettings is a deep copy of the settings, for comparing before and
// after a save.
func CloneSettings(s model.PortalSettings) model.PortalSettings {
	b, _ := json.Marshal(s)
	var out model.PortalSettings
	_ = json.Unmarshal(b, &out)
	return out
}

// auditJSON is the settings as the audit log keeps them, without the
// bulky images.
func auditJSON(s model.PortalSettings) string {
	if strings.HasPrefix(s.LogoURL, "data:") {
		s.LogoURL = "(uploaded image)"
	}
	if strings.HasPrefix(s.FaviconURL, "data:") {
		s.FaviconURL = "(uploaded image)"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// ids collects the IDs of records, for checking a submitted choice.
func ids[T any](records []T, id func(T) int64) []int64 {
	out := make([]int64, len(records))
	for i, r := range records {
		out[i] = id(r)
	}
	return out
}
