package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"portico/app/model"
)

// Viewer is who asks for tickets in the portal. It is the single source of
// truth for portal visibility: every portal query goes through Visible, or
// through the visibility rows that Visible reads.
type Viewer struct {
	ContactID int64
	// CompanyID widens the view to every ticket of that company; zero keeps
	// it to the contact's own tickets.
	CompanyID int64
	// Filters, when set, are filter rules checked live on each ticket
	// instead of the saved ones, which the visibility keys already hold
	// (tickets.hidden). The settings page sets them to preview rules as
	// typed; LiveRules previews an empty set of rules the same way.
	// Portal pages leave both unset.
	Filters   []model.FilterRule
	LiveRules bool
}

// live tells whether the viewer's rules are checked on each ticket.
func (v Viewer) live() bool { return v.LiveRules || len(v.Filters) > 0 }

// Visible restricts a query on tickets (aliased "t") to what the viewer may
// see: the contact's tickets, plus the company's when allowed, and only
// those that pass every portal filter rule.
func (s *Store) Visible(q *bun.SelectQuery, v Viewer) *bun.SelectQuery {
	if v.ContactID == 0 {
		return q.Where("1 = 0")
	}
	if !v.live() {
		cond, args := visibleByRows(v)
		return q.Where(cond, args...)
	}
	// Rules as typed on the settings page: the visible IDs are gathered in
	// a materialized CTE (planners read "contact OR company" as a scan of
	// every ticket), then each rule is checked on the ticket.
	ids := s.DB.NewSelect().TableExpr("ticket_contacts AS tc").Column("tc.ticket_id").
		Where("tc.contact_id = ?", v.ContactID)
	if v.CompanyID != 0 {
		ids = ids.UnionAll(s.DB.NewSelect().TableExpr("ticket_companies AS tco").Column("tco.ticket_id").
			Where("tco.company_id = ?", v.CompanyID))
	}
	q = q.WithQuery(bun.NewWithQuery("visible_ids", ids).Materialized()).
		Where("t.id IN (SELECT ticket_id FROM visible_ids)")
	expr, args := rulesExpr(s.Postgres(), v.Filters)
	return q.Where(expr, args...)
}

// visibleByRows is Visible's condition for the saved rules, on a ticket
// aliased "t", with its arguments: the association rows carry the
// ticket's hidden flag, so one probe of their primary key answers for a
// ticket.
func visibleByRows(v Viewer) (string, []any) {
	cond := "EXISTS (SELECT 1 FROM ticket_contacts AS vc WHERE vc.contact_id = ? AND vc.ticket_id = t.id AND NOT vc.hidden)"
	if v.CompanyID == 0 {
		return cond, []any{v.ContactID}
	}
	return "(" + cond + " OR EXISTS (SELECT 1 FROM ticket_companies AS vco WHERE vco.company_id = ? AND vco.ticket_id = t.id AND NOT vco.hidden))",
		[]any{v.ContactID, v.CompanyID}
}

func isPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// ruleColumn maps a filter property to an SQL expression, and tells
// whether it holds an ID. Custom properties read the ticket's JSON
// properties.
func ruleColumn(pg bool, property string) (col string, args []any, numeric, ok bool) {
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
	if pg {
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

// ruleExpr is the condition one rule puts on a ticket (aliased "t").
func ruleExpr(pg bool, r model.FilterRule) (string, []any) {
	col, args, numeric, ok := ruleColumn(pg, r.Property)
	if !ok {
		// An unknown property can't be checked; hiding everything is the
		// safe reading of a rule that must hold.
		return "1 = 0", nil
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
			return "1 = 0", nil
		}
		return col + " = ?", with(1, vals[0])
	case model.OpIsNot:
		if len(vals) == 0 {
			return "1 = 1", nil
		}
		return "(" + col + " IS NULL OR " + col + " <> ?)", with(2, vals[0])
	case model.OpAnyOf:
		if len(vals) == 0 {
			return "1 = 0", nil
		}
		return col + " IN (?)", with(1, bun.In(vals))
	case model.OpNoneOf:
		if len(vals) == 0 {
			return "1 = 1", nil
		}
		return "(" + col + " IS NULL OR " + col + " NOT IN (?))", with(2, bun.In(vals))
	case model.OpKnown:
		return col + " IS NOT NULL", args
	case model.OpUnknown:
		return col + " IS NULL", args
	}
	return "1 = 0", nil
}

// rulesExpr is the condition that every rule holds; with no rules, true.
func rulesExpr(pg bool, rules []model.FilterRule) (string, []any) {
	if len(rules) == 0 {
		return "1 = 1", nil
	}
	parts := make([]string, 0, len(rules))
	var args []any
	for _, r := range rules {
		e, a := ruleExpr(pg, r)
		parts = append(parts, "("+e+")")
		args = append(args, a...)
	}
	return strings.Join(parts, " AND "), args
}

// hiddenExpr is the SQL value of tickets.hidden under the rules: a ticket
// is hidden unless every rule holds (a rule that yields NULL does not).
func hiddenExpr(pg bool, rules []model.FilterRule) (string, []any) {
	e, args := rulesExpr(pg, rules)
	return "CASE WHEN " + e + " THEN false ELSE true END", args
}

// savedRules reads the portal's saved filter rules.
//
// It reads the filters alone (not the logo), and on Postgres under a share
// lock of the settings row: a save of new rules (which locks the row to
// update) then waits for this sync, and rewrites its tickets after it, or
// this sync waits for the save and reads the new rules.
func savedRules(ctx context.Context, db bun.IDB) ([]model.FilterRule, error) {
	q := "SELECT json_extract(data, '$.filters') AS filters FROM portal_settings WHERE id = 1"
	if isPostgres(db) {
		q = "SELECT data -> 'filters' AS filters FROM portal_settings WHERE id = 1 FOR SHARE"
	}
	var rows []struct {
		Filters []model.FilterRule `bun:"filters,type:jsonb"`
	}
	if err := db.NewRaw(q).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: unable to read the filter rules: %w", err)
	}
	if len(rows) == 0 {
		return model.DefaultPortalSettings().Filters, nil
	}
	return rows[0].Filters, nil
}

