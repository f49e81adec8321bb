package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// AdminQuery is a validated back-office ticket list request.
type AdminQuery struct {
	InboxID    int64
	Status     string // open, closed or all
	PipelineID int64
	StageID    int64
	OwnerID    int64 // -1 for unassigned
	Priority   string
	Search     string
	Sort       string
	Page, Size int
}

// AdminTicketRow is one line of the agents' inbox.
type AdminTicketRow struct {
	ID             int64     `bun:"id"`
	Subject        string    `bun:"subject"`
	Priority       string    `bun:"priority"`
	Source         string    `bun:"source"`
	Closed         bool      `bun:"closed"`
	StageName      string    `bun:"stage_name"`
	StageWaiting   bool      `bun:"stage_waiting"`
	PipelineName   string    `bun:"pipeline_name"`
	OwnerName      string    `bun:"owner_name"`
	CreatedAt      time.Time `bun:"created_at"`
	LastActivityAt time.Time `bun:"last_activity_at"`
}

// AdminListTickets lists tickets for agents: every ticket, by inbox and
// filters. Search covers the ID, subject and every message, notes included.
func (s *Store) AdminListTickets(ctx context.Context, db bun.IDB, aq AdminQuery) ([]AdminTicketRow, int, error) {
	q := db.NewSelect().TableExpr("tickets AS t")
	if aq.InboxID != 0 {
		q = q.Where("t.inbox_id = ?", aq.InboxID)
	}
	switch aq.Status {
	case "open":
		q = q.Where("t.closed = ?", false)
	case "closed":
		q = q.Where("t.closed = ?", true)
	}
	if aq.PipelineID != 0 {
		q = q.Where("t.pipeline_id = ?", aq.PipelineID)
	}
	if aq.StageID != 0 {
		q = q.Where("t.stage_id = ?", aq.StageID)
	}
	switch {
	case aq.OwnerID == -1:
		q = q.Where("t.owner_id IS NULL")
	case aq.OwnerID > 0:
		q = q.Where("t.owner_id = ?", aq.OwnerID)
	}
	if aq.Priority != "" {
		q = q.Where("t.priority = ?", aq.Priority)
	}
	if term := strings.TrimSpace(aq.Search); term != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return s.search(q, term, false) })
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	key, desc := strings.CutPrefix(aq.Sort, "-")
	col, ok := adminSortColumns[key]
	if !ok {
		col, desc = adminSortColumns["activity"], true
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if aq.Size <= 0 {
		aq.Size = 25
	}
	if aq.Page < 1 {
		aq.Page = 1
	}
	var rows []AdminTicketRow
	err = q.ColumnExpr("t.id, t.subject, t.priority, t.source, t.closed, t.created_at, t.last_activity_at").
		ColumnExpr("s.name AS stage_name, s.waits_on_customer AS stage_waiting, p.name AS pipeline_name, COALESCE(u.name, '') AS owner_name").
		Join("JOIN stages AS s ON s.id = t.stage_id").
		Join("JOIN pipelines AS p ON p.id = t.pipeline_id").
		Join("LEFT JOIN staff_users AS u ON u.id = t.owner_id").
		OrderExpr(col+dir).OrderExpr("t.id"+dir).
		Limit(int64(aq.Size)).Offset(int64((aq.Page-1)*aq.Size)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list tickets: %w", err)
	}
	return rows, int(total), nil
}

var adminSortColumns = map[string]string{
	"id": "t.id", "subject": "lower(t.subject)", "created": "t.created_at",
	"activity": "t.last_activity_at", "status": "s.name", "priority": "t.priority",
}

// TicketByID returns any ticket, for agents.
func TicketByID(ctx context.Context, db bun.IDB, id int64) (*TicketDetail, error) {
	d := new(TicketDetail)
	err := db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr(ticketDetailColumns).
		Join("JOIN stages AS s ON s.id = t.stage_id").
		Join("JOIN pipelines AS p ON p.id = t.pipeline_id").
		Where("t.id = ?", id).Scan(ctx, d)
	if err != nil {
		return nil, notFound(err, "load ticket")
	}
	return d, nil
}

// ThreadMessages is a thread with every message, of every kind.
type ThreadMessages struct {
	model.Thread
	InboxName string
	Messages  []*model.Message
}

