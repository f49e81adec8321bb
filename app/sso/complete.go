package sso

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// Refusal reasons, as audited and as shown (each has a page text).
const (
	ReasonEmailInUse   = "email_in_use"     // an existing contact, not linkable
	ReasonNoEmail      = "no_email"         // the provider sent no email
	ReasonUnverified   = "email_unverified" // a newcomer whose email the provider does not vouch for
	ReasonDisabled     = "disabled"         // the contact is disabled
	ReasonNotOnList    = "not_on_list"      // "SSO users on lists" leaves them out
	ReasonInvalid      = "invalid"          // a response that failed verification
	ReasonReplay       = "replay"           // a one-time value used twice
	ReasonUnknownState = "unknown_state"    // no such sign-in under way here
	ReasonProvider     = "provider_error"   // the provider answered with an error
)

// errRefused marks a refusal already answered with its page.
var errRefused = errors.New("sso: refused")

// errRollback undoes a sign-in's changes (a link) when it is refused.
var errRollback = errors.New("sso: refused, rolled back")

// Complete finishes a sign-in once a kind has verified what the provider
// sent: it finds the contact by (issuer, subject), or links an existing
// one by email (only when the email is asserted verified and the admin
// allowed linking), or creates one (only under "all SSO users", and only
// for an email the provider vouches for: an unverified one could be
// someone else's address, whose owner would later find the attacker's
// identity linked to their account; it joins the company the provider
// names when the admin mapped it); it checks the SSO access rules
// (disabled contact, lists) before anything is kept, so that a refused
// sign-in links nothing; it audits, starts a new session (new ID, idle
// and absolute lifetime, marked as SSO) and redirects to returnTo when it
// is a same-origin path, else to the tickets. idToken is kept for an
// OpenID Connect logout ("" for other kinds). Every refusal is audited
// with its reason and answered with a page saying why.
func (s *Service) Complete(c *fiber.Ctx, p *Provider, id Identity, returnTo, idToken string) error {
	ctx := c.UserContext()
	st := core.SettingsOf(c)
	id.Email = strings.TrimSpace(id.Email)
	if id.Issuer == "" || id.Subject == "" {
		return s.Fail(c, p, ReasonInvalid, errors.New("no issuer or subject"))
	}
	var ct *model.Contact
	var refused string
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if ct, refused, err = s.resolve(ctx, tx, c, p, st, id); err != nil || refused != "" {
			return err
		}
		if refused, err = admits(ctx, tx, st, ct); err == nil && refused != "" {
			return errRollback
		}
		return err
	})
	if err != nil && !errors.Is(err, errRollback) {
		return err
	}
	if refused != "" {
		return s.Fail(c, p, refused, nil)
	}
	s.audit(c, &ct.ID, "sso.login", p, "")
	if err := s.StartSSOSession(c, ct.ID, p.Slug, idToken); err != nil {
		return err
	}
	s.Metrics.SSOLogin(slugOf(p), "success")
	return core.Redirect(c, core.SafeNext(returnTo, "/portal/tickets"))
}

// admits answers the refusal reason when the SSO access rules leave the
// contact out (disabled, or on none of the lists under "SSO users on
// lists"), "" when it may sign in.
func admits(ctx context.Context, db bun.IDB, st model.PortalSettings, ct *model.Contact) (string, error) {
	if ct.Disabled {
		return ReasonDisabled, nil
	}
	if st.SSOAccess != model.SSOAccessLists {
		return "", nil
	}
	ok, err := store.ContactInLists(ctx, db, ct.ID, st.SSOLists)
	if err != nil || ok {
		return "", err
	}
	return ReasonNotOnList, nil
}