// syncWhere rewrites the visibility keys of the tickets that match where
// (a constant condition on tickets aliased "t", never built from input;
// empty for all) from their base rows:
// the hidden flag under the saved filter rules, the access list and search
// text on Postgres, and the copies of the sort and filter keys in the
// association rows. Every store function that changes a ticket, its
// messages or its associations calls it in the same transaction.
func syncWhere(ctx context.Context, db bun.IDB, where string, args ...any) error {
	rules, err := savedRules(ctx, db)
	if err != nil {
		return err
	}
	return syncTickets(ctx, db, rules, where, args...)
}

// syncTicket is syncWhere for one ticket.
func syncTicket(ctx context.Context, db bun.IDB, id int64) error {
	return syncWhere(ctx, db, "t.id = ?", id)
}

func syncTickets(ctx context.Context, db bun.IDB, rules []model.FilterRule, where string, args ...any) error {
	if where == "" {
		where = "1 = 1"
	}
	return atomically(ctx, db, func(db bun.IDB) error {
		ids, err := lockTickets(ctx, db, where, args...)
		if err != nil || len(ids) == 0 {
			return err
		}
		return countChange(ctx, db, ids, func() error { return rewriteKeys(ctx, db, rules, where, args...) })
	})
}

// searchTextLimit caps the public text of one ticket that enters its
// search document, newest first: Postgres refuses a tsvector over 1 MB,
// and a ticket with many long replies would otherwise stop syncing.
const searchTextLimit = 400_000

// rewriteKeys is the rewrite that syncTickets counts.
func rewriteKeys(ctx context.Context, db bun.IDB, rules []model.FilterRule, where string, args ...any) error {
	// Only rows whose keys differ are written: a reindex of a sound
	// database writes nothing, and leaves no dead rows behind.
	pg := isPostgres(db)
	hidden, hargs := hiddenExpr(pg, rules)
	var q string
	var qargs []any
	if pg {
		q = `UPDATE tickets AS t SET hidden = n.hidden, access = n.access, search_doc = n.search_doc
			FROM (SELECT t.id, ` + hidden + ` AS hidden,
				ARRAY(SELECT tc.contact_id FROM ticket_contacts AS tc WHERE tc.ticket_id = t.id
					UNION ALL SELECT -tco.company_id FROM ticket_companies AS tco WHERE tco.ticket_id = t.id ORDER BY 1) AS access,
				coalesce((SELECT strip(to_tsvector('simple', left(string_agg(m.body, ' ' ORDER BY m.id DESC), ?)))
					FROM messages AS m WHERE m.ticket_id = t.id AND m.kind = 'public' AND ` + inLatestThread + `), ''::tsvector) AS search_doc
				FROM tickets AS t WHERE ` + where + `) AS n
			WHERE n.id = t.id AND (t.hidden, t.access, t.search_doc) IS DISTINCT FROM (n.hidden, n.access, n.search_doc)`
		qargs = append(append(append([]any{}, hargs...), searchTextLimit), args...)
	} else {
		q = "UPDATE tickets AS t SET hidden = " + hidden + " WHERE " + where + " AND hidden IS NOT " + hidden
		qargs = append(append(append([]any{}, hargs...), args...), hargs...)
	}
	if _, err := db.NewRaw(q, qargs...).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to sync ticket keys: %w", err)
	}
	differs := []string{}
	for _, pair := range [][2]string{{"hidden", "t.hidden"}, {"closed", "t.closed"}, {"created_at", "t.created_at"},
		{"last_activity_at", "t.last_activity_at"}, {"subject_key", "lower(t.subject)"}, {"status_key", "s.name"}} {
		op := " IS NOT "
		if pg {
			op = " IS DISTINCT FROM "
		}
		differs = append(differs, "r."+pair[0]+op+pair[1])
	}
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		q := "UPDATE " + table + ` AS r SET hidden = t.hidden, closed = t.closed, created_at = t.created_at,
			last_activity_at = t.last_activity_at, subject_key = lower(t.subject), status_key = s.name
			FROM tickets AS t JOIN stages AS s ON s.id = t.stage_id WHERE t.id = r.ticket_id AND ` + where +
			" AND (" + strings.Join(differs, " OR ") + ")"
		if _, err := db.NewRaw(q, args...).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to sync %s keys: %w", table, err)
		}
	}
	return nil
}

