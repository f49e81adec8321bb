package demo

import (
	"context"
	"fmt"

	"portico/app/model"
	"portico/app/store"
)

// SharedSubject is the demo ticket shared with a participant: Gina's, which
// the agent shared with Carla, who has no company.
const SharedSubject = "Change of billing plan"

// shared makes Carla a participant of Gina's ticket. It runs after the
// settings, so that the new row gets the saved filter rules' keys.
func (s *seeder) shared(ctx context.Context) error {
	var t model.Ticket
	if err := s.tx.NewSelect().Model(&t).Column("id").Where("subject = ?", SharedSubject).Scan(ctx); err != nil {
		return fmt.Errorf("shared ticket: %w", err)
	}
	return store.AddParticipant(ctx, s.tx, t.ID, s.contacts[CarlaEmail].ID, nil, &s.agent.ID, Base.AddDate(0, 0, -2))
}
