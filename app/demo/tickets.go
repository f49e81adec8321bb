package demo

import (
	"context"
	"fmt"
	"time"

	"portico/app/model"
	"portico/app/store"
)

// ticketSpec describes one demo ticket. The pipeline follows from the
// stage, the inbox from the category (billing goes to Billing).
type ticketSpec struct {
	contact  string // email of the only associated contact
	subject  string
	category string
	priority string
	source   string
	stage    string
	product  string // the custom:product property, when set
	// desc is the ticket's description; empty means the first message.
	desc string
	// conv is the current thread, customer and agent taking turns,
	// customer first. Empty means no thread at all.
	conv []string
	// older is an earlier thread of the same ticket, which the portal
	// must not show.
	older   []string
	note    string // an internal note by staff
	comment string // an internal comment by staff
	attach  string // attachScreenshot or attachLog, on the first message
}

func (t ticketSpec) description() string {
	if t.desc != "" || len(t.conv) == 0 {
		return t.desc
	}
	return t.conv[0]
}

// Stage names, short for the table.
const (
	stNew      = "New"
	stOnUs     = "Waiting on us"
	stCustomer = "Waiting on customer"
	stClosed   = "Closed"
	stTriage   = "Triage"
	stDone     = "Done"
)

// Products for the custom:product property.
const (
	prodCloud   = "Portico Cloud"
	prodAPI     = "Portico API"
	prodMobile  = "Portico Mobile"
	prodPrinter = "Label printer"
)

// ticketSpecs is the demo ticket table, oldest first: on a fresh database
// the ticket ID is the #N in the comments. Per contact (48 in all):
//
//   - Ana: 18, of which 16 in the support pipeline (6 closed, 10 open) and
//     2 "[IT]" tickets in Internal IT (#16, #36) that the portal hides.
//   - Ben: 16, all with company Acme and no other contact, so Ana sees them
//     only as organization tickets; 15 in the support pipeline, one [IT] (#10).
//   - Gina: 7 (Globex). Carla: 7 (no company).
//
// Tickets the portal tests rely on:
//
//	#21 Ben   "Sync job fails every night"     error-log.txt, internal note
//	#22 Ana   "Printer shows error E42"        screenshot.png, internal note
//	#24 Gina  "API rate limit errors"          internal comment
//	#25 Ana   "Invoice address change"         two threads; only the newer shows
//	#26 Ben   "Acme VPN certificate renewal"   organization view only for Ana
//	#31 Ana   "Phone call: renewal quote"      source phone, no thread
func ticketSpecs() []ticketSpec {
	return append(earlyTickets(), lateTickets()...)
}

// tickets inserts the ticket table in order. The table is oldest first, so
// on a fresh database ticket IDs follow creation time and equal the
// position in the table (see the #N comments there).
func (s *seeder) tickets(ctx context.Context) error {
	specs := ticketSpecs()
	for i, spec := range specs {
		// One ticket every 27 hours, ending a day before Base; the jitter
		// stays below the spacing so creation order matches ID order.
		created := Base.Add(-time.Duration(len(specs)-i) * 27 * time.Hour).
			Add(s.jitter(5 * time.Hour)).Truncate(time.Minute)
		if err := s.ticket(ctx, spec, created); err != nil {
			return fmt.Errorf("ticket %q: %w", spec.subject, err)
		}
	}
	return nil
}

// jitter returns a random duration in [0, limit).
func (s *seeder) jitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return time.Duration(s.rng.Int64N(int64(limit)))
}

// planned is one message to insert, before it has its thread.
type planned struct {
	thread int // 0 for the older thread, 1 for the current one
	body   string
	at     time.Time
}

func (s *seeder) ticket(ctx context.Context, spec ticketSpec, created time.Time) error {
	stage := s.stages[spec.stage]
	if stage == nil {
		return fmt.Errorf("unknown stage %q", spec.stage)
	}
	contact := s.contacts[spec.contact]
	inbox := s.support
	if spec.category == "billing" {
		inbox = s.billing
	}
	msgs := s.schedule(spec, created)
	lastActivity := created.Add(15 * time.Minute) // with no messages: the time to log the call
	if len(msgs) > 0 {
		lastActivity = msgs[len(msgs)-1].at
	}
	t := &model.Ticket{
		Subject: spec.subject, Description: spec.description(),
		PipelineID: stage.PipelineID, StageID: stage.ID, Closed: stage.IsClosed,
		Priority: spec.priority, Category: spec.category, Source: spec.source,
		OwnerID: s.owner(spec, stage), Properties: map[string]string{},
		CreatedAt: created, LastActivityAt: lastActivity,
	}
	if len(msgs) > 0 {
		// A ticket with no conversation has no inbox yet; a portal reply
		// will open a thread in the default inbox.
		t.InboxID = &inbox.ID
	}
	if spec.product != "" {
		t.Properties["product"] = spec.product
	}
	var companies []int64
	if contact.CompanyID != nil {
		companies = append(companies, *contact.CompanyID)
	}
	if err := store.CreateTicket(ctx, s.tx, t, []int64{contact.ID}, companies); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	return s.conversation(ctx, spec, t, contact, inbox, msgs)
}

