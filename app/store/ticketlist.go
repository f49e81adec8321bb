package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// keyColumns are the copies of the sort keys in the association rows.
var keyColumns = map[string]string{
	"id":       "ticket_id",
	"subject":  "subject_key",
	"created":  "created_at",
	"activity": "last_activity_at",
	"status":   "status_key",
}

// sortOf reads a ListQuery's sort: its key and direction, last activity
// newest first when the key is unknown.
func sortOf(sort string) (key string, desc bool) {
	key, desc = strings.CutPrefix(sort, "-")
	if _, ok := SortColumns[key]; !ok {
		return "activity", true
	}
	return key, desc
}

func (lq *ListQuery) normalize() {
	if lq.Size <= 0 {
		lq.Size = 20
	}
	if lq.Page < 1 {
		lq.Page = 1
	}
	lq.Search = strings.TrimSpace(strings.ReplaceAll(lq.Search, "\x00", ""))
}

// ListTickets returns one page of the tickets the viewer may see, and the
// total count of matching tickets.
//
// Without a search, the page is a walk down the visibility rows in the
// order asked for: each of the contact's and the company's rows, open and
// closed apart, gives its first offset+size keys from an index, and the
// page is cut from their merge. Its cost grows with the page number, not
// with how many tickets the viewer sees.
func (s *Store) ListTickets(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) ([]TicketRow, int, error) {
	p, err := s.TicketPage(ctx, db, v, lq)
	return p.Rows, p.Total, err
}

// TicketPage is one page of a ticket list with its counts.
type TicketPage struct {
	Rows         []TicketRow
	Total        int // matching tickets of the status asked for
	Open, Closed int // matching tickets of each status, for the tabs
	// Shared counts the tickets shared with the contact, whatever the
	// view: while there are any, the list offers "Shared with me".
	Shared int
}

// setTotal sets Total to the count of the status asked for.
func (p *TicketPage) setTotal(status string) {
	switch status {
	case "open":
		p.Total = p.Open
	case "closed":
		p.Total = p.Closed
	default:
		p.Total = p.Open + p.Closed
	}
}

// statusCount is how many tickets have one status.
type statusCount struct {
	Closed bool `bun:"closed"`
	N      int  `bun:"n"`
}

func sumCounts(rows []statusCount) (open, closed int) {
	for _, r := range rows {
		if r.Closed {
			closed += r.N
		} else {
			open += r.N
		}
	}
	return open, closed
}

// TicketPage returns one page of the viewer's tickets, the count of those
// matching, and the open and closed counts, counting once.
//
// A first page, and a page after a cursor, is one statement: the counts
// ride along with the page. A page asked for by its number counts first,
// so that a number past the end walks nothing.
func (s *Store) TicketPage(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) (TicketPage, error) {
	lq.normalize()
	p := TicketPage{Rows: []TicketRow{}}
	if v.ContactID == 0 {
		return p, nil
	}
	if lq.Search != "" && !v.live() {
		if s.Postgres() {
			return s.searchPagePG(ctx, db, v, lq)
		}
		return s.searchPageSQLite(ctx, db, v, lq)
	}
	if lq.Search == "" && !v.live() && (lq.Page == 1 || lq.AfterID > 0) {
		p, err := s.pageWithCounts(ctx, db, v, lq)
		if err != nil && lq.AfterID > 0 && db == bun.IDB(s.DB) {
			// A cursor the database can't read (a forged or stale link)
			// falls back to counting down to the page.
			lq.AfterKey, lq.AfterID = "", 0
			return s.TicketPage(ctx, db, v, lq)
		}
		return p, err
	}
	var err error
	if lq.Search == "" && !v.live() {
		// A page by its number: the counts and the shared count in one
		// statement, then the page.
		q, args := countsSQL(db, v, lq.Shared)
		var out []countedRow
		if err = s.read(ctx, db, &out, q, args...); err != nil {
			return p, fmt.Errorf("store: unable to count tickets: %w", err)
		}
		p = countedPage(out, lq.Status)
	} else {
		if p.Open, p.Closed, err = s.countList(ctx, db, v, lq); err != nil {
			return p, err
		}
		if p.Shared, err = s.countShared(ctx, db, v.ContactID); err != nil {
			return p, err
		}
	}
	p.setTotal(lq.Status)
	offset := (lq.Page - 1) * lq.Size
	if offset >= p.Total {
		return p, nil
	}
	if lq.Search != "" || v.live() {
		p.Rows, err = s.listMatching(ctx, db, v, lq)
		return p, err
	}
	// A page nearer the end is walked from the end, in the opposite
	// order, and turned around: the walk is never longer than half the
	// list.
	back := p.Total - offset - lq.Size
	reversed := back < offset
	if reversed {
		key, desc := sortOf(lq.Sort)
		lq.Sort = key
		if !desc {
			lq.Sort = "-" + key
		}
		lq.Size += min(back, 0) // the last page may be short
		offset = max(back, 0)
	}
	page, args := pageByKeysSQL(db, v, lq, offset, false)
	q := "SELECT pg.id, pg.subject, pg.created_at, pg.last_activity_at, pg.closed, pg.stage_name, pg.stage_labels, pg.stage_waiting, pg.sort_key FROM (" +
		page + ") AS pg ORDER BY pg.k" + sortDir(lq.Sort) + ", pg.id" + sortDir(lq.Sort)
	rows := []TicketRow{}
	if err = s.read(ctx, db, &rows, q, args...); err != nil {
		return p, fmt.Errorf("store: unable to list tickets: %w", err)
	}
	if reversed {
		slices.Reverse(rows)
	}
	p.Rows = rows
	return p, nil
}

