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

// Viewer is who asks for tickets in the portal. It is the single source of
// truth for portal visibility: every portal query goes through Visible.
type Viewer struct {
	ContactID int64
	// CompanyID widens the view to every ticket of that company; zero keeps
	// it to the contact's own tickets.
	CompanyID int64
	Filters   []model.FilterRule
}

// Visible restricts a query on tickets (aliased "t") to what the viewer may
// see: the contact's tickets, plus the company's when allowed, and only
// those that pass every portal filter rule.
//
// The visible IDs are gathered in a materialized CTE: planners read
// "contact OR company" as a scan of every ticket, while the CTE makes them
// walk the association indexes and then the tickets' primary key.
func (s *Store) Visible(q *bun.SelectQuery, v Viewer) *bun.SelectQuery {
	if v.ContactID == 0 {
		return q.Where("1 = 0")
	}
	ids := s.DB.NewSelect().TableExpr("ticket_contacts AS tc").Column("tc.ticket_id").
		Where("tc.contact_id = ?", v.ContactID)
	if v.CompanyID != 0 {
		ids = ids.UnionAll(s.DB.NewSelect().TableExpr("ticket_companies AS tco").Column("tco.ticket_id").
			Where("tco.company_id = ?", v.CompanyID))
	}
	q = q.WithQuery(bun.NewWithQuery("visible_ids", ids).Materialized()).
		Where("t.id IN (SELECT ticket_id FROM visible_ids)")
	for _, r := range v.Filters {
		q = s.applyRule(q, r)
	}
	return q
}

// ruleColumn maps a filter property to an SQL expression, and tells
// whether it holds an ID. Custom properties read the ticket's JSON
// properties.
func (s *Store) ruleColumn(property string) (col string, args []any, numeric, ok bool) {
	switch property {
	case "pipeline", "stage", "inbox":
		return "t." + property + "_id", nil, true, true
	case "priority", "category", "source":
		return "NULLIF(t." + property + ", '')", nil, false, true
	}
	name, found := strings.CutPrefix(property, "custom:")
	if !found || name == "" {
		return "", nil, false, false
	}
	if s.Postgres() {
		return "NULLIF(t.properties ->> ?, '')", []any{name}, false, true
	}
	return "NULLIF(json_extract(t.properties, ?), '')", []any{`$."` + strings.ReplaceAll(name, `"`, ``) + `"`}, false, true
}

