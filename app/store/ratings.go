package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrRatingClosed is returned for a rating of a close that can no longer
// be rated: the ticket was reopened (or closed again since), or the
// rating window has passed.
var ErrRatingClosed = errors.New("store: rating is closed")

// LatestClose is the ticket's most recent close, or ErrNotFound when it
// never closed.
func LatestClose(ctx context.Context, db bun.IDB, ticketID int64) (*model.TicketClose, error) {
	cl := new(model.TicketClose)
	err := db.NewSelect().Model(cl).Where("ticket_id = ?", ticketID).Order("id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load ticket close")
	}
	return cl, nil
}

// RatingOf is the rating of one close, or nil when there is none yet.
func RatingOf(ctx context.Context, db bun.IDB, closeID int64) (*model.TicketRating, error) {
	r := new(model.TicketRating)
	err := db.NewSelect().Model(r).Where("close_id = ?", closeID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to load rating: %w", err)
	}
	return r, nil
}

// RateState is what a rating form needs: the close it rates, the rating
// given so far, and whether it may still be given or changed.
type RateState struct {
	Close  *model.TicketClose
	Rating *model.TicketRating
	Open   bool
	Until  time.Time
}

// RatingState is the rating of the ticket's current close, or nil when the
// ticket is open or never closed.
func RatingState(ctx context.Context, db bun.IDB, ticketID int64, closed bool, now time.Time) (*RateState, error) {
	if !closed {
		return nil, nil
	}
	cl, err := LatestClose(ctx, db, ticketID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := RatingOf(ctx, db, cl.ID)
	if err != nil {
		return nil, err
	}
	until := cl.ClosedAt.Add(model.RatingWindow)
	return &RateState{Close: cl, Rating: r, Open: now.Before(until), Until: until}, nil
}

// SaveRating records or changes a contact's rating of one close of a
// ticket. The close must be the ticket's latest, the ticket still closed,
// and the window still open; otherwise ErrRatingClosed. The caller has
// checked that the contact may see the ticket. The ticket's owner and
// pipeline are taken as they are now.
func SaveRating(ctx context.Context, db bun.IDB, closeID, ticketID, contactID int64, score, comment string, now time.Time) error {
	if !model.ValidRatingScore(score) {
		return fmt.Errorf("store: invalid rating %q", score)
	}
	return atomically(ctx, db, func(db bun.IDB) error {
		t := new(model.Ticket)
		if err := db.NewSelect().Model(t).Column("id", "closed", "owner_id", "pipeline_id").Where("id = ?", ticketID).Scan(ctx); err != nil {
			return notFound(err, "load ticket")
		}
		cl, err := LatestClose(ctx, db, ticketID)
		if errors.Is(err, ErrNotFound) {
			return ErrRatingClosed
		}
		if err != nil {
			return err
		}
		if !t.Closed || cl.ID != closeID || !now.Before(cl.ClosedAt.Add(model.RatingWindow)) {
			return ErrRatingClosed
		}
		pipeline := t.PipelineID
		r := &model.TicketRating{CloseID: closeID, TicketID: ticketID, ContactID: &contactID, OwnerID: t.OwnerID,
			PipelineID: &pipeline, Score: score, Comment: comment, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
		_, err = db.NewInsert().Model(r).
			On("CONFLICT (close_id) DO UPDATE").
			Set("score = EXCLUDED.score, comment = EXCLUDED.comment, contact_id = EXCLUDED.contact_id").
			Set("owner_id = EXCLUDED.owner_id, pipeline_id = EXCLUDED.pipeline_id, updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to save rating: %w", err)
		}
		return nil
	})
}

// UninvitedCloses are the ticket's closes whose rating invitation has not
// been sent, marked as sent in the same statement's transaction. Only the
// latest may still be rated; the others are marked and dropped.
func UninvitedCloses(ctx context.Context, db bun.IDB, ticketID int64, now time.Time) (*model.TicketClose, error) {
	var cls []model.TicketClose
	if err := db.NewSelect().Model(&cls).Where("ticket_id = ?", ticketID).Where("invited_at IS NULL").
		Order("id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to load ticket closes: %w", err)
	}
	if len(cls) == 0 {
		return nil, nil
	}
	if _, err := db.NewUpdate().Model((*model.TicketClose)(nil)).Set("invited_at = ?", now.UTC()).
		Where("ticket_id = ?", ticketID).Where("invited_at IS NULL").Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to mark ticket closes: %w", err)
	}
	return &cls[0], nil
}

// CloseByID loads one close.
func CloseByID(ctx context.Context, db bun.IDB, id int64) (*model.TicketClose, error) {
	cl := new(model.TicketClose)
	if err := db.NewSelect().Model(cl).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load ticket close")
	}
	return cl, nil
}

// RatingRow is one rating in the report, with the names it is grouped by.
type RatingRow struct {
	ID           int64     `bun:"id"`
	TicketID     int64     `bun:"ticket_id"`
	Subject      string    `bun:"subject"`
	Score        string    `bun:"score"`
	Comment      string    `bun:"comment"`
	ContactName  string    `bun:"contact_name"`
	ContactEmail string    `bun:"contact_email"`
	OwnerName    string    `bun:"owner_name"`
	PipelineName string    `bun:"pipeline_name"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

// MaxReportRatings caps how many ratings one report reads.
const MaxReportRatings = 10000

// RatingsSince lists the ratings last changed at or after since, newest
// first, at most MaxReportRatings.
func RatingsSince(ctx context.Context, db bun.IDB, since time.Time) ([]RatingRow, error) {
	var rows []RatingRow
	err := db.NewSelect().TableExpr("ticket_ratings AS r").
		ColumnExpr("r.id, r.ticket_id, t.subject, r.score, r.comment, r.updated_at").
		ColumnExpr("COALESCE(c.name, '') AS contact_name, COALESCE(c.email, '') AS contact_email").
		ColumnExpr("COALESCE(u.name, '') AS owner_name, COALESCE(p.name, '') AS pipeline_name").
		Join("JOIN tickets AS t ON t.id = r.ticket_id").
		Join("LEFT JOIN contacts AS c ON c.id = r.contact_id").
		Join("LEFT JOIN staff_users AS u ON u.id = r.owner_id").
		Join("LEFT JOIN pipelines AS p ON p.id = r.pipeline_id").
		Where("r.updated_at >= ?", since.UTC()).
		OrderExpr("r.updated_at DESC, r.id DESC").Limit(MaxReportRatings).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load ratings: %w", err)
	}
	return rows, nil
}
