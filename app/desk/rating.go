package desk

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// MaxRatingComment caps a rating's comment, in bytes.
const MaxRatingComment = 2000

// ErrRatingComment is a comment over MaxRatingComment.
var ErrRatingComment = errors.New("desk: rating comment too long")

// InviteRating runs in the transaction that may have closed a ticket.
// When the ticket's closed flag became true, the database recorded a
// close; this queues the closing email with its rating links, once per
// close, when ratings are on. Every path that closes a ticket calls it.
func (s *Service) InviteRating(ctx context.Context, tx bun.IDB, ticketID int64) error {
	cl, err := store.UninvitedCloses(ctx, tx, ticketID, time.Now())
	if err != nil || cl == nil {
		return err
	}
	st, _, err := store.Settings(ctx, tx)
	if err != nil || !st.Rating.On() {
		return err
	}
	m, err := s.Mailer()
	if err != nil {
		return err
	}
	return m.NotifyClosed(ctx, tx, ticketID, cl, s.Secret)
}

// Rate records or changes a contact's rating of a close of a ticket, and
// audits it. The caller has checked that the contact may see the ticket.
func (s *Service) Rate(ctx context.Context, ip string, contactID, ticketID, closeID int64, score, comment string) error {
	if len(comment) > MaxRatingComment {
		return ErrRatingComment
	}
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.SaveRating(ctx, tx, closeID, ticketID, contactID, score, comment, time.Now()); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{ActorType: "contact", ActorID: &contactID, Action: "ticket.rate",
			Target: "ticket:" + strconv.FormatInt(ticketID, 10), After: score, IP: ip})
	})
}

// RatingOn tells whether the settings ask customers to rate.
func RatingOn(st model.PortalSettings) bool { return st.Rating.On() }
