package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// The "Single sign-on" section of /admin/portal: the providers, the URLs
// to copy into each, and the form to add or edit one.

// ssoEdit is the provider form as shown: stored, or as typed.
type ssoEdit struct {
	P         model.SSOProvider
	F         form.SSOProvider
	Typed     map[string]string // the kind's fields, as typed or stored
	HasSecret map[string]bool
	Errors    form.Errors
}

// ssoData is what the section's template gets.
func (s *Handler) ssoData(c *fiber.Ctx, edit *ssoEdit, status string) (fiber.Map, error) {
	ps, err := store.SSOProviders(c.UserContext(), s.Store.DB)
	if err != nil {
		return nil, err
	}
	rows := make([]fiber.Map, 0, len(ps))
	for i := range ps {
		rows = append(rows, fiber.Map{"P": ps[i], "Endpoints": s.SSO.Endpoints(c, &ps[i])})
	}
	m := fiber.Map{"Providers": rows, "Kinds": s.SSO.Kinds(), "Edit": edit, "Status": status,
		"Presets": []string{"google", "okta", "entra", "generic"}, "Algorithms": sso.JWTAlgorithms}
	if edit != nil && edit.P.ID != 0 {
		m["EditEndpoints"] = s.SSO.Endpoints(c, &edit.P)
	}
	return m, nil
}

// ssoOut sends the section: alone for htmx, inside the settings page
// otherwise.
func (s *Handler) ssoOut(c *fiber.Ctx, status int, edit *ssoEdit, note string) error {
	m, err := s.ssoData(c, edit, note)
	if err != nil {
		return err
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/sso", m)
	}
	return s.portalSettingsWith(c, status, "", fiber.Map{"SSO": s.View(c, m)})
}

// enabledSSO counts the enabled providers, for the activation checklist.
func (s *Handler) enabledSSO(ctx context.Context) (int, error) {
	ps, err := store.EnabledSSOProviders(ctx, s.Store.DB)
	return len(ps), err
}

// ssoProvider loads the :id provider, or answers 404.
func (s *Handler) ssoProvider(c *fiber.Ctx) (*model.SSOProvider, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, core.ErrNotFound
	}
	p, err := store.SSOProvider(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return p, err
}

// SSONew shows the form for a new provider of a kind.
func (s *Handler) SSONew(c *fiber.Ctx) error {
	kind := c.Query("kind")
	if !core.Contains(s.SSO.Kinds(), kind) {
		return core.ErrNotFound
	}
	typed := map[string]string{}
	if kind == model.SSOKindOIDC {
		typed["preset"] = "generic"
	}
	if kind == model.SSOKindJWT {
		// The issuer defaults to the remote login URL's origin on save.
		typed["algorithm"], typed["audience"] = "HS256", s.SSO.BaseURL(c)
	}
	edit := &ssoEdit{P: model.SSOProvider{Kind: kind}, F: form.SSOProvider{Kind: kind}, Typed: typed, Errors: form.Errors{}}
	return s.ssoOut(c, fiber.StatusOK, edit, "")
}

// SSOEdit shows a stored provider's form; secrets are never shown.
func (s *Handler) SSOEdit(c *fiber.Ctx) error {
	p, err := s.ssoProvider(c)
	if err != nil {
		return err
	}
	return s.ssoOut(c, fiber.StatusOK, s.storedEdit(c, p), "")
}

func (s *Handler) storedEdit(c *fiber.Ctx, p *model.SSOProvider) *ssoEdit {
	typed := map[string]string{}
	var opts map[string]any
	_ = json.Unmarshal([]byte(p.Options), &opts)
	for k, v := range opts {
		typed[k] = fmt.Sprint(v)
	}
	f := form.SSOProvider{Kind: p.Kind, Name: p.Name, Slug: p.Slug, Enabled: p.Enabled, AllowLinking: p.AllowLinking,
		Companies: s.companyLines(c, p)}
	has := map[string]bool{}
	for _, k := range []string{sso.SecretOIDC, sso.SecretJWT} {
		has[k] = s.SSO.HasSecret(p, k)
	}
	return &ssoEdit{P: *p, F: f, Typed: typed, HasSecret: has, Errors: form.Errors{}}
}

// companyLines writes the stored company mapping back as form lines.
func (s *Handler) companyLines(c *fiber.Ctx, p *model.SSOProvider) string {
	var m map[string]int64
	if json.Unmarshal([]byte(p.CompanyMap), &m) != nil || len(m) == 0 {
		return ""
	}
	ids := make([]int64, 0, len(m))
	for _, id := range m {
		ids = append(ids, id)
	}
	names, err := store.CompanyNames(c.UserContext(), s.Store.DB, ids)
	if err != nil {
		return ""
	}
	lines := make([]string, 0, len(m))
	for from, id := range m {
		if n, ok := names[id]; ok {
			lines = append(lines, from+" = "+n)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
