package admin

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// SSOCreate adds a provider (POST /admin/portal/sso).
func (s *Handler) SSOCreate(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	if !core.Contains(s.SSO.Kinds(), kind) {
		return core.ErrNotFound
	}
	return s.ssoSave(c, &model.SSOProvider{Kind: kind})
}

// SSOSave replaces a provider's settings (POST /admin/portal/sso/:id).
func (s *Handler) SSOSave(c *fiber.Ctx) error {
	p, err := s.ssoProvider(c)
	if err != nil {
		return err
	}
	return s.ssoSave(c, p)
}

// ssoSave reads the form into p and stores it, with an audit entry, only
// when all of it is valid; otherwise the form comes back as typed (422),
// secrets excepted.
func (s *Handler) ssoSave(c *fiber.Ctx, p *model.SSOProvider) error {
	ctx := c.UserContext()
	f := form.NewSSOProvider(c.FormValue)
	f.Kind = p.Kind
	errs := f.Validate()
	next := *p
	next.Name, next.Slug, next.Enabled, next.AllowLinking = f.Name, f.Slug, f.Enabled, f.AllowLinking
	secrets, kindErrs := s.SSO.ReadForm(func(k string) string { return c.FormValue(k) }, &next)
	for k, v := range kindErrs {
		errs[k] = v
	}
	if errs["slug"] == "" {
		if taken, err := store.SSOSlugTaken(ctx, s.Store.DB, f.Slug, p.ID); err != nil {
			return err
		} else if taken {
			errs["slug"] = "sso.slug_taken"
		}
	}
	companies := map[string]int64{}
	for _, line := range f.CompanyLines() {
		id, err := store.CompanyIDByName(ctx, s.Store.DB, line[1])
		if err != nil {
			return err
		}
		if id == 0 && errs["companies"] == "" {
			errs["companies"] = "sso.company_unknown"
		}
		companies[line[0]] = id
	}
	b, _ := json.Marshal(companies)
	next.CompanyMap = string(b)
	if errs.Any() {
		var typed map[string]any
		_ = json.Unmarshal([]byte(next.Options), &typed)
		edit := &ssoEdit{P: next, F: f, Typed: map[string]string{}, HasSecret: map[string]bool{}, Errors: errs}
		for k := range typed {
			edit.Typed[k] = c.FormValue(k)
		}
		for k := range secrets {
			edit.HasSecret[k] = p.ID != 0 && s.SSO.HasSecret(p, k)
		}
		return s.ssoOut(c, fiber.StatusUnprocessableEntity, edit, "")
	}
	action := "sso.provider_update"
	if p.ID == 0 {
		action = "sso.provider_create"
	}
	if err := s.SSO.SaveProvider(ctx, &next, secrets); err != nil {
		return err
	}
	s.audit(c, action, "sso:"+next.Slug, "", providerAudit(&next))
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/portal?sso=saved#sso")
	}
	return s.ssoOut(c, fiber.StatusOK, nil, "saved")
}

// providerAudit describes a provider for the audit log, secrets aside.
func providerAudit(p *model.SSOProvider) string {
	b, _ := json.Marshal(map[string]any{"id": p.ID, "kind": p.Kind, "name": p.Name, "slug": p.Slug, "enabled": p.Enabled,
		"allow_linking": p.AllowLinking, "options": json.RawMessage(p.Options), "companies": json.RawMessage(p.CompanyMap)})
	return string(b)
}

// SSODelete removes a provider (POST /admin/portal/sso/:id/delete).
func (s *Handler) SSODelete(c *fiber.Ctx) error {
	p, err := s.ssoProvider(c)
	if err != nil {
		return err
	}
	if err := store.DeleteSSOProvider(c.UserContext(), s.Store.DB, p.ID); err != nil {
		return err
	}
	s.audit(c, "sso.provider_delete", "sso:"+p.Slug, providerAudit(p), "")
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/portal?sso=removed#sso")
	}
	return s.ssoOut(c, fiber.StatusOK, nil, "removed")
}

// SSOTest starts a test sign-in at the provider (POST
// /admin/portal/sso/:id/test): the browser goes to the provider, and
// comes back to a report of what it sent. Nobody is logged in.
func (s *Handler) SSOTest(c *fiber.Ctx) error {
	p, err := s.ssoProvider(c)
	if err != nil {
		return err
	}
	s.audit(c, "sso.test_start", "sso:"+p.Slug, "", strconv.FormatInt(p.ID, 10))
	return s.SSO.BeginTest(c, p)
}
