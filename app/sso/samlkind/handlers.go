package samlkind

import (
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/sso/saml"
	"portico/app/store"
	"portico/app/web/core"
)

// Metadata serves the SP metadata (GET /portal/sso/<slug>/metadata), to
// paste or point the IdP at.
func (k *Kind) Metadata(c *fiber.Ctx) error {
	sp, err := k.SP(c, sso.ProviderOf(c))
	if err != nil {
		return err
	}
	md, err := sp.Metadata()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/samlmetadata+xml")
	return c.Send(md)
}

// acsPerMinute bounds the Responses one address may post in a minute.
const acsPerMinute = 60

// ACS takes the IdP's Response (POST /portal/sso/<slug>/acs). The IdP's
// cross-site POST carries no SameSite=Lax session cookie, so the first
// arrival is posted again by a page of the portal (automatically with
// JavaScript, with a button without), which does carry it. Then the flow
// named by RelayState is taken from the session, the Response verified,
// and the login completed (or, for an admin's test, reported). A disabled
// provider answers 404 before anything else, except to an admin's test
// sign-in, whose RelayState is signed as one (its hand-over page must be
// shown before the test can be found in the session).
func (k *Kind) ACS(c *fiber.Ctx) error {
	p, err := store.SSOProviderBySlug(c.UserContext(), k.s.Store.DB, c.Params("slug"))
	if core.IsNotFound(err) || err == nil && p.Kind != model.SSOKindSAML {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	// Each Response costs a parse and a signature check: bounded per
	// address, on every instance.
	if !k.s.Limiter.Allow(c.UserContext(), "saml:acs:ip:"+core.IP(c), acsPerMinute, time.Minute) {
		return core.ErrRateLimited
	}
	resp, relay := c.FormValue("SAMLResponse"), c.FormValue("RelayState")
	if !p.Enabled && !k.s.IsTestState(p, relay) {
		// Like an unknown provider, before any page or session.
		return fiber.ErrNotFound
	}
	if len(resp) > saml.MaxEncodedResponseSize {
		return k.s.Fail(c, p, sso.ReasonInvalid, &saml.Error{Reason: saml.ReasonTooLarge, Err: errors.New("posted Response too large")})
	}
	if sso.Bounced(c) {
		return k.s.Repost(c, sso.Path(p, "acs"), sso.Field{Name: "SAMLResponse", Value: resp}, sso.Field{Name: "RelayState", Value: relay})
	}
	var flow *sso.Flow
	if relay != "" {
		f, err := k.s.TakeFlow(c, relay)
		switch {
		case err == nil && f.Provider == p.Slug:
			flow = f
		case errors.Is(err, core.ErrUnavailable):
			return err
		}
	}
	// A disabled provider answers only an admin's test sign-in.
	if !p.Enabled && (flow == nil || !flow.Test) {
		return fiber.ErrNotFound
	}
	sp, err := k.SP(c, p)
	if err != nil {
		return err
	}
	res, err := sp.Consume(c.UserContext(), flowStore{flow}, resp, relay)
	if err != nil {
		return k.s.Fail(c, p, reason(err), err)
	}
	id := sso.Identity{Issuer: res.Issuer, Subject: res.Subject, Email: res.Email, EmailVerified: res.EmailVerified,
		FirstName: res.FirstName, LastName: res.LastName, Company: res.Company, Claims: res.Claims}
	if flow != nil && flow.Test {
		return k.s.Report(c, p, id)
	}
	returnTo := core.SafeNext(relay, "") // IdP-initiated: untrusted, same-origin paths only
	if flow != nil {
		returnTo = flow.ReturnTo
	}
	login, _ := json.Marshal(saml.Login{NameID: res.NameID, NameIDFormat: res.NameIDFormat, SessionIndex: res.SessionIndex})
	return k.s.Complete(c, p, id, returnTo, string(login))
}

// SLO is the single logout endpoint (GET /portal/sso/<slug>/slo): the
// IdP's answer to Portico's LogoutRequest, or the IdP's own LogoutRequest,
// which ends the browser's session when it is this provider's.
func (k *Kind) SLO(c *fiber.Ctx) error {
	p := sso.ProviderOf(c)
	sp, err := k.SP(c, p)
	if err != nil {
		return err
	}
	out, err := sp.HandleLogout(c.UserContext(), logoutStore{k.s}, string(c.Request().URI().QueryString()))
	if err != nil {
		return k.s.Fail(c, p, reason(err), err)
	}
	if out.IdPRequest == nil {
		return core.Redirect(c, "/portal/login?logged_out=1")
	}
	if se := core.SessionOf(c); se != nil && se.SSO == p.Slug {
		var l saml.Login
		_ = json.Unmarshal([]byte(se.IDToken), &l)
		if l.NameID == out.IdPRequest.NameID {
			if err := k.s.EndSession(c, core.SessionCookie); err != nil {
				return err
			}
			k.s.Log.Info("saml: single logout from the IdP", slog.String("provider", p.Slug))
		}
	}
	return c.Redirect(out.Redirect, fiber.StatusSeeOther)
}

// reason is the framework's refusal reason for a SAML refusal; the SAML
// reason itself is in the audited detail.
func reason(err error) string {
	switch saml.ReasonOf(err) {
	case saml.ReasonInResponseTo, saml.ReasonUnsolicited:
		return sso.ReasonUnknownState
	case saml.ReasonReplay:
		return sso.ReasonReplay
	case saml.ReasonNoEmail:
		return sso.ReasonNoEmail
	case saml.ReasonStatus:
		return sso.ReasonProvider
	}
	return sso.ReasonInvalid
}
