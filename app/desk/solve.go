package desk

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

// Solve and reopen. A ticket closes in closeTicket, whoever closes it
// from here: the one place to hook what follows a close.

// closeTicket moves an open ticket to a closed stage of its pipeline, in
// the caller's transaction, and audits it.
func (s *Service) closeTicket(ctx context.Context, tx bun.Tx, t *model.Ticket, st *model.Stage, audit *model.AuditEntry) error {
	if err := store.MoveTicketStage(ctx, tx, t, st.ID); err != nil {
		return err
	}
	// The close asks its contacts for a rating, as an agent's close does.
	if err := s.InviteRating(ctx, tx, t.ID); err != nil {
		return err
	}
	return store.AddAudit(ctx, tx, audit)
}

// Solve marks a ticket solved for a contact who may see it: it moves to
// its pipeline's solve stage. A ticket already closed stays as it is.
func (s *Service) Solve(ctx context.Context, contactID int64, ip string, ticketID int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, p, err := s.lockTicket(ctx, tx, ticketID)
		if err != nil || t.Closed {
			return err
		}
		st, err := store.SolveStage(ctx, tx, p)
		if err != nil {
			return err
		}
		return s.closeTicket(ctx, tx, t, st, &model.AuditEntry{ActorType: "contact", ActorID: &contactID,
			Action: "ticket.solve", Target: "ticket:" + strconv.FormatInt(t.ID, 10),
			Before: "stage:" + strconv.FormatInt(t.StageID, 10), After: "stage:" + strconv.FormatInt(st.ID, 10), IP: ip})
	})
}

// Reopen moves a closed ticket to its pipeline's reopen stage, for an
// agent, and audits it. An open ticket stays as it is.
func (s *Service) Reopen(ctx context.Context, who Actor, ticketID int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, p, err := s.lockTicket(ctx, tx, ticketID)
		if err != nil || !t.Closed {
			return err
		}
		st, err := store.ReopenStage(ctx, tx, p)
		if err != nil {
			return err
		}
		if err := store.MoveTicketStage(ctx, tx, t, st.ID); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, who.ticketAudit("ticket.reopen", t.ID,
			"stage:"+strconv.FormatInt(t.StageID, 10), "stage:"+strconv.FormatInt(st.ID, 10)))
	})
}

// ReplyResult is where a contact's reply went.
type ReplyResult struct {
	TicketID int64 // the ticket that took the reply: a follow-up's own
	Outcome  store.ReplyOutcome
	Message  *model.Message
}

// ContactReply adds a contact's reply from the portal to a ticket, after
// its pipeline's policy for replies to closed tickets (store.ReplyTarget):
// a closed ticket may reopen, or a follow-up ticket take the reply, or
// the reply is refused with store.ErrTicketClosed. The agents'
// notification commits with it.
func (s *Service) ContactReply(ctx context.Context, ip string, r store.NewReply) (ReplyResult, error) {
	var res ReplyResult
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if res.TicketID, res.Outcome, err = store.ReplyTarget(ctx, tx, r.TicketID, r.ContactID, ip, time.Now().UTC()); err != nil {
			return err
		}
		r.TicketID = res.TicketID
		if res.Message, err = s.Store.AddContactReply(ctx, tx, r); err != nil {
			return err
		}
		m, err := s.Mailer()
		if err != nil {
			return err
		}
		event := mail.EventReply
		if res.Outcome == store.ReplyFollowUp {
			event = mail.EventNewTicket
		}
		return m.NotifyAgents(ctx, tx, event, r.TicketID, res.Message)
	})
	return res, err
}

func (s *Service) lockTicket(ctx context.Context, tx bun.Tx, id int64) (*model.Ticket, *model.Pipeline, error) {
	t := new(model.Ticket)
	q := tx.NewSelect().Model(t).Where("id = ?", id)
	if s.Store.Postgres() {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, nil, err
	}
	p, err := store.PipelineByID(ctx, tx, t.PipelineID)
	return t, p, err
}