// pageWithCounts reads a first page, or the page after a cursor, and the
// viewer's counts in one prepared statement.
func (s *Store) pageWithCounts(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) (TicketPage, error) {
	p := TicketPage{Rows: []TicketRow{}}
	page, pageArgs := pageByKeysSQL(db, v, lq, (lq.Page-1)*lq.Size, true)
	counts, countArgs := countsSQL(db, v, lq.Shared)
	dir := sortDir(lq.Sort)
	q := "SELECT c.n_open, c.n_closed, c.n_shared, pg.id, pg.subject, pg.created_at, pg.last_activity_at, pg.closed, pg.stage_name, pg.stage_labels, pg.stage_waiting, pg.sort_key FROM (" +
		counts + ") AS c LEFT JOIN (" + page + ") AS pg ON 1 = 1 ORDER BY pg.k" + dir + ", pg.id" + dir
	var out []countedRow
	args := append(countArgs, pageArgs...)
	if err := s.read(ctx, db, &out, q, args...); err != nil {
		return p, fmt.Errorf("store: unable to list tickets: %w", err)
	}
	return countedPage(out, lq.Status), nil
}

// countedRow is a row of a statement that reads a page and its counts
// together: the counts on every row, and no ticket (a null ID, read as 0:
// no ticket has ID 0) when the page is empty.
type countedRow struct {
	Open   int `bun:"n_open"`
	Closed int `bun:"n_closed"`
	Shared int `bun:"n_shared"`
	TicketRow
}

// countedPage reads such rows into a page.
func countedPage(out []countedRow, status string) TicketPage {
	p := TicketPage{Rows: []TicketRow{}}
	for _, r := range out {
		p.Open, p.Closed, p.Shared = r.Open, r.Closed, r.Shared
		if r.ID != 0 {
			p.Rows = append(p.Rows, r.TicketRow)
		}
	}
	p.setTotal(status)
	return p
}

// sortDir is the SQL direction of a list's sort.
func sortDir(sort string) string {
	if _, desc := sortOf(sort); desc {
		return " DESC"
	}
	return " ASC"
}

func statusValues(status string) []bool {
	switch status {
	case "open":
		return []bool{false}
	case "closed":
		return []bool{true}
	}
	return []bool{false, true}
}

