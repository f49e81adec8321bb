// Package desk holds the operations on tickets that both audiences share
// and that span the store, the mail outbox and the audit log in one
// transaction: a contact's reply, an agent's message, a ticket from the
// support form or by phone, a change of stage, an invitation.
//
// It knows nothing of HTTP: callers pass what they parsed, and get back
// what happened. It must not import the web packages.
package desk

import (
	"context"
	"log/slog"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"strconv"
	"sync"

	"github.com/uptrace/bun"
)

// Service runs the desk's operations. It is built once, in web.New.
type Service struct {
	Store *store.Store
	Log   *slog.Logger
	// Mailer returns the mailer that queues email in the caller's
	// transaction.
	Mailer func() (*mail.Mailer, error)
	// OnAgentReply runs in the transaction of an agent's public reply, to
	// queue the customers' notification with it.
	OnAgentReply func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error
	// Secret signs the rating links of the closing email.
	Secret []byte

	jobsOnce sync.Once
	jobsWake chan struct{}
}

// NotifyAgents queues the agents' notification of a customer's reply, in
// the reply's transaction.
func (s *Service) NotifyAgents(ctx context.Context, tx bun.IDB, ticketID int64, msg *model.Message) error {
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	return m.NotifyAgents(ctx, tx, mail.EventReply, ticketID, msg)
}

// NotifyNewTicket queues the agents' notification of a ticket opened from
// the support form, in the transaction that created it.
func (s *Service) NotifyNewTicket(ctx context.Context, tx bun.IDB, ticketID int64) error {
	msgs, err := store.LatestThreadMessages(ctx, tx, ticketID)
	if err != nil || len(msgs) == 0 {
		return err
	}
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	return m.NotifyAgents(ctx, tx, mail.EventNewTicket, ticketID, msgs[0])
}

// InviteListed invites, after the access settings were saved, the contacts
// on the access lists who have no password yet. The settings are saved
// whatever happens here; a failure is logged, and the next save retries.
func (s *Service) InviteListed(ctx context.Context, st model.PortalSettings) {
	if st.Access != model.AccessLists {
		return
	}
	m, err := s.Mailer()
	if err != nil {
		s.Log.Error("invitations not sent", "err", err)
		return
	}
	var n int
	err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n, err = m.InviteLists(ctx, tx, st)
		return err
	})
	if err != nil {
		s.Log.Error("invitations not sent", "err", err)
		return
	}
	if n > 0 {
		s.Log.Info("invitations queued", "count", n)
	}
}

// InviteNewMembers invites, in the caller's transaction, the contacts that
// a list change just gave portal access; each is invited once.
func (s *Service) InviteNewMembers(ctx context.Context, tx bun.IDB, st model.PortalSettings) error {
	if st.Access != model.AccessLists {
		return nil
	}
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	_, err = m.InviteLists(ctx, tx, st)
	return err
}

// InviteContact queues a new invitation for a contact without a password,
// for an admin's "resend invitation", and audits it. The mail itself is a
// job (jobs.go), queued in the audit's transaction.
func (s *Service) InviteContact(ctx context.Context, who Actor, _ model.PortalSettings, ct *model.Contact) error {
	if !mail.ValidAddress(ct.Email) {
		return mail.ErrNoRecipient
	}
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.EnqueueJob(ctx, tx, JobInvite, inviteJob{ContactID: ct.ID}); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{
			ActorType: "staff", ActorID: who.StaffID, Action: "contact.invite",
			Target: "contact:" + strconv.FormatInt(ct.ID, 10), IP: who.IP,
		})
	})
	if err == nil {
		s.wakeJobs()
	}
	return err
}
