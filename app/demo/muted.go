package demo

import (
	"context"
	"fmt"

	"portico/app/model"
	"portico/app/store"
)

// MutedSubject is the demo ticket whose mail its contact turned off: Ben
// muted his webhook ticket.
const MutedSubject = "Webhook deliveries delayed"

// muted mutes Ben's webhook ticket for him.
func (s *seeder) muted(ctx context.Context) error {
	var t model.Ticket
	if err := s.tx.NewSelect().Model(&t).Column("id").Where("subject = ?", MutedSubject).Scan(ctx); err != nil {
		return fmt.Errorf("muted ticket: %w", err)
	}
	return store.SetTicketMuted(ctx, s.tx, t.ID, s.contacts[BenEmail].ID, true)
}
