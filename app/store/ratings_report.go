package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// TicketRatings lists every rating of a ticket, one per close, newest
// first, with the name of the contact who gave it.
func TicketRatings(ctx context.Context, db bun.IDB, ticketID int64) ([]RatingRow, error) {
	var rows []RatingRow
	err := db.NewSelect().TableExpr("ticket_ratings AS r").
		ColumnExpr("r.id, r.ticket_id, r.score, r.comment, r.updated_at").
		ColumnExpr("COALESCE(c.name, '') AS contact_name, COALESCE(c.email, '') AS contact_email").
		Join("LEFT JOIN contacts AS c ON c.id = r.contact_id").
		Where("r.ticket_id = ?", ticketID).OrderExpr("r.close_id DESC").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load the ticket's ratings: %w", err)
	}
	return rows, nil
}

// RatingCount is the ratings of one group of the report.
type RatingCount struct {
	Key   string
	Label string
	Good  int
	Okay  int
	Bad   int
}

// Total is the group's number of ratings.
func (r RatingCount) Total() int { return r.Good + r.Okay + r.Bad }

// GoodShare is the percentage of good ratings, rounded down.
func (r RatingCount) GoodShare() int {
	if r.Total() == 0 {
		return 0
	}
	return r.Good * 100 / r.Total()
}

// Add counts one score.
func (r *RatingCount) Add(score string) {
	switch score {
	case model.RatingGood:
		r.Good++
	case model.RatingOkay:
		r.Okay++
	case model.RatingBad:
		r.Bad++
	}
}