// resolve finds, links or creates the contact of the identity, in tx. It
// answers a refusal reason instead when the rules say no.
func (s *Service) resolve(ctx context.Context, tx bun.Tx, c *fiber.Ctx, p *Provider, st model.PortalSettings, id Identity) (*model.Contact, string, error) {
	link, err := store.IdentityByKey(ctx, tx, id.Issuer, id.Subject)
	if err == nil {
		ct, err := s.Store.Contact(ctx, link.ContactID)
		return ct, "", err
	}
	if !core.IsNotFound(err) {
		return nil, "", err
	}
	if id.Email == "" || !strings.Contains(id.Email, "@") {
		return nil, ReasonNoEmail, nil
	}
	ct, err := store.ContactByEmail(ctx, tx, id.Email)
	switch {
	case err == nil:
		// Never a silent takeover: the provider must vouch for the email
		// and the admin must have allowed linking.
		if !id.EmailVerified || !p.AllowLinking {
			return nil, ReasonEmailInUse, nil
		}
		if err := store.AddIdentity(ctx, tx, &model.ContactIdentity{ContactID: ct.ID, Issuer: id.Issuer, Subject: id.Subject, Email: id.Email}); err != nil {
			return nil, "", err
		}
		s.auditTx(ctx, tx, c, &ct.ID, "sso.link", p, id.Email)
		return ct, "", nil
	case !core.IsNotFound(err):
		return nil, "", err
	}
	if st.SSOAccess == model.SSOAccessLists {
		// A new contact is on no list: refused, and nothing is created.
		return nil, ReasonNotOnList, nil
	}
	if !id.EmailVerified {
		// Nothing is created for an address the provider does not vouch
		// for: it may be someone else's.
		return nil, ReasonUnverified, nil
	}
	name := id.Name()
	if name == "" {
		name, _, _ = strings.Cut(id.Email, "@")
	}
	ct = &model.Contact{Email: id.Email, Name: name, Language: core.LocaleOf(c).Code,
		EmailVerifiedAt: bun.NullTime{Time: time.Now().UTC()}}
	if companyID := mappedCompany(p, id.Company); companyID != 0 {
		ct.CompanyID = &companyID
	}
	if err := store.CreateContact(ctx, tx, ct); err != nil {
		return nil, "", err
	}
	if err := store.AddIdentity(ctx, tx, &model.ContactIdentity{ContactID: ct.ID, Issuer: id.Issuer, Subject: id.Subject, Email: id.Email}); err != nil {
		return nil, "", err
	}
	s.auditTx(ctx, tx, c, &ct.ID, "sso.create", p, id.Email)
	ct, err = store.ContactByEmail(ctx, tx, id.Email)
	return ct, "", err
}

// mappedCompany is the company the admin mapped the provider's company
// name to, compared without case; 0 when none.
func mappedCompany(p *Provider, name string) int64 {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0
	}
	var m map[string]int64
	if json.Unmarshal([]byte(p.CompanyMap), &m) != nil {
		return 0
	}
	for k, v := range m {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return v
		}
	}
	return 0
}

// Fail audits a refused or failed sign-in with its reason (and the
// error's detail, which is logged but never shown), and answers with the
// page for the reason. Kinds call it for every failure.
func (s *Service) Fail(c *fiber.Ctx, p *Provider, reason string, detail error) error {
	s.Metrics.SSOLogin(slugOf(p), reason)
	after := reason
	if detail != nil {
		after += ": " + detail.Error()
		s.Log.Info("sso sign-in refused", slog.String("provider", slugOf(p)), slog.String("reason", reason), slog.Any("err", detail))
	}
	if len(after) > 500 {
		after = after[:500]
	}
	s.audit(c, nil, "sso.failed", p, after)
	status := fiber.StatusBadRequest
	title, body := "sso.failed.title", "sso.failed."+reason
	switch reason {
	case ReasonNotOnList, ReasonDisabled:
		status, title, body = fiber.StatusForbidden, "denied.title", "denied.body"
	case ReasonEmailInUse:
		status, title = fiber.StatusConflict, "sso.email_in_use.title"
	case ReasonUnverified:
		status = fiber.StatusForbidden
	}
	if err := s.Message(c, status, title, body); err != nil {
		return err
	}
	return nil
}

func slugOf(p *Provider) string {
	if p == nil {
		return ""
	}
	return p.Slug
}

// audit writes one entry; a failure to write it is logged, never shown.
func (s *Service) audit(c *fiber.Ctx, contactID *int64, action string, p *Provider, after string) {
	s.auditTx(c.UserContext(), s.Store.DB, c, contactID, action, p, after)
}

func (s *Service) auditTx(ctx context.Context, db bun.IDB, c *fiber.Ctx, contactID *int64, action string, p *Provider, after string) {
	e := &model.AuditEntry{ActorType: "anonymous", Action: action, Target: "sso:" + slugOf(p), After: after, IP: core.IP(c)}
	if contactID != nil {
		e.ActorType, e.ActorID = "contact", contactID
	}
	if p != nil {
		e.Before = "provider:" + strconv.FormatInt(p.ID, 10)
	}
	if err := store.AddAudit(ctx, db, e); err != nil {
		s.Log.Error("audit log write failed", slog.Any("err", err))
	}
}
