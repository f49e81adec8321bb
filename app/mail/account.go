package mail

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// How long each kind of link works. Reset links are the most sensitive and
// the shortest; invitations last as the settings say (a day by default).
const (
	VerifyTTL = 24 * time.Hour
	ResetTTL  = time.Hour
)

// Portal paths that account emails lead to.
const (
	PathSetPassword   = "/portal/password/set"
	PathResetPassword = "/portal/password/reset"
	PathVerify        = "/portal/verify"
	PathLogin         = "/portal/login"
	PathForgot        = "/portal/password/forgot"
)

// tokenMail creates a single-use token for the contact and queues the email
// carrying its link, both through tx.
func (m *Mailer) tokenMail(ctx context.Context, tx bun.IDB, st model.PortalSettings, ct *model.Contact,
	kind, purpose, path string, ttl time.Duration, dedupe string) error {
	if !ValidAddress(ct.Email) {
		return ErrNoRecipient
	}
	raw, err := store.CreateToken(ctx, tx, purpose, ct.ID, ttl)
	if err != nil {
		return err
	}
	if dedupe == "" {
		dedupe = kind + ":" + strconv.FormatInt(ct.ID, 10) + ":" + store.HashToken(raw)[:20]
	}
	l := m.locale(st, ct.Language)
	b := m.brand(st, l.Code)
	c := content{
		L: l, Brand: b, Greeting: greeting(l, ct.Name),
		URL:    m.Link(st, path, url.Values{"token": {raw}}),
		Footer: l.T("mail.footer_account", b.Title),
	}
	var subject string
	switch kind {
	case KindInvite:
		subject = l.T("mail.invite.subject", b.Title)
		c.Lines = []string{l.T("mail.invite.body", b.Title)}
		c.Button = l.T("mail.invite.button")
		c.After = []string{l.N("mail.invite.expires", int(ttl/time.Hour)), l.T("mail.ignore")}
	case KindVerify:
		subject = l.T("mail.verify.subject", b.Title)
		c.Lines = []string{l.T("mail.verify.body", b.Title)}
		c.Button = l.T("mail.verify.button")
		c.After = []string{l.T("mail.verify.expires"), l.T("mail.ignore")}
	case KindReset:
		subject = l.T("mail.reset.subject", b.Title)
		c.Lines = []string{l.T("mail.reset.body", b.Title)}
		c.Button = l.T("mail.reset.button")
		c.After = []string{l.T("mail.reset.expires"), l.T("mail.ignore")}
	}
	text, html, err := m.render(c)
	if err != nil {
		return err
	}
	_, err = Enqueue(ctx, tx, Mail{
		Kind: kind, ToAddr: ct.Email, ToName: ct.Name, Subject: subject,
		Text: text, HTML: html, DedupeKey: dedupe,
	})
	return err
}

func greeting(l interface{ T(string, ...any) string }, name string) string {
	if name = HeaderText(name, 100); name != "" {
		return l.T("mail.greeting", name)
	}
	return l.T("mail.greeting_anon")
}

// SendReset queues a password reset link for the contact.
func (m *Mailer) SendReset(ctx context.Context, tx bun.IDB, st model.PortalSettings, ct *model.Contact) error {
	return m.tokenMail(ctx, tx, st, ct, KindReset, model.TokenReset, PathResetPassword, ResetTTL, "")
}

// SendVerification queues the link that confirms a new contact's email.
func (m *Mailer) SendVerification(ctx context.Context, tx bun.IDB, st model.PortalSettings, ct *model.Contact) error {
	return m.tokenMail(ctx, tx, st, ct, KindVerify, model.TokenVerify, PathVerify, VerifyTTL, "")
}

// SendInvite queues an invitation with a set-password link.
func (m *Mailer) SendInvite(ctx context.Context, tx bun.IDB, st model.PortalSettings, ct *model.Contact) error {
	return m.tokenMail(ctx, tx, st, ct, KindInvite, model.TokenInvite, PathSetPassword, st.InviteTTL(), "")
}

// autoInviteKey marks the one automatic invitation a contact gets; an
// admin's resend is a new mail.
func autoInviteKey(contactID int64) string { return "invite:auto:" + strconv.FormatInt(contactID, 10) }

// InviteLists invites every contact on the portal's access lists who has no
// password and was never invited automatically. It does nothing unless
// access is by lists. Run it in the transaction that saved the settings
// (or added the list members); it returns how many were invited.
func (m *Mailer) InviteLists(ctx context.Context, tx bun.IDB, st model.PortalSettings) (int, error) {
	if st.Access != model.AccessLists {
		return 0, nil
	}
	cts, err := store.ContactsToInvite(ctx, tx, st.AccessLists)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range cts {
		key := autoInviteKey(cts[i].ID)
		if done, err := store.OutboxHas(ctx, tx, key); err != nil {
			return n, err
		} else if done {
			continue
		}
		err := m.tokenMail(ctx, tx, st, &cts[i], KindInvite, model.TokenInvite, PathSetPassword, st.InviteTTL(), key)
		if err == ErrNoRecipient {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SendAccountExists tells the owner of an address that someone tried to
// register with it. The registration page answers exactly as for a new
// address, so only the mailbox's owner learns the account exists. At most
// one such mail goes out per contact and hour.
func (m *Mailer) SendAccountExists(ctx context.Context, tx bun.IDB, st model.PortalSettings, ct *model.Contact) error {
	l := m.locale(st, ct.Language)
	b := m.brand(st, l.Code)
	c := content{
		L: l, Brand: b, Greeting: greeting(l, ct.Name),
		Lines:  []string{l.T("mail.exists.body", b.Title)},
		Button: l.T("mail.exists.button"),
		URL:    m.Link(st, PathLogin, nil),
		After:  []string{l.T("mail.exists.forgot", m.Link(st, PathForgot, nil)), l.T("mail.ignore")},
		Footer: l.T("mail.footer_account", b.Title),
	}
	text, html, err := m.render(c)
	if err != nil {
		return err
	}
	hour := time.Now().UTC().Format("2006010215")
	_, err = Enqueue(ctx, tx, Mail{
		Kind: KindExists, ToAddr: ct.Email, ToName: ct.Name, Subject: l.T("mail.exists.subject", b.Title),
		Text: text, HTML: html, DedupeKey: "exists:" + strconv.FormatInt(ct.ID, 10) + ":" + hour,
	})
	return err
}
