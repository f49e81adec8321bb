package admin

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// localSaveRetries counts how often saveSection started over because
// another save came first.
const localSaveRetries = "portico.save_retries"

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
		cs := form.ReadConsent(next, g)
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
		n, err := s.enabledSSO(ctx)
		if err != nil {
			return err
		}
		if next.Enabled && len(form.Missing(next, n)) > 0 {
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
			Before: auditJSON(before), After: auditJSON(next), IP: core.IP(c),
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
