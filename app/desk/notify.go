package desk

import (
	"context"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// NotifyCustomers queues, in the transaction of a customer's reply, the
// mail to the ticket's other contacts and participants whose choices
// want every reply.
func (s *Service) NotifyCustomers(ctx context.Context, tx bun.IDB, ticketID int64, msg *model.Message) error {
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	return m.NotifyContacts(ctx, tx, ticketID, msg)
}

// SetTicketMuted mutes or unmutes a ticket's mail for a contact who may
// see it.
func (s *Service) SetTicketMuted(ctx context.Context, ticketID, contactID int64, muted bool) error {
	return store.SetTicketMuted(ctx, s.Store.DB, ticketID, contactID, muted)
}