// pageByKeysSQL is the statement of one page of tickets, cut from the
// visibility rows and then joined with the tickets, only the page's,
// ordered by k and id.
func pageByKeysSQL(db bun.IDB, v Viewer, lq ListQuery, offset int, literal bool) (string, []any) {
	key, desc := sortOf(lq.Sort)
	col := keyColumns[key]
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := "r." + col + dir + ", r.ticket_id" + dir
	type owner struct {
		table, column string
		id            int64
		cond          string
	}
	// "My tickets" walks the contact's own rows, which its indexes hold
	// (they leave shared rows out, so the condition must say so);
	// "Shared with me" the few rows of tickets shared with the contact.
	owners := []owner{{"ticket_contacts", "contact_id", v.ContactID, " AND NOT r.shared"}}
	if lq.Shared {
		owners[0].cond = " AND r.shared"
	} else if v.CompanyID != 0 {
		owners = append(owners, owner{"ticket_companies", "company_id", v.CompanyID, ""})
	}
	need := offset + lq.Size
	after, afterArgs := "", []any(nil)
	if lq.AfterID > 0 {
		cmp := " > "
		if desc {
			cmp = " < "
		}
		after = " AND (r." + col + ", r.ticket_id)" + cmp + "(?, ?)"
		afterArgs = []any{lq.AfterKey, lq.AfterID}
		need, offset = lq.Size, 0
	}
	// First pages and pages after a cursor (literal) have their limits
	// written into the text on Postgres: a few texts, each planned for
	// its limit of 20. A page counted down to by its number takes them as
	// arguments, so that every page number shares one prepared text
	// instead of being planned on every request; its generic plan walks
	// the same indexes (checked with EXPLAIN at a million tickets). SQLite
	// plans the walk whatever the limit.
	pg := isPostgres(db) && literal
	limit := func(n int, args []any) (string, []any) {
		if pg {
			return strconv.Itoa(n), args
		}
		return "?", append(args, n)
	}
	var branches []string
	var args []any
	for i, o := range owners {
		// A ticket of both the contact and the company is the company's:
		// the contact's branches skip it, so no branch repeats another and
		// the merge needs no grouping.
		except, exceptArgs := "", []any(nil)
		if i == 0 && len(owners) > 1 {
			except = " AND NOT EXISTS (SELECT 1 FROM ticket_companies AS x WHERE x.company_id = ? AND x.ticket_id = r.ticket_id" + probeOnly(db) + ")"
			exceptArgs = []any{v.CompanyID}
		}
		for _, closed := range statusValues(lq.Status) {
			args = append(append(append(args, o.id, closed), exceptArgs...), afterArgs...)
			var n string
			n, args = limit(need, args)
			branches = append(branches, "SELECT * FROM (SELECT r.ticket_id, r."+col+" AS k FROM "+o.table+
				" AS r WHERE r."+o.column+" = ? AND r.closed = ? AND NOT r.hidden"+o.cond+except+after+" ORDER BY "+order+" LIMIT "+n+") AS b"+strconv.Itoa(len(branches)))
		}
	}
	size, args := limit(lq.Size, args)
	skip, args := limit(offset, args)
	q := "SELECT t.id, t.subject, " + timeText(db, "t.created_at") + " AS created_at, " + timeText(db, "t.last_activity_at") + " AS last_activity_at, t.closed, s.name AS stage_name, s.labels AS stage_labels, s.waits_on_customer AS stage_waiting, p.k, " + keyText(db, "p.k") + " AS sort_key FROM (" +
		"SELECT u.ticket_id, u.k FROM (" + strings.Join(branches, " UNION ALL ") + ") AS u" +
		" ORDER BY u.k" + dir + ", u.ticket_id" + dir + " LIMIT " + size + " OFFSET " + skip + ") AS p" +
		" JOIN tickets AS t ON t.id = p.ticket_id JOIN stages AS s ON s.id = t.stage_id"
	return q, args
}

