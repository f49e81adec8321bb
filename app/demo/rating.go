package demo

import (
	"context"
	"fmt"
	"time"

	"portico/app/model"
)

// RatedComment is the comment of the demo's rated ticket: Ana's oldest
// closed ticket, rated good after it closed.
const RatedComment = "Fixed the same day, thank you!"

// rating closes Ana's oldest closed ticket once more in the records (the
// seed inserts tickets already closed, so no close was recorded) and rates
// that close.
func (s *seeder) rating(ctx context.Context) error {
	var t model.Ticket
	err := s.tx.NewSelect().Model(&t).Column("id", "owner_id", "pipeline_id", "last_activity_at").
		Where("closed = ?", true).
		Where("id IN (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ? AND NOT shared)", s.contacts[AnaEmail].ID).
		Order("id").Limit(1).Scan(ctx)
	if err != nil {
		return fmt.Errorf("rated ticket: %w", err)
	}
	closedAt := t.LastActivityAt
	cl := &model.TicketClose{TicketID: t.ID, ClosedAt: closedAt, InvitedAt: &closedAt}
	if err := s.insert(ctx, "ticket close", cl); err != nil {
		return err
	}
	ana, pipeline := s.contacts[AnaEmail].ID, t.PipelineID
	at := closedAt.Add(3 * time.Hour)
	return s.insert(ctx, "rating", &model.TicketRating{CloseID: cl.ID, TicketID: t.ID, ContactID: &ana, OwnerID: t.OwnerID,
		PipelineID: &pipeline, Score: model.RatingGood, Comment: RatedComment, CreatedAt: at, UpdatedAt: at})
}
