package desk

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// Actor is the staff user behind an operation, for the audit log.
type Actor struct {
	StaffID *int64 // nil for no one logged in
	IP      string
}

// ticketAudit is an audit entry by the actor about a ticket.
func (a Actor) ticketAudit(action string, ticketID int64, before, after string) *model.AuditEntry {
	return &model.AuditEntry{ActorType: "staff", ActorID: a.StaffID, Action: action,
		Target: "ticket:" + strconv.FormatInt(ticketID, 10), Before: before, After: after, IP: a.IP}
}

// AddContactReply adds a contact's reply and queues the agents'
// notification, which commits with it.
func (s *Service) AddContactReply(ctx context.Context, r store.NewReply) (*model.Message, error) {
	var msg *model.Message
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if msg, err = s.Store.AddContactReply(ctx, tx, r); err != nil {
			return err
		}
		// Email: the agents' notification commits with the reply.
		return s.NotifyAgents(ctx, tx, r.TicketID, msg)
	})
	return msg, err
}

// AddAgentMessage adds an agent's public reply, note or comment, with its
// audit entry. A public reply also queues the customers' mail.
func (s *Service) AddAgentMessage(ctx context.Context, who Actor, m store.StaffMessage) (*model.Message, error) {
	var msg *model.Message
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if msg, err = store.AddStaffMessage(ctx, tx, m); err != nil {
			return err
		}
		if m.Kind == model.KindPublic && s.OnAgentReply != nil {
			if err := s.OnAgentReply(ctx, tx, m.TicketID, msg); err != nil {
				return err
			}
		}
		return store.AddAudit(ctx, tx, who.ticketAudit("ticket."+m.Kind, m.TicketID, "", ""))
	})
	return msg, err
}

// CreateFormTicket turns a support form submission into a ticket with its
// inbox thread, and queues the agents' notification with it.
func (s *Service) CreateFormTicket(ctx context.Context, sub store.Submission) (int64, error) {
	var id int64
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if id, err = store.CreateFormTicket(ctx, tx, sub); err != nil {
			return err
		}
		// Email: the agents' notification commits with the ticket.
		return s.NotifyNewTicket(ctx, tx, id)
	})
	return id, err
}

// CreatePhoneTicket creates a ticket taken by an agent, for the given
// contacts and companies, with no thread, and audits it.
func (s *Service) CreatePhoneTicket(ctx context.Context, who Actor, t *model.Ticket, contacts, companies []int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.CreateTicket(ctx, tx, t, contacts, companies); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, who.ticketAudit("ticket.create", t.ID, "", t.Subject))
	})
}

// ChangeTicket moves a ticket to another pipeline or stage, or changes its
// priority or owner, and audits the change with the values before it.
func (s *Service) ChangeTicket(ctx context.Context, who Actor, t *model.Ticket, ch store.TicketChange) error {
	before, _ := json.Marshal(map[string]any{"pipeline": t.PipelineID, "stage": t.StageID, "priority": t.Priority, "owner": t.OwnerID})
	after, _ := json.Marshal(map[string]any{"pipeline": ch.PipelineID, "stage": ch.StageID, "priority": ch.Priority, "owner": ch.OwnerID})
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.UpdateTicket(ctx, tx, t.ID, ch); err != nil {
			return err
		}
		if err := s.InviteRating(ctx, tx, t.ID); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, who.ticketAudit("ticket.update", t.ID, string(before), string(after)))
	})
}