// countSQL is the statement of the viewer's counts, as rows of (closed,
// n) to add up: the company's counts, kept in visibility_counts, plus the
// contact's tickets that the company does not hold; without a company,
// the contact's counts.
//
// Shared tickets are counted live: a contact is shared on few tickets.
func countSQL(db bun.IDB, v Viewer, shared bool) (string, []any) {
	if shared {
		return "SELECT closed, count(*) AS n FROM ticket_contacts WHERE contact_id = ? AND shared AND NOT hidden GROUP BY closed", []any{v.ContactID}
	}
	q := "SELECT closed, n FROM visibility_counts WHERE owner_kind = ? AND owner_id = ?"
	if v.CompanyID == 0 {
		return q, []any{ownerContact, v.ContactID}
	}
	return q + ` UNION ALL SELECT closed, count(*) AS n FROM ticket_contacts AS tc WHERE tc.contact_id = ? AND NOT tc.hidden AND NOT tc.shared
		AND NOT EXISTS (SELECT 1 FROM ticket_companies AS x WHERE x.company_id = ? AND x.ticket_id = tc.ticket_id` + probeOnly(db) + `)
		GROUP BY closed`, []any{ownerCompany, v.CompanyID, v.ContactID, v.CompanyID}
}

// countsSQL is the statement of one row of the viewer's open, closed and
// shared counts.
func countsSQL(db bun.IDB, v Viewer, shared bool) (string, []any) {
	counts, args := countSQL(db, v, shared)
	return "SELECT COALESCE(SUM(CASE WHEN w.closed THEN 0 ELSE w.n END), 0) AS n_open, COALESCE(SUM(CASE WHEN w.closed THEN w.n ELSE 0 END), 0) AS n_closed, " +
		sharedCountSQL + " AS n_shared FROM (" + counts + ") AS w", append([]any{v.ContactID}, args...)
}

// countByKeys counts the viewer's open and closed tickets.
func (s *Store) countByKeys(ctx context.Context, db bun.IDB, v Viewer, shared bool) (open, closed int, err error) {
	q, args := countSQL(db, v, shared)
	var rows []statusCount
	if err := s.read(ctx, db, &rows, q, args...); err != nil {
		return 0, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	open, closed = sumCounts(rows)
	return open, closed, nil
}

// listMatching lists the viewer's tickets that match a search on SQLite,
// or those that pass filter rules checked live (a search on Postgres with
// the saved rules is searchPagePG).
func (s *Store) listMatching(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) ([]TicketRow, error) {
	q := s.listFilters(s.Visible(db.NewSelect().TableExpr("tickets AS t"), v), v, lq)
	rows := []TicketRow{}
	key, desc := sortOf(lq.Sort)
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	q = q.ColumnExpr("t.id, t.subject, t.created_at, t.last_activity_at, t.closed, s.name AS stage_name, s.labels AS stage_labels, s.waits_on_customer AS stage_waiting").
		Join("JOIN stages AS s ON s.id = t.stage_id").
		OrderExpr(SortColumns[key] + dir).OrderExpr("t.id" + dir).
		Limit(int64(lq.Size)).Offset(int64((lq.Page - 1) * lq.Size))
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: unable to list tickets: %w", err)
	}
	return rows, nil
}

// CountTickets counts the viewer's tickets by status, for the filter tabs.
func (s *Store) CountTickets(ctx context.Context, db bun.IDB, v Viewer, search string) (open, closed int, err error) {
	return s.countList(ctx, db, v, ListQuery{Status: "all", Search: search})
}

// sharedCountSQL counts the tickets shared with a contact (its one
// argument) that the portal shows, from their small index.
const sharedCountSQL = "(SELECT count(*) FROM ticket_contacts AS shn WHERE shn.contact_id = ? AND shn.shared AND NOT shn.hidden)"

// countShared counts the tickets shared with the contact.
func (s *Store) countShared(ctx context.Context, db bun.IDB, contactID int64) (int, error) {
	var n int
	if err := s.read(ctx, db, &n, "SELECT "+sharedCountSQL, contactID); err != nil {
		return 0, fmt.Errorf("store: unable to count shared tickets: %w", err)
	}
	return n, nil
}

