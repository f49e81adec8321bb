package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// TicketRow is one line of a ticket list.
type TicketRow struct {
	ID             int64      `bun:"id"`
	Subject        string     `bun:"subject"`
	CreatedAt      time.Time  `bun:"created_at"`
	LastActivityAt time.Time  `bun:"last_activity_at"`
	Closed         bool       `bun:"closed"`
	StageName      string     `bun:"stage_name"`
	StageLabels    model.Text `bun:"stage_labels"` // the stage's name per language, for the portal
	StageWaiting   bool       `bun:"stage_waiting"`
	// SortKey is the row's key in the order asked for, as the database
	// writes it, on pages walked down the visibility rows: the next
	// page's AfterKey.
	SortKey string `bun:"sort_key"`
}

// ListQuery is a validated ticket list request.
type ListQuery struct {
	Status string // open, closed or all
	Search string
	Sort   string // one of SortColumns, optionally prefixed with "-" for descending
	Page   int    // from 1
	Size   int
	// AfterKey and AfterID, when AfterID is set, name the last row of the
	// page before (its SortKey and ID): the page then starts right after
	// it, whatever Page says, and costs the same at any depth.
	AfterKey string
	AfterID  int64
	// Shared lists the tickets shared with the viewer (where the viewer
	// is a participant) instead of the viewer's own.
	Shared bool
}

// SortColumns are the columns a list may be sorted by.
var SortColumns = map[string]string{
	"id":       "t.id",
	"subject":  "lower(t.subject)",
	"created":  "t.created_at",
	"activity": "t.last_activity_at",
	"status":   "s.name",
}

// search matches the ticket ID, the subject, and message text: the public
// messages of the thread the portal shows for the portal, every message
// of every thread for agents. LIKE wildcards
// in the term are escaped.
func (s *Store) search(q *bun.SelectQuery, term string, portal bool) *bun.SelectQuery {
	if n, err := strconv.ParseInt(strings.TrimPrefix(term, "#"), 10, 64); err == nil && n > 0 {
		q = q.WhereOr("t.id = ?", n)
	}
	pattern := "%" + escapeLike(term) + "%"
	if s.Postgres() {
		q = q.WhereOr(`t.subject ILIKE ? ESCAPE '\'`, pattern)
		kind := "m.kind = 'public' AND " + inLatestThread + " AND "
		if !portal {
			kind = ""
		}
		return q.WhereOr("EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND "+kind+"m.search @@ plainto_tsquery('simple', ?))", term)
	}
	q = q.WhereOr(`t.subject LIKE ? ESCAPE '\'`, pattern)
	if phrase := ftsPhrase(term); phrase != "" {
		q = q.WhereOr("EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND m.kind = 'public' AND "+inLatestThread+
			" AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))", phrase)
	}
	if !portal {
		// Notes and comments are not in the full-text index.
		q = q.WhereOr(`EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND m.kind <> 'public' AND m.body LIKE ? ESCAPE '\')`, pattern)
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ftsPhrase quotes each word of the term for FTS5, so that its syntax
// characters are taken literally.
func ftsPhrase(term string) string {
	var parts []string
	for _, w := range strings.Fields(term) {
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	return strings.Join(parts, " ")
}

// ticketDetailColumns are a ticket's own columns, without the derived
// visibility keys, plus its stage and pipeline names.
const ticketDetailColumns = "t.id, t.subject, t.description, t.pipeline_id, t.stage_id, t.closed, t.priority, t.category, t.source, t.inbox_id, t.owner_id, t.properties, t.created_at, t.last_activity_at, s.name AS stage_name, s.labels AS stage_labels, s.waits_on_customer AS stage_waiting, p.name AS pipeline_name, t.closed_at, t.follow_up_of"

// TicketDetail is a ticket as the portal shows it.
type TicketDetail struct {
	model.Ticket
	StageName    string     `bun:"stage_name"`
	StageLabels  model.Text `bun:"stage_labels"`
	StageWaiting bool       `bun:"stage_waiting"`
	PipelineName string     `bun:"pipeline_name"`
}

// VisibleTicket returns one ticket if the viewer may see it, and
// ErrNotFound otherwise, whether the ticket is missing or someone else's.
func (s *Store) VisibleTicket(ctx context.Context, db bun.IDB, v Viewer, id int64) (*TicketDetail, error) {
	d := new(TicketDetail)
	q := db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr(ticketDetailColumns).
		Join("JOIN stages AS s ON s.id = t.stage_id").
		Join("JOIN pipelines AS p ON p.id = t.pipeline_id").
		Where("t.id = ?", id)
	q = s.Visible(q, v)
	if err := q.Scan(ctx, d); err != nil {
		return nil, notFound(err, "load ticket")
	}
	return d, nil
}

// CreateTicket inserts a ticket with its contact and company associations.
func CreateTicket(ctx context.Context, db bun.IDB, t *model.Ticket, contactIDs, companyIDs []int64) error {
	if t.Properties == nil {
		t.Properties = map[string]string{}
	}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to create ticket: %w", err)
	}
	for _, id := range contactIDs {
		if _, err := db.NewInsert().Model(&model.TicketContact{TicketID: t.ID, ContactID: id}).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to associate contact: %w", err)
		}
	}
	for _, id := range companyIDs {
		if _, err := db.NewInsert().Model(&model.TicketCompany{TicketID: t.ID, CompanyID: id}).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to associate company: %w", err)
		}
	}
	return syncTicket(ctx, db, t.ID)
}

// FirstOpenStage returns the first open stage of a pipeline.
func FirstOpenStage(ctx context.Context, db bun.IDB, pipelineID int64) (*model.Stage, error) {
	st := new(model.Stage)
	err := db.NewSelect().Model(st).Where("pipeline_id = ?", pipelineID).Where("is_closed = ?", false).
		Order("position ASC", "id ASC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load first stage")
	}
	return st, nil
}

// Stages returns every stage, ordered by pipeline and position.
func Stages(ctx context.Context, db bun.IDB) ([]model.Stage, error) {
	var st []model.Stage
	if err := db.NewSelect().Model(&st).Order("pipeline_id", "position", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list stages: %w", err)
	}
	return st, nil
}
