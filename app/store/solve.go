package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrNoStage is returned when a pipeline has no stage of the kind asked
// for: no closed stage to solve to, or no open stage to reopen to.
var ErrNoStage = errors.New("store: the pipeline has no such stage")

// SolveStage is the closed stage a customer's "solved" moves a ticket of
// the pipeline to: the one the admin chose, while it is still a closed
// stage of the pipeline, or else the pipeline's first closed stage.
func SolveStage(ctx context.Context, db bun.IDB, p *model.Pipeline) (*model.Stage, error) {
	return chosenStage(ctx, db, p.ID, p.SolveStageID, true)
}

// ReopenStage is the open stage a reopened ticket of the pipeline moves
// to: the one the admin chose, while it is still an open stage of the
// pipeline, or else the pipeline's first open stage.
func ReopenStage(ctx context.Context, db bun.IDB, p *model.Pipeline) (*model.Stage, error) {
	return chosenStage(ctx, db, p.ID, p.ReopenStageID, false)
}

func chosenStage(ctx context.Context, db bun.IDB, pipelineID int64, chosen *int64, closed bool) (*model.Stage, error) {
	st := new(model.Stage)
	q := db.NewSelect().Model(st).Where("pipeline_id = ?", pipelineID).Where("is_closed = ?", closed)
	if chosen != nil {
		// The chosen stage first, then the others in order.
		q = q.OrderExpr("CASE WHEN id = ? THEN 0 ELSE 1 END", *chosen)
	}
	if err := q.Order("position ASC", "id ASC").Limit(1).Scan(ctx); err != nil {
		if notFound(err, "") == ErrNotFound {
			return nil, ErrNoStage
		}
		return nil, fmt.Errorf("store: unable to load stage: %w", err)
	}
	return st, nil
}

// SolveSettings are a pipeline's solve and reopen settings.
type SolveSettings struct {
	SolveStageID  *int64
	ReopenStageID *int64
	Policy        string
	Days          int
}

// SetSolveSettings saves a pipeline's solve and reopen settings; the
// caller has checked that the stages are the pipeline's.
func SetSolveSettings(ctx context.Context, db bun.IDB, id int64, s SolveSettings) error {
	_, err := db.NewUpdate().Model((*model.Pipeline)(nil)).
		Set("solve_stage_id = ?", s.SolveStageID).Set("reopen_stage_id = ?", s.ReopenStageID).
		Set("reopen_policy = ?", s.Policy).Set("reopen_days = ?", s.Days).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to save pipeline settings: %w", err)
	}
	return nil
}

// MoveTicketStage moves a ticket to a stage of its pipeline, keeping its
// priority and owner, through UpdateTicket: Closed, the closing time and
// the visibility keys and counts follow the stage.
func MoveTicketStage(ctx context.Context, tx bun.IDB, t *model.Ticket, stageID int64) error {
	return UpdateTicket(ctx, tx, t.ID, TicketChange{PipelineID: t.PipelineID, StageID: stageID, Priority: t.Priority, OwnerID: t.OwnerID})
}

// ReplyOutcome is what a customer's reply did to its ticket.
type ReplyOutcome int

// Reply outcomes.
const (
	ReplyAdded    ReplyOutcome = iota // an open ticket: the reply is added
	ReplyReopened                     // a closed ticket reopened for it
	ReplyFollowUp                     // a follow-up ticket was created for it
)

