package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// VisibleTicketIDs returns, in order, up to limit IDs of the tickets the
// viewer sees whose ID is above after: the export of a contact's data
// walks them a page at a time, through Visible like every portal page.
func (s *Store) VisibleTicketIDs(ctx context.Context, db bun.IDB, v Viewer, after int64, limit int) ([]int64, error) {
	var ids []int64
	q := db.NewSelect().TableExpr("tickets AS t").Column("t.id").Where("t.id > ?", after)
	q = s.Visible(q, v).Order("t.id ASC").Limit(int64(limit))
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("store: unable to list visible tickets: %w", err)
	}
	return ids, nil
}

// VisibleAttachments returns, in order, up to limit attachments above
// after that the viewer may download: those of public messages on the
// latest thread of a visible ticket, the same ones VisibleAttachment
// serves one at a time.
func (s *Store) VisibleAttachments(ctx context.Context, db bun.IDB, v Viewer, after int64, limit int) ([]*model.Attachment, error) {
	var out []*model.Attachment
	q := db.NewSelect().Model(&out).
		Join("JOIN messages AS m ON m.id = attachment.message_id").
		Join("JOIN tickets AS t ON t.id = m.ticket_id").
		Where("attachment.id > ?", after).
		Where("m.kind = ?", model.KindPublic).
		Where(inLatestThread)
	q = s.Visible(q, v).Order("attachment.id ASC").Limit(int64(limit))
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list visible attachments: %w", err)
	}
	return out, nil
}

// ConsentGiven is one consent a contact accepted, with the notice's label.
type ConsentGiven struct {
	VersionID  int64      `bun:"version_id"`
	Label      model.Text `bun:"label"`
	AcceptedAt time.Time  `bun:"accepted_at"`
}

// ContactConsents returns the consents the contact gave, oldest first.
func ContactConsents(ctx context.Context, db bun.IDB, contactID int64) ([]ConsentGiven, error) {
	var out []ConsentGiven
	err := db.NewSelect().TableExpr("consent_records AS cr").
		ColumnExpr("cr.version_id, cv.label, cr.accepted_at").
		Join("JOIN consent_versions AS cv ON cv.id = cr.version_id").
		Where("cr.contact_id = ?", contactID).Order("cr.accepted_at ASC", "cr.id ASC").
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load consents: %w", err)
	}
	return out, nil
}
