package sso

import (
	"encoding/json"
	"log/slog"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
	"portico/app/web/core"
)

// Start begins a sign-in at the provider (GET /portal/sso/<slug>/login,
// ?return_to= the page wanted afterwards). A contact already logged in
// goes straight on.
func (s *Service) Start(c *fiber.Ctx) error {
	p := ProviderOf(c)
	returnTo := core.SafeNext(c.Query("return_to"), "")
	if core.ContactOf(c) != nil {
		return core.Redirect(c, core.SafeNext(returnTo, "/portal/tickets"))
	}
	return s.begin(c, p, returnTo, false)
}

// BeginTest starts an admin's test sign-in at the provider, enabled or
// not: the provider's answer is reported, and nobody is logged in.
func (s *Service) BeginTest(c *fiber.Ctx, p *Provider) error {
	if err := s.begin(c, p, "", true); err != nil {
		return err
	}
	// Started from a form post: off to the provider through leave.
	if to := string(c.Response().Header.Peek(fiber.HeaderLocation)); to != "" && c.Response().StatusCode() == fiber.StatusSeeOther {
		c.Response().Header.Del(fiber.HeaderLocation)
		return s.leave(c, to, "sso.leave.test")
	}
	return nil
}

// begin runs the kind's Begin with a fresh flow, then stores the flow.
func (s *Service) begin(c *fiber.Ctx, p *Provider, returnTo string, test bool) error {
	k := s.kind(p.Kind)
	if k == nil {
		return fiber.ErrNotFound
	}
	if !s.allow(c) {
		return core.ErrRateLimited
	}
	f := s.newFlow(p, returnTo, test)
	if err := k.Begin(c, p, f); err != nil {
		s.Log.Error("sso: unable to begin sign-in", slog.String("provider", p.Slug), slog.Any("err", err))
		return s.Fail(c, p, ReasonProvider, err)
	}
	return s.PutFlow(c, f)
}

// allow counts one step of a sign-in (start, callback, token) against
// the client's IP: a shared office stays well within it, a flood not.
func (s *Service) allow(c *fiber.Ctx) bool {
	return s.Limiter.Allow(c.UserContext(), "sso:ip:"+core.IP(c), 120, time.Minute)
}

// Logout ends the customer's session (POST /portal/logout), and then the
// provider's session too when the contact signed in through a provider
// that offers an end-session endpoint or single logout.
func (s *Service) Logout(c *fiber.Ctx) error {
	next := ""
	if se := core.SessionOf(c); se != nil && se.Kind == auth.KindContact && se.SSO != "" {
		next = s.providerLogoutURL(c, se)
	}
	if err := s.EndSession(c, core.SessionCookie); err != nil {
		return err
	}
	if next == "" {
		return core.Redirect(c, "/portal/login?logged_out=1")
	}
	return s.leave(c, next, "sso.leave.logout")
}

// leave sends the browser to another origin after a form post. A plain
// redirect there would break the CSP's form-action 'self', so htmx gets
// HX-Redirect, and a plain form a page that goes on by itself (meta
// refresh), with a link to follow.
func (s *Service) leave(c *fiber.Ctx, to, heading string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/sso_leave", fiber.Map{"To": to, "Heading": heading, "Title": core.LocaleOf(c).T(heading)})
}

func (s *Service) providerLogoutURL(c *fiber.Ctx, se *auth.Session) string {
	p, err := store.SSOProviderBySlug(c.UserContext(), s.Store.DB, se.SSO)
	if err != nil || !p.Enabled {
		return ""
	}
	k := s.kind(p.Kind)
	if k == nil {
		return ""
	}
	u, err := k.LogoutURL(c, p, se)
	if err != nil {
		s.Log.Info("sso: no provider logout", slog.String("provider", p.Slug), slog.Any("err", err))
		return ""
	}
	return u
}

// Report answers an admin's test sign-in: what the provider sent, its
// secrets removed, and what Portico made of it. Nobody is logged in and
// nothing is stored, apart from the audit entry.
func (s *Service) Report(c *fiber.Ctx, p *Provider, id Identity) error {
	s.audit(c, nil, "sso.test", p, id.Email)
	claims := make([]claimRow, 0, len(id.Claims))
	for k, v := range scrub(id.Claims) {
		b, _ := json.Marshal(v)
		claims = append(claims, claimRow{Name: k, Value: string(b)})
	}
	sort.Slice(claims, func(i, j int) bool { return claims[i].Name < claims[j].Name })
	return s.Page(c, fiber.StatusOK, "pages/portal/sso_test", fiber.Map{
		"Provider": p, "Identity": id, "Claims": claims, "Company": mappedCompany(p, id.Company),
	})
}

type claimRow struct{ Name, Value string }

// secretClaims never reach a page or the log.
var secretClaims = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "code": true,
	"client_secret": true, "code_verifier": true, "password": true, "SAMLResponse": true,
}

// scrub drops secrets from what a provider sent.
func scrub(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		if secretClaims[k] {
			out[k] = "(removed)"
			continue
		}
		out[k] = v
	}
	return out
}