// syncStageKeys brings the stage's name and closed flag into the
// visibility rows of its tickets, after the stage changed: nothing else
// of those tickets did, so nothing else is rewritten. A stage that opened
// or closed moves many tickets between the counts, which are recounted.
func syncStageKeys(ctx context.Context, db bun.IDB, stageID int64, closedChanged bool) error {
	return atomically(ctx, db, func(db bun.IDB) error { return rewriteStageKeys(ctx, db, stageID, closedChanged) })
}

func rewriteStageKeys(ctx context.Context, db bun.IDB, stageID int64, closedChanged bool) error {
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		q := "UPDATE " + table + ` AS r SET closed = t.closed, status_key = s.name
			FROM tickets AS t JOIN stages AS s ON s.id = t.stage_id
			WHERE t.id = r.ticket_id AND t.stage_id = ? AND (r.closed <> t.closed OR r.status_key <> s.name)`
		if _, err := db.NewRaw(q, stageID).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to sync the stage's %s: %w", table, err)
		}
	}
	if closedChanged {
		return recount(ctx, db)
	}
	return nil
}

// refreshHidden applies new filter rules to every ticket, writing only the
// rows whose hidden flag changes. SaveSettings calls it when the rules
// change, in the same transaction, so that every instance applies the new
// rules at once.
func refreshHidden(ctx context.Context, db bun.IDB, rules []model.FilterRule) error {
	return atomically(ctx, db, func(db bun.IDB) error { return rewriteHidden(ctx, db, rules) })
}

func rewriteHidden(ctx context.Context, db bun.IDB, rules []model.FilterRule) error {
	hidden, args := hiddenExpr(isPostgres(db), rules)
	if _, err := db.NewRaw("UPDATE tickets AS t SET hidden = "+hidden+" WHERE hidden <> "+hidden, append(args, args...)...).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to apply filter rules: %w", err)
	}
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		q := "UPDATE " + table + " AS r SET hidden = t.hidden FROM tickets AS t WHERE t.id = r.ticket_id AND r.hidden <> t.hidden"
		if _, err := db.NewRaw(q).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to apply filter rules to %s: %w", table, err)
		}
	}
	return recount(ctx, db)
}

// ReindexBatch is how many tickets one reindex transaction rewrites.
const ReindexBatch = 20000

// Reindex rebuilds every derived key from the base tables, in batches of
// tickets, each in its own transaction, so that it can run while Portico
// serves. It is needed after a restore or a fix in plain SQL. progress, if
// set, gets the count of tickets done and the total.
func (s *Store) Reindex(ctx context.Context, progress func(done, total int64)) error {
	db, done, err := s.maintenance()
	if err != nil {
		return err
	}
	defer done()
	var bounds struct {
		Lo int64 `bun:"lo"`
		Hi int64 `bun:"hi"`
		N  int64 `bun:"n"`
	}
	if err := db.NewRaw("SELECT coalesce(min(id), 0) AS lo, coalesce(max(id), 0) AS hi, count(*) AS n FROM tickets").Scan(ctx, &bounds); err != nil {
		return fmt.Errorf("store: unable to size reindex: %w", err)
	}
	for lo := bounds.Lo; lo <= bounds.Hi && bounds.N > 0; lo += ReindexBatch {
		hi := lo + ReindexBatch - 1
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return syncWhere(ctx, tx, "t.id BETWEEN ? AND ?", lo, hi)
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(min(hi, bounds.Hi)-bounds.Lo+1, bounds.Hi-bounds.Lo+1)
		}
	}
	// The counts follow each batch; a recount also repairs counts that a
	// fix in plain SQL left wrong.
	if err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return recount(ctx, tx) }); err != nil {
		return err
	}
	// VACUUM marks rewritten pages all-visible again, so that walks and
	// counts stay index-only scans, and ANALYZE refreshes the planner's
	// statistics.
	if s.Postgres() {
		for _, table := range []string{"tickets", "ticket_contacts", "ticket_companies", "visibility_counts"} {
			if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+table); err != nil {
				return fmt.Errorf("store: unable to vacuum %s: %w", table, err)
			}
		}
	}
	return nil
}
