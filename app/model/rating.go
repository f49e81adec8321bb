package model

import (
	"time"

	"github.com/uptrace/bun"
)

// RatingSettings are the satisfaction settings. Ratings are on unless an
// admin turns them off, so the zero value (a new install) asks for them.
type RatingSettings struct {
	Off bool `json:"off"`
}

// On tells whether customers are asked to rate a closed ticket.
func (r RatingSettings) On() bool { return !r.Off }

// Rating scores, best first.
const (
	RatingGood = "good"
	RatingOkay = "okay"
	RatingBad  = "bad"
)

// RatingScores are the allowed scores, best first.
var RatingScores = []string{RatingGood, RatingOkay, RatingBad}

// ValidRatingScore tells whether s is one of RatingScores.
func ValidRatingScore(s string) bool {
	return s == RatingGood || s == RatingOkay || s == RatingBad
}

// RatingWindow is how long after a ticket closes its rating may be given
// or changed, and how long the links of the closing email work.
const RatingWindow = 7 * 24 * time.Hour

// TicketClose is one closing of a ticket; a trigger records it whenever
// the ticket's closed flag becomes true.
type TicketClose struct {
	bun.BaseModel `bun:"table:ticket_closes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	TicketID  int64      `bun:"ticket_id,notnull"`
	ClosedAt  time.Time  `bun:"closed_at,nullzero,notnull,default:current_timestamp"`
	InvitedAt *time.Time `bun:"invited_at"`
}

// TicketRating is a customer's rating of one close of a ticket. OwnerID
// and PipelineID are the ticket's at the time of rating.
type TicketRating struct {
	bun.BaseModel `bun:"table:ticket_ratings"`

	ID         int64     `bun:"id,pk,autoincrement"`
	CloseID    int64     `bun:"close_id,notnull"`
	TicketID   int64     `bun:"ticket_id,notnull"`
	ContactID  *int64    `bun:"contact_id"`
	OwnerID    *int64    `bun:"owner_id"`
	PipelineID *int64    `bun:"pipeline_id"`
	Score      string    `bun:"score,notnull"`
	Comment    string    `bun:"comment,notnull"`
	CreatedAt  time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt  time.Time `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}