// countList counts the tickets of a list by status, whatever its status
// filter and page.
func (s *Store) countList(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) (open, closed int, err error) {
	lq.Status, lq.Page, lq.AfterID = "all", 1, 0
	lq.normalize()
	if v.ContactID == 0 {
		return 0, 0, nil
	}
	if lq.Search == "" && !v.live() {
		return s.countByKeys(ctx, db, v, lq.Shared)
	}
	if !v.live() {
		lq.Page, lq.Size = 1, 1
		p, err := s.TicketPage(ctx, db, v, lq)
		return p.Open, p.Closed, err
	}
	var rows []statusCount
	q := s.Visible(db.NewSelect().TableExpr("tickets AS t").ColumnExpr("t.closed, count(*) AS n"), v)
	q = s.listFilters(q, v, lq)
	if err := q.GroupExpr("t.closed").Scan(ctx, &rows); err != nil {
		return 0, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	open, closed = sumCounts(rows)
	return open, closed, nil
}

func (s *Store) listFilters(q *bun.SelectQuery, v Viewer, lq ListQuery) *bun.SelectQuery {
	if cond, args := sharedCond(q.DB(), v, lq); cond != "" {
		q = q.Where(cond, args...)
	}
	switch lq.Status {
	case "open":
		q = q.Where("t.closed = ?", false)
	case "closed":
		q = q.Where("t.closed = ?", true)
	}
	if lq.Search != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return s.search(q, lq.Search, true)
		})
	}
	return q
}

// searchPagePG answers a search on Postgres in one statement: the matches
// are gathered once, through the index of the viewer's own search terms
// (portal_terms: each access key joined to the words of the public text
// and to the trigrams of the subject), keeping only their ID, status and
// sort key; they are counted by status, and the page is cut from them and
// only then joined with its tickets. Exact counts cost a visit to each
// matching ticket; everything else is kept small, so that a common word
// in a big company costs little more than its count.
func (s *Store) searchPagePG(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) (TicketPage, error) {
	key, desc := sortOf(lq.Sort)
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	// One text per view, sort and status, prepared: the viewer's access
	// keys, the ID, the subject pattern and the words are its arguments.
	keys := "{" + strconv.FormatInt(v.ContactID, 10)
	if v.CompanyID != 0 {
		keys += "," + strconv.FormatInt(-v.CompanyID, 10)
	}
	keys += "}"
	var id int64 // no ticket has ID 0
	if n, err := strconv.ParseInt(strings.TrimPrefix(lq.Search, "#"), 10, 64); err == nil && n > 0 {
		id = n
	}
	// The backslash that escapeLike uses is Postgres's default escape: an
	// ESCAPE clause would make a prepared statement escape the pattern
	// again for every row it checks.
	pattern := "%" + escapeLike(lq.Search) + "%"
	shared, sharedArgs := sharedCond(db, v, lq)
	if shared != "" {
		shared = " AND " + shared
	}
	// Only the sort by status needs the stage's name; the join costs a
	// probe per match, since the planner can't tell how many there are.
	stages := ""
	if key == "status" {
		stages = " JOIN stages AS s ON s.id = t.stage_id"
	}
	cols := "SELECT t.id, t.closed, " + SortColumns[key] + " AS k FROM tickets AS t" + stages + " WHERE NOT t.hidden AND "
	// The queries of the viewer's terms, built once: for subjects, every
	// trigram inside the words of the search, under any of the viewer's
	// keys (a search too short for a trigram reads the keys alone, every
	// ticket the viewer sees); for the public text, every word of the
	// search. Each lexeme is quoted for tsquery, so that no character of
	// the search is read as an operator. The trigrams only narrow the
	// tickets down: the subject itself is then matched (ILIKE), written so
	// that the agents' trigram index on subjects is not read for it. The
	// search's plain words query is built once too: the subject and ID
	// ways check it on each of their matches.
	quote := func(expr string) string {
		return `'''' || replace(replace(` + expr + `, '\', '\\'), '''', '''''') || ''''`
	}
	q := `WITH tq AS MATERIALIZED (
			SELECT (SELECT string_agg('(' || coalesce((SELECT string_agg(` + quote("k || '~' || g") + `, ' & ')
					FROM unnest(show_trgm(w.q)) AS g WHERE length(g) = 3 AND g !~ ' '), ` + quote("k::text") + `) || ')', ' | ')
					FROM unnest(w.keys) AS k)::tsquery AS subject,
				(SELECT string_agg('(' || (SELECT string_agg(` + quote("k || ':' || d") + `, ' & ')
					FROM unnest(tsvector_to_array(to_tsvector('simple', w.q))) AS d) || ')', ' | ')
					FROM unnest(w.keys) AS k)::tsquery AS words,
				plainto_tsquery('simple', w.q) AS plain
			FROM (SELECT CAST(? AS bigint[]) AS keys, CAST(? AS text) AS q) AS w),
		found AS MATERIALIZED (
			` + cols + `portal_terms(t.access, t.search_doc, t.subject) @@ (SELECT words FROM tq)` + shared + `
			UNION ALL ` + cols + `portal_terms(t.access, t.search_doc, t.subject) @@ (SELECT subject FROM tq) AND (t.subject || '') ILIKE ?
				AND NOT t.search_doc @@ (SELECT plain FROM tq)` + shared + `
			UNION ALL ` + cols + `t.id = ? AND t.access && CAST(? AS bigint[]) AND t.subject NOT ILIKE ?
				AND NOT t.search_doc @@ (SELECT plain FROM tq)` + shared + `)` + countedMatches(db, lq.Status, dir)
	// The three ways of matching never list a ticket twice: the subject
	// and the ID find only tickets whose words do not match (a check of
	// the ticket's own search text, cheaper than the ILIKE that the words'
	// matches, the most, would otherwise each pay), and the ID only a
	// ticket whose subject does not.
	args := append([]any{keys, lq.Search}, sharedArgs...)
	args = append(append(args, pattern), sharedArgs...)
	args = append(append(args, id, keys, pattern), sharedArgs...)
	args = append(args, v.ContactID, lq.Size, (lq.Page-1)*lq.Size)
	var out []countedRow
	if err := s.read(ctx, db, &out, q, args...); err != nil {
		return TicketPage{Rows: []TicketRow{}}, fmt.Errorf("store: unable to search tickets: %w", err)
	}
	return countedPage(out, lq.Status), nil
}

