package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

// Email: how handlers reach the mailer, and the calls that other handlers
// make to queue mail inside their own transactions.

// mailer returns the server's Mailer, or builds one from the other
// dependencies when none was given (tests that don't care about mail).
func (s *Server) mailer() (*mail.Mailer, error) {
	if s.Mail != nil {
		return s.Mail, nil
	}
	return mail.NewFromConfig(s.Config, s.Views, s.I18n, s.Secret)
}

// notifyAgents queues the agents' notification of a customer's reply, in
// the reply's transaction.
func (s *Server) notifyAgents(ctx context.Context, tx bun.IDB, ticketID int64, msg *model.Message) error {
	m, err := s.mailer()
	if err != nil {
		return err
	}
	return m.NotifyAgents(ctx, tx, mail.EventReply, ticketID, msg)
}

// notifyNewTicket queues the agents' notification of a ticket opened from
// the support form, in the transaction that created it.
func (s *Server) notifyNewTicket(ctx context.Context, tx bun.IDB, ticketID int64) error {
	msgs, err := store.LatestThreadMessages(ctx, tx, ticketID)
	if err != nil || len(msgs) == 0 {
		return err
	}
	m, err := s.mailer()
	if err != nil {
		return err
	}
	return m.NotifyAgents(ctx, tx, mail.EventNewTicket, ticketID, msgs[0])
}

// inviteListed invites, after the access settings were saved, the contacts
// on the access lists who have no password yet. The settings are saved
// whatever happens here; a failure is logged, and the next save retries.
func (s *Server) inviteListed(c *fiber.Ctx, st model.PortalSettings) {
	if st.Access != model.AccessLists {
		return
	}
	m, err := s.mailer()
	if err != nil {
		s.Log.Error("invitations not sent", "err", err)
		return
	}
	var n int
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
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

// contactInvite queues a new invitation for a contact without a password,
// for an admin's "resend invitation", and leads to the outbox where it
// waits.
func (s *Server) contactInvite(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	ctx := c.UserContext()
	ct, err := store.ContactByID(ctx, s.Store.DB, id)
	if isNotFound(err) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if ct.PasswordHash != "" {
		return s.message(c, fiber.StatusConflict, "invite.has_password_title", "invite.has_password_body")
	}
	if !s.Limiter.Allow(ctx, "invite:ip:"+c.IP(), 60, time.Hour) ||
		!s.Limiter.Allow(ctx, "invite:addr:"+ct.Email, 5, time.Hour) {
		return errRateLimited
	}
	m, err := s.mailer()
	if err != nil {
		return err
	}
	st := settingsOf(c)
	u := staffOf(c)
	err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := m.SendInvite(ctx, tx, st, ct); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{
			ActorType: "staff", ActorID: &u.ID, Action: "contact.invite",
			Target: "contact:" + strconv.FormatInt(ct.ID, 10), IP: c.IP(),
		})
	})
	if err == mail.ErrNoRecipient {
		return fiber.ErrUnprocessableEntity
	}
	if err != nil {
		return err
	}
	return redirect(c, "/admin/outbox?invited=1")
}

// inviteNewMembers invites, in the caller's transaction, the contacts that
// a list change just gave portal access; each is invited once.
func (s *Server) inviteNewMembers(ctx context.Context, tx bun.IDB, st model.PortalSettings) error {
	if st.Access != model.AccessLists {
		return nil
	}
	m, err := s.mailer()
	if err != nil {
		return err
	}
	_, err = m.InviteLists(ctx, tx, st)
	return err
}