// ruleValues turns a rule's values into query arguments: numbers for ID
// columns (a value that is no number can match nothing), strings otherwise.
func ruleValues(values []string, numeric bool) []any {
	var out []any
	for _, v := range values {
		if !numeric {
			out = append(out, v)
		} else if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (s *Store) applyRule(q *bun.SelectQuery, r model.FilterRule) *bun.SelectQuery {
	col, args, numeric, ok := s.ruleColumn(r.Property)
	if !ok {
		// An unknown property can't be checked; hiding everything is the
		// safe reading of a rule that must hold.
		return q.Where("1 = 0")
	}
	// with repeats the column's arguments for each time it appears.
	with := func(times int, extra ...any) []any {
		var out []any
		for range times {
			out = append(out, args...)
		}
		return append(out, extra...)
	}
	vals := ruleValues(r.Values, numeric)
	switch r.Operator {
	case model.OpIs:
		if len(vals) == 0 {
			return q.Where("1 = 0")
		}
		return q.Where(col+" = ?", with(1, vals[0])...)
	case model.OpIsNot:
		if len(vals) == 0 {
			return q
		}
		return q.Where("("+col+" IS NULL OR "+col+" <> ?)", with(2, vals[0])...)
	case model.OpAnyOf:
		if len(vals) == 0 {
			return q.Where("1 = 0")
		}
		return q.Where(col+" IN (?)", with(1, bun.In(vals))...)
	case model.OpNoneOf:
		if len(vals) == 0 {
			return q
		}
		return q.Where("("+col+" IS NULL OR "+col+" NOT IN (?))", with(2, bun.In(vals))...)
	case model.OpKnown:
		return q.Where(col+" IS NOT NULL", args...)
	case model.OpUnknown:
		return q.Where(col+" IS NULL", args...)
	}
	return q.Where("1 = 0")
}

// TicketRow is one line of a ticket list.
type TicketRow struct {
	ID             int64     `bun:"id"`
	Subject        string    `bun:"subject"`
	CreatedAt      time.Time `bun:"created_at"`
	LastActivityAt time.Time `bun:"last_activity_at"`
	Closed         bool      `bun:"closed"`
	StageName      string    `bun:"stage_name"`
}

// ListQuery is a validated ticket list request.
type ListQuery struct {
	Status string // open, closed or all
	Search string
	Sort   string // one of SortColumns, optionally prefixed with "-" for descending
	Page   int    // from 1
	Size   int
}

// SortColumns are the columns a list may be sorted by.
var SortColumns = map[string]string{
	"id":       "t.id",
	"subject":  "lower(t.subject)",
	"created":  "t.created_at",
	"activity": "t.last_activity_at",
	"status":   "s.name",
}

// ListTickets returns one page of the tickets the viewer may see, and the
// total count of matching tickets.
func (s *Store) ListTickets(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) ([]TicketRow, int, error) {
	q := db.NewSelect().TableExpr("tickets AS t")
	q = s.Visible(q, v)
	q = s.listFilters(q, lq)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	var rows []TicketRow
	q = q.ColumnExpr("t.id, t.subject, t.created_at, t.last_activity_at, t.closed, s.name AS stage_name").
		Join("JOIN stages AS s ON s.id = t.stage_id")
	key, desc := strings.CutPrefix(lq.Sort, "-")
	col, ok := SortColumns[key]
	if !ok {
		col, desc = SortColumns["activity"], true
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	q = q.OrderExpr(col + dir).OrderExpr("t.id" + dir)
	if lq.Size <= 0 {
		lq.Size = 20
	}
	if lq.Page < 1 {
		lq.Page = 1
	}
	q = q.Limit(int64(lq.Size)).Offset(int64((lq.Page - 1) * lq.Size))
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, 0, fmt.Errorf("store: unable to list tickets: %w", err)
	}
	return rows, int(total), nil
}

// CountTickets counts the viewer's tickets by status, for the filter tabs.
func (s *Store) CountTickets(ctx context.Context, db bun.IDB, v Viewer, search string) (open, closed int, err error) {
	var rows []struct {
		Closed bool `bun:"closed"`
		N      int  `bun:"n"`
	}
	q := db.NewSelect().TableExpr("tickets AS t").ColumnExpr("t.closed, count(*) AS n")
	q = s.Visible(q, v)
	q = s.listFilters(q, ListQuery{Status: "all", Search: search})
	if err := q.GroupExpr("t.closed").Scan(ctx, &rows); err != nil {
		return 0, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	for _, r := range rows {
		if r.Closed {
			closed = r.N
		} else {
			open = r.N
		}
	}
	return open, closed, nil
}

func (s *Store) listFilters(q *bun.SelectQuery, lq ListQuery) *bun.SelectQuery {
	switch lq.Status {
	case "open":
		q = q.Where("t.closed = ?", false)
	case "closed":
		q = q.Where("t.closed = ?", true)
	}
	// A NUL byte can't be in stored text, and bun refuses it in a query.
	if term := strings.TrimSpace(strings.ReplaceAll(lq.Search, "\x00", "")); term != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return s.search(q, term, true)
		})
	}
	return q
}

// search matches the ticket ID, the subject, and message text: public
// messages only for the portal, every message for agents. LIKE wildcards
// in the term are escaped.
func (s *Store) search(q *bun.SelectQuery, term string, portal bool) *bun.SelectQuery {
	if n, err := strconv.ParseInt(strings.TrimPrefix(term, "#"), 10, 64); err == nil && n > 0 {
		q = q.WhereOr("t.id = ?", n)
	}
	pattern := "%" + escapeLike(term) + "%"
	if s.Postgres() {
		q = q.WhereOr(`t.subject ILIKE ? ESCAPE '\'`, pattern)
		kind := "m.kind = 'public' AND "
		if !portal {
			kind = ""
		}
		return q.WhereOr("EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND "+kind+"m.search @@ plainto_tsquery('simple', ?))", term)
	}
	q = q.WhereOr(`t.subject LIKE ? ESCAPE '\'`, pattern)
	if phrase := ftsPhrase(term); phrase != "" {
		q = q.WhereOr("EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND m.kind = 'public' AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))", phrase)
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

// TicketDetail is a ticket as the portal shows it.
type TicketDetail struct {
	model.Ticket
	StageName    string `bun:"stage_name"`
	PipelineName string `bun:"pipeline_name"`
}

// VisibleTicket returns one ticket if the viewer may see it, and
// ErrNotFound otherwise, whether the ticket is missing or someone else's.
func (s *Store) VisibleTicket(ctx context.Context, db bun.IDB, v Viewer, id int64) (*TicketDetail, error) {
	d := new(TicketDetail)
	q := db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.*, s.name AS stage_name, p.name AS pipeline_name").
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
	return nil
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
