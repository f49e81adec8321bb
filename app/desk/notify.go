package desk

import (
	"context"

	"portico/app/store"
)

// SetTicketMuted mutes or unmutes a ticket's mail for a contact who may
// see it. The customers' mail about a reply is queued with the agents'
// (mail.Mailer.NotifyAgents), whichever way the reply came.
func (s *Service) SetTicketMuted(ctx context.Context, ticketID, contactID int64, muted bool) error {
	return store.SetTicketMuted(ctx, s.Store.DB, ticketID, contactID, muted)
}