// searchPageSQLite answers a search on SQLite in one prepared statement,
// as searchPagePG does on Postgres: the matches (the ID, a subject that
// contains the search, or a word of the newest thread's public messages,
// through the full-text index) are gathered once with their status and
// sort key, counted by status, and the page is cut from them before it
// is joined with its tickets. A search used to cost three statements, two
// of them parsed and planned anew on every request.
func (s *Store) searchPageSQLite(ctx context.Context, db bun.IDB, v Viewer, lq ListQuery) (TicketPage, error) {
	key, desc := sortOf(lq.Sort)
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	visible, args := visibleByRows(v)
	if cond, condArgs := sharedCond(db, v, lq); cond != "" {
		visible += " AND " + cond
		args = append(args, condArgs...)
	}
	var id int64 // no ticket has ID 0
	if n, err := strconv.ParseInt(strings.TrimPrefix(lq.Search, "#"), 10, 64); err == nil && n > 0 {
		id = n
	}
	// The pattern is an expression, not a bare parameter: SQLite
	// would otherwise compile the statement again for every pattern
	// bound to it (a third of a search's time).
	match := `t.id = ? OR t.subject LIKE (? || '') ESCAPE '\'`
	args = append(args, id, "%"+escapeLike(lq.Search)+"%")
	if phrase := ftsPhrase(lq.Search); phrase != "" {
		match += " OR EXISTS (SELECT 1 FROM messages AS m WHERE m.ticket_id = t.id AND m.kind = 'public' AND " + inLatestThread +
			" AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))"
		args = append(args, phrase)
	}
	stages := ""
	if key == "status" {
		stages = " JOIN stages AS s ON s.id = t.stage_id"
	}
	q := `WITH found AS MATERIALIZED (SELECT t.id, t.closed, ` + SortColumns[key] + ` AS k FROM tickets AS t` + stages +
		` WHERE ` + visible + ` AND (` + match + `))` + countedMatches(db, lq.Status, dir)
	args = append(args, v.ContactID, lq.Size, (lq.Page-1)*lq.Size)
	var out []countedRow
	if err := s.read(ctx, db, &out, q, args...); err != nil {
		return TicketPage{Rows: []TicketRow{}}, fmt.Errorf("store: unable to search tickets: %w", err)
	}
	return countedPage(out, lq.Status), nil
}