// TicketThreads returns every thread of a ticket, newest first, with all
// messages (notes and comments included) and attachments without bytes.
func TicketThreads(ctx context.Context, db bun.IDB, ticketID int64) ([]ThreadMessages, error) {
	var threads []model.Thread
	if err := db.NewSelect().Model(&threads).Where("ticket_id = ?", ticketID).Order("created_at DESC", "id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to load threads: %w", err)
	}
	inboxes, err := Inboxes(ctx, db)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, i := range inboxes {
		names[i.ID] = i.Name
	}
	out := make([]ThreadMessages, 0, len(threads))
	for _, th := range threads {
		var msgs []*model.Message
		err := db.NewSelect().Model(&msgs).
			Relation("AuthorContact", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("id", "name", "email") }).
			Relation("AuthorStaff", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("id", "name") }).
			Relation("Attachments", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("id") }).
			Where("message.thread_id = ?", th.ID).Order("message.created_at ASC", "message.id ASC").Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: unable to load messages: %w", err)
		}
		out = append(out, ThreadMessages{Thread: th, InboxName: names[th.InboxID], Messages: msgs})
	}
	return out, nil
}

// StaffMessage is a message written by an agent.
type StaffMessage struct {
	TicketID       int64
	StaffID        int64
	Kind           string // public, note or comment
	Body           string
	Files          []Upload
	DefaultInboxID int64
}

// AddStaffMessage stores an agent's message on the ticket's latest thread,
// or on a new one in the ticket's (or the default) inbox. Only a public
// reply moves the ticket's last activity: customers never learn of notes.
func AddStaffMessage(ctx context.Context, tx bun.IDB, sm StaffMessage) (*model.Message, error) {
	t := new(model.Ticket)
	if err := tx.NewSelect().Model(t).Column("id", "inbox_id").Where("id = ?", sm.TicketID).Scan(ctx); err != nil {
		return nil, notFound(err, "load ticket")
	}
	threadID, err := latestThread(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	if threadID == 0 {
		inbox := sm.DefaultInboxID
		if t.InboxID != nil {
			inbox = *t.InboxID
		}
		if inbox == 0 {
			return nil, fmt.Errorf("store: no inbox for a new thread")
		}
		th := &model.Thread{TicketID: t.ID, InboxID: inbox}
		if err := startThread(ctx, tx, t, th); err != nil {
			return nil, err
		}
		threadID = th.ID
	}
	now := time.Now().UTC()
	staffID := sm.StaffID
	m := &model.Message{ThreadID: threadID, TicketID: t.ID, Kind: sm.Kind, Direction: model.DirectionOutgoing,
		Channel: "email", AuthorStaffID: &staffID, Body: sm.Body, CreatedAt: now}
	if sm.Kind != model.KindPublic {
		m.Channel, m.Direction = "internal", "internal"
	}
	if sm.Kind == model.KindPublic {
		if err := touchTicket(ctx, tx, t.ID, now); err != nil {
			return nil, err
		}
	}
	if err := InsertMessage(ctx, tx, m, sm.Files); err != nil {
		return nil, err
	}
	return m, nil
}

// TicketChange is a change of a ticket's work properties by an agent.
type TicketChange struct {
	PipelineID int64
	StageID    int64
	Priority   string
	OwnerID    *int64
}

// UpdateTicket applies a change. The stage must belong to the pipeline;
// Closed follows the stage.
func UpdateTicket(ctx context.Context, tx bun.IDB, id int64, ch TicketChange) error {
	st := new(model.Stage)
	if err := tx.NewSelect().Model(st).Where("id = ?", ch.StageID).Where("pipeline_id = ?", ch.PipelineID).Scan(ctx); err != nil {
		return notFound(err, "load stage")
	}
	_, err := tx.NewUpdate().Model((*model.Ticket)(nil)).
		Set("pipeline_id = ?", ch.PipelineID).Set("stage_id = ?", st.ID).Set("closed = ?", st.IsClosed).
		// A ticket that closes now closed now; one moved between closed
		// stages keeps its closing time.
		Set("closed_at = CASE WHEN NOT ? THEN NULL WHEN closed THEN COALESCE(closed_at, ?) ELSE ? END", st.IsClosed, time.Now().UTC(), time.Now().UTC()).
		Set("priority = ?", ch.Priority).Set("owner_id = ?", ch.OwnerID).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to update ticket: %w", err)
	}
	return syncTicket(ctx, tx, id)
}

// TicketContacts returns the contacts associated with a ticket.
func TicketContacts(ctx context.Context, db bun.IDB, ticketID int64) ([]model.Contact, error) {
	var out []model.Contact
	err := db.NewSelect().Model(&out).
		Where("contact.id IN (SELECT contact_id FROM ticket_contacts WHERE ticket_id = ? AND NOT shared)", ticketID).
		Order("contact.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load ticket contacts: %w", err)
	}
	return out, nil
}

// TicketCompanies returns the companies associated with a ticket.
func TicketCompanies(ctx context.Context, db bun.IDB, ticketID int64) ([]model.Company, error) {
	var out []model.Company
	err := db.NewSelect().Model(&out).
		Where("id IN (SELECT company_id FROM ticket_companies WHERE ticket_id = ?)", ticketID).
		Order("name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load ticket companies: %w", err)
	}
	return out, nil
}