// ReplyTarget decides, in the reply's transaction, where a contact's reply
// to a ticket goes. An open ticket takes it. A closed one follows its
// pipeline's policy: read-only answers ErrTicketClosed; otherwise the
// ticket reopens to the reopen stage within the policy's days of closing,
// and after them (or always, with no days) a follow-up ticket with the
// same contacts, companies and participants is created and takes the
// reply. Each is audited as the contact's act.
func ReplyTarget(ctx context.Context, tx bun.IDB, ticketID, contactID int64, ip string, now time.Time) (int64, ReplyOutcome, error) {
	t := new(model.Ticket)
	q := tx.NewSelect().Model(t).Where("id = ?", ticketID)
	if isPostgres(tx) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return 0, 0, notFound(err, "load ticket")
	}
	if !t.Closed {
		return t.ID, ReplyAdded, nil
	}
	p := new(model.Pipeline)
	if err := tx.NewSelect().Model(p).Where("id = ?", t.PipelineID).Scan(ctx); err != nil {
		return 0, 0, notFound(err, "load pipeline")
	}
	if p.ReopenPolicy != model.ReopenWithin {
		return 0, 0, ErrTicketClosed
	}
	audit := func(action string, target int64, after string) error {
		return AddAudit(ctx, tx, &model.AuditEntry{ActorType: "contact", ActorID: &contactID, Action: action,
			Target: "ticket:" + strconv.FormatInt(target, 10), After: after, IP: ip})
	}
	closedAt := t.LastActivityAt
	if !t.ClosedAt.IsZero() {
		closedAt = t.ClosedAt.Time
	}
	if p.ReopenDays > 0 && now.Before(closedAt.AddDate(0, 0, p.ReopenDays)) {
		st, err := ReopenStage(ctx, tx, p)
		if err != nil {
			return 0, 0, err
		}
		if err := MoveTicketStage(ctx, tx, t, st.ID); err != nil {
			return 0, 0, err
		}
		return t.ID, ReplyReopened, audit("ticket.reopen", t.ID, "stage:"+strconv.FormatInt(st.ID, 10))
	}
	id, err := createFollowUp(ctx, tx, t, p)
	if err != nil {
		return 0, 0, err
	}
	return id, ReplyFollowUp, audit("ticket.follow_up", id, "follow_up_of:"+strconv.FormatInt(t.ID, 10))
}

// createFollowUp creates the ticket that continues a closed one, in the
// pipeline's reopen stage, with the old ticket's contacts, companies and
// participants.
func createFollowUp(ctx context.Context, tx bun.IDB, old *model.Ticket, p *model.Pipeline) (int64, error) {
	st, err := ReopenStage(ctx, tx, p)
	if err != nil {
		return 0, err
	}
	var links []model.TicketContact
	if err := tx.NewSelect().Model(&links).Where("ticket_id = ?", old.ID).Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: unable to load ticket contacts: %w", err)
	}
	var companies []int64
	if err := tx.NewSelect().Model((*model.TicketCompany)(nil)).Column("company_id").
		Where("ticket_id = ?", old.ID).Scan(ctx, &companies); err != nil {
		return 0, fmt.Errorf("store: unable to load ticket companies: %w", err)
	}
	oldID := old.ID
	t := &model.Ticket{Subject: old.Subject, PipelineID: old.PipelineID, StageID: st.ID,
		Priority: old.Priority, Category: old.Category, Source: old.Source, InboxID: old.InboxID,
		OwnerID: old.OwnerID, Properties: old.Properties, FollowUpOf: &oldID}
	if err := CreateTicket(ctx, tx, t, nil, companies); err != nil {
		return 0, err
	}
	for _, l := range links {
		l.TicketID = t.ID
		if _, err := tx.NewInsert().Model(&l).Exec(ctx); err != nil {
			return 0, fmt.Errorf("store: unable to associate contact: %w", err)
		}
	}
	return t.ID, syncTicket(ctx, tx, t.ID)
}

// FollowUps returns the tickets that continue a ticket, oldest first.
func FollowUps(ctx context.Context, db bun.IDB, id int64) ([]int64, error) {
	var ids []int64
	err := db.NewSelect().Model((*model.Ticket)(nil)).Column("id").
		Where("follow_up_of = ?", id).Order("id").Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load follow-ups: %w", err)
	}
	return ids, nil
}

// ContactOnTicket tells whether a contact is one of a ticket's contacts
// or participants: who may reply to it by email.
func ContactOnTicket(ctx context.Context, db bun.IDB, ticketID, contactID int64) (bool, error) {
	ok, err := db.NewSelect().Model((*model.TicketContact)(nil)).
		Where("ticket_id = ?", ticketID).Where("contact_id = ?", contactID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to check ticket contact: %w", err)
	}
	return ok, nil
}