// countedMatches ends a search statement whose CTE "found" holds the
// matches (id, closed, sort key k): they are counted by status, with the
// tickets shared with the viewer, and the page is cut from them, then
// joined with its tickets. Its arguments, after the statement's own: the
// viewer's contact ID, the page's size and its offset.
func countedMatches(db bun.IDB, status, dir string) string {
	return `,
		c AS (SELECT count(*) FILTER (WHERE NOT found.closed) AS n_open, count(*) FILTER (WHERE found.closed) AS n_closed, ` + sharedCountSQL + ` AS n_shared FROM found),
		pg AS (SELECT found.id, found.k FROM found` + statusWhere("found", status) + ` ORDER BY found.k` + dir + `, found.id` + dir + ` LIMIT ? OFFSET ?)
		SELECT c.n_open, c.n_closed, c.n_shared, t.id, t.subject, ` + timeText(db, "t.created_at") + ` AS created_at, ` + timeText(db, "t.last_activity_at") + ` AS last_activity_at,
			t.closed, s.name AS stage_name, s.labels AS stage_labels, s.waits_on_customer AS stage_waiting, '' AS sort_key
		FROM c LEFT JOIN (pg JOIN tickets AS t ON t.id = pg.id JOIN stages AS s ON s.id = t.stage_id) ON 1 = 1
		ORDER BY pg.k` + dir + `, pg.id` + dir
}

// statusWhere is the condition that rows of alias have the status asked
// for, as a WHERE clause, or "" for all.
func statusWhere(alias, status string) string {
	switch status {
	case "open":
		return " WHERE NOT " + alias + ".closed"
	case "closed":
		return " WHERE " + alias + ".closed"
	}
	return ""
}

// keyText is a sort key as text, in the form the database reads it back.
func keyText(db bun.IDB, expr string) string {
	if isPostgres(db) {
		return expr + "::text"
	}
	return "CAST(" + expr + " AS TEXT)"
}

// timeText is a timestamp column as the list reads it. On SQLite, its
// text: the driver would otherwise try another layout, and fail, before
// the one SQLite's timestamps are written in, for every one it reads
// (a twentieth of a list's CPU time).
func timeText(db bun.IDB, col string) string {
	if isPostgres(db) {
		return col
	}
	return "CAST(" + col + " AS TEXT)"
}

// probeOnly keeps "is the ticket the company's too" a probe of the primary
// key for each of the contact's rows: on Postgres, a prepared statement's
// generic plan would otherwise hash all of a big company's rows to answer
// it. OFFSET 0 keeps the subquery from being turned into a join.
func probeOnly(db bun.IDB) string {
	if isPostgres(db) {
		return " OFFSET 0"
	}
	return ""
}

// sharedCond splits what Visible admits between the list's views, as the
// walks of the visibility rows do: "Shared with me" lists the tickets
// shared with the contact, and "My tickets" and the Organization view
// leave them out, unless the company holds them. The tickets shared with
// a contact are few: a small index lists them, and the set is hashed;
// whether the company holds a ticket is a probe (probeOnly), never a hash
// of all the company's rows.
func sharedCond(db bun.IDB, v Viewer, lq ListQuery) (string, []any) {
	const sharedIDs = "(SELECT sh.ticket_id FROM ticket_contacts AS sh WHERE sh.contact_id = ? AND sh.shared)"
	switch {
	case lq.Shared:
		return "t.id IN " + sharedIDs, []any{v.ContactID}
	case v.CompanyID != 0:
		return "(t.id NOT IN " + sharedIDs + " OR EXISTS (SELECT 1 FROM ticket_companies AS shc WHERE shc.company_id = ? AND shc.ticket_id = t.id" + probeOnly(db) + "))", []any{v.ContactID, v.CompanyID}
	}
	return "t.id NOT IN " + sharedIDs, []any{v.ContactID}
}