// Associate adds a contact or company to a ticket; adding twice is a no-op.
func Associate(ctx context.Context, db bun.IDB, ticketID int64, contactID, companyID int64) error {
	return atomically(ctx, db, func(db bun.IDB) error { return associate(ctx, db, ticketID, contactID, companyID) })
}

func associate(ctx context.Context, db bun.IDB, ticketID int64, contactID, companyID int64) error {
	// The ticket is locked before its rows are added, as every change of
	// its visibility keys does, so that two changes queue instead of each
	// holding what the other waits for.
	if _, err := lockTickets(ctx, db, "t.id = ?", ticketID); err != nil {
		return err
	}
	var err error
	if contactID != 0 {
		// A participant who becomes one of the ticket's contacts loses the
		// shared mark: the shared row goes (it is counted nowhere) and a
		// plain one is added, which the sync counts.
		_, err = db.NewRaw("DELETE FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ? AND shared", ticketID, contactID).Exec(ctx)
	}
	if err == nil && contactID != 0 {
		_, err = db.NewInsert().Model(&model.TicketContact{TicketID: ticketID, ContactID: contactID}).On("CONFLICT DO NOTHING").Exec(ctx)
	}
	if err == nil && companyID != 0 {
		_, err = db.NewInsert().Model(&model.TicketCompany{TicketID: ticketID, CompanyID: companyID}).On("CONFLICT DO NOTHING").Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: unable to associate: %w", err)
	}
	return syncTicket(ctx, db, ticketID)
}

// Dissociate removes a contact or company from a ticket.
func Dissociate(ctx context.Context, db bun.IDB, ticketID int64, contactID, companyID int64) error {
	err := atomically(ctx, db, func(db bun.IDB) error {
		if _, err := lockTickets(ctx, db, "t.id = ?", ticketID); err != nil {
			return err
		}
		if contactID != 0 {
			if err := dropRow(ctx, db, "ticket_contacts", "contact_id", ownerContact, ticketID, contactID); err != nil {
				return err
			}
		}
		if companyID != 0 {
			if err := dropRow(ctx, db, "ticket_companies", "company_id", ownerCompany, ticketID, companyID); err != nil {
				return err
			}
		}
		return syncTicket(ctx, db, ticketID)
	})
	return err
}

// StaffUsers returns every staff user by name.
func StaffUsers(ctx context.Context, db bun.IDB) ([]model.StaffUser, error) {
	var out []model.StaffUser
	if err := db.NewSelect().Model(&out).ExcludeColumn("password_hash").Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list staff: %w", err)
	}
	return out, nil
}

// CompanyByID returns one company.
func CompanyByID(ctx context.Context, db bun.IDB, id int64) (*model.Company, error) {
	c := new(model.Company)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load company")
	}
	return c, nil
}

// Companies returns companies whose name contains the term, by name.
func Companies(ctx context.Context, db bun.IDB, term string, limit int) ([]model.Company, error) {
	var out []model.Company
	q := db.NewSelect().Model(&out).Order("name", "id").Limit(int64(limit))
	if term = strings.TrimSpace(term); term != "" {
		q = q.Where(`lower(name) LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(term))+"%")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list companies: %w", err)
	}
	return out, nil
}

// AttachmentByID returns any attachment, for agents; OpenAttachment reads
// its bytes.
func AttachmentByID(ctx context.Context, db bun.IDB, id int64) (*model.Attachment, error) {
	a := new(model.Attachment)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load attachment")
	}
	return a, nil
}

// SetStaffNotify records whether a staff user wants email about
// customers' new tickets and replies.
func SetStaffNotify(ctx context.Context, db bun.IDB, id int64, optOut bool) error {
	_, err := db.NewUpdate().Model((*model.StaffUser)(nil)).Set("notify_opt_out = ?", optOut).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to save notification choice: %w", err)
	}
	return nil
}

// dropRow deletes one visibility row, and takes it off the counts when the
// portal showed it.
func dropRow(ctx context.Context, db bun.IDB, table, column string, kind int, ticketID, ownerID int64) error {
	var gone []struct {
		Closed bool `bun:"closed"`
		Hidden bool `bun:"hidden"`
		Shared bool `bun:"shared"`
	}
	shared := "false AS shared"
	if table == "ticket_contacts" {
		shared = "shared"
	}
	err := db.NewRaw("DELETE FROM "+table+" WHERE ticket_id = ? AND "+column+" = ? RETURNING closed, hidden, "+shared, ticketID, ownerID).Scan(ctx, &gone)
	if err != nil {
		return fmt.Errorf("store: unable to dissociate: %w", err)
	}
	delta := map[countKey]int{}
	for _, g := range gone {
		if !g.Hidden && !g.Shared {
			delta[countKey{Kind: kind, Owner: ownerID, Closed: g.Closed}]--
		}
	}
	return addCounts(ctx, db, delta)
}