// schedule spreads the ticket's messages between its creation and Base,
// oldest first. Customer and agent alternate, starting with the customer.
func (s *seeder) schedule(spec ticketSpec, created time.Time) []planned {
	var msgs []planned
	for _, b := range spec.older {
		msgs = append(msgs, planned{thread: 0, body: b})
	}
	for _, b := range spec.conv {
		msgs = append(msgs, planned{thread: 1, body: b})
	}
	if len(msgs) == 0 {
		return nil
	}
	// Each message falls in its own slot, so times only grow.
	step := min(Base.Sub(created)-30*time.Minute, 30*time.Hour*time.Duration(len(msgs))) / time.Duration(len(msgs))
	for i := range msgs {
		msgs[i].at = created
		if i > 0 {
			msgs[i].at = created.Add(time.Duration(i)*step - s.jitter(step/3)).Truncate(time.Minute)
		}
	}
	return msgs
}

// owner is who handles the ticket: nobody yet for new tickets, the admin
// for billing, the agent for the rest.
func (s *seeder) owner(spec ticketSpec, stage *model.Stage) *int64 {
	switch {
	case stage.Name == "New" || stage.Name == "Triage":
		return nil
	case spec.category == "billing":
		return &s.admin.ID
	default:
		return &s.agent.ID
	}
}

// conversation writes the threads and messages of a ticket, with its
// attachment, internal note and comment.
func (s *seeder) conversation(ctx context.Context, spec ticketSpec, t *model.Ticket, contact *model.Contact,
	inbox *model.Inbox, msgs []planned) error {
	staffID := s.agent.ID
	if t.OwnerID != nil {
		staffID = *t.OwnerID
	}
	threads := map[int]*model.Thread{}
	turn := 0 // position within the current thread: even is the customer
	for i, m := range msgs {
		th := threads[m.thread]
		if th == nil {
			// The older thread ran in the Support inbox before the
			// conversation moved on to the ticket's own inbox.
			in := inbox
			if m.thread == 0 {
				in = s.support
			}
			th = &model.Thread{TicketID: t.ID, InboxID: in.ID, CreatedAt: m.at}
			if err := s.insert(ctx, "thread", th); err != nil {
				return err
			}
			threads[m.thread] = th
			turn = 0
		}
		msg := &model.Message{ThreadID: th.ID, TicketID: t.ID, Kind: model.KindPublic, Body: m.body, CreatedAt: m.at}
		var files []store.Upload
		if turn%2 == 0 {
			msg.Direction = model.DirectionIncoming
			msg.Channel = customerChannel(spec.source, i)
			msg.AuthorContactID = &contact.ID
			if turn == 0 && m.thread == 1 {
				files = attachment(spec.attach)
			}
		} else {
			msg.Direction = model.DirectionOutgoing
			msg.Channel = "email"
			msg.AuthorStaffID = &staffID
		}
		if err := store.InsertMessage(ctx, s.tx, msg, files); err != nil {
			return err
		}
		turn++
	}
	return s.internal(ctx, spec, t, threads[1], staffID, msgs)
}

// internal adds the staff-only note and comment, halfway through the
// conversation so they never move the ticket's last activity.
func (s *seeder) internal(ctx context.Context, spec ticketSpec, t *model.Ticket, th *model.Thread,
	staffID int64, msgs []planned) error {
	if th == nil || (spec.note == "" && spec.comment == "") {
		return nil
	}
	first, last := msgs[0].at, msgs[len(msgs)-1].at
	at := first.Add(last.Sub(first) / 2).Truncate(time.Minute)
	entries := []struct{ kind, body string }{{model.KindNote, spec.note}, {model.KindComment, spec.comment}}
	for _, e := range entries {
		if e.body == "" {
			continue
		}
		m := &model.Message{
			ThreadID: th.ID, TicketID: t.ID, Kind: e.kind, Direction: model.DirectionOutgoing,
			Channel: "internal", AuthorStaffID: &staffID, Body: e.body, CreatedAt: at,
		}
		if err := store.InsertMessage(ctx, s.tx, m, nil); err != nil {
			return err
		}
	}
	return nil
}

// customerChannel is how a customer's message arrived: a form ticket's first
// message came through the form (as the form handler records it), the
// follow-ups through the portal.
func customerChannel(source string, index int) string {
	switch {
	case source == model.SourceEmail:
		return "email"
	case source == model.SourceForm && index == 0:
		return "form"
	default:
		return "portal"
	}
}
