package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Owner kinds in visibility_counts.
const (
	ownerContact = 1
	ownerCompany = 2
)

// countKey is one row of visibility_counts.
type countKey struct {
	Kind   int   `bun:"kind"`
	Owner  int64 `bun:"owner"`
	Closed bool  `bun:"closed"`
}

// idsIn is a condition that col is one of ids.
func idsIn(db bun.IDB, col string, ids []int64) (string, any) {
	if isPostgres(db) {
		return col + " = ANY(?)", pgdialect.Array(ids)
	}
	return col + " IN (?)", bun.In(ids)
}

// shownRows counts the visibility rows of the tickets that the portal
// shows, per owner and status. A participant's row (shared) is not
// counted: "Shared with me" counts its few rows live.
func shownRows(ctx context.Context, db bun.IDB, ids []int64) (map[countKey]int, error) {
	tc, arg := idsIn(db, "ticket_id", ids)
	var rows []countKey
	err := db.NewRaw(`SELECT 1 AS kind, contact_id AS owner, closed FROM ticket_contacts WHERE `+tc+` AND NOT hidden AND NOT shared
		UNION ALL SELECT 2 AS kind, company_id AS owner, closed FROM ticket_companies WHERE `+tc+` AND NOT hidden`, arg, arg).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read visibility rows: %w", err)
	}
	out := map[countKey]int{}
	for _, r := range rows {
		out[r]++
	}
	return out, nil
}

// addCounts applies changes to visibility_counts. The rows are written in
// one order, so that two transactions never wait on each other in a ring.
func addCounts(ctx context.Context, db bun.IDB, delta map[countKey]int) error {
	keys := make([]countKey, 0, len(delta))
	for k, d := range delta {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b countKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Owner, b.Owner), cmp.Compare(boolInt(a.Closed), boolInt(b.Closed)))
	})
	for _, k := range keys {
		_, err := db.NewRaw(`INSERT INTO visibility_counts (owner_kind, owner_id, closed, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (owner_kind, owner_id, closed) DO UPDATE SET n = visibility_counts.n + EXCLUDED.n`,
			k.Kind, k.Owner, k.Closed, delta[k]).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to count visibility: %w", err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// countChange runs change, which rewrites the visibility rows of the given
// tickets, and moves the counts by what it changed. The tickets must be
// locked (or the database be SQLite, whose writers take turns), so that
// nobody else changes their rows in between.
func countChange(ctx context.Context, db bun.IDB, ids []int64, change func() error) error {
	if len(ids) == 0 {
		return change()
	}
	before, err := shownRows(ctx, db, ids)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := shownRows(ctx, db, ids)
	if err != nil {
		return err
	}
	for k, n := range before {
		after[k] -= n
	}
	return addCounts(ctx, db, after)
}

// lockTickets locks the tickets that match where and returns their IDs.
func lockTickets(ctx context.Context, db bun.IDB, where string, args ...any) ([]int64, error) {
	q := "SELECT t.id FROM tickets AS t WHERE " + where + " ORDER BY t.id"
	if isPostgres(db) {
		// Not FOR UPDATE: rows that refer to the ticket (messages, the
		// visibility rows) take a key-share lock, which this one allows.
		q += " FOR NO KEY UPDATE"
	}
	var ids []int64
	if err := db.NewRaw(q, args...).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("store: unable to lock tickets: %w", err)
	}
	return ids, nil
}

// recount rebuilds visibility_counts from the visibility rows. It locks
// the table, so that changes of other transactions land after it, as
// deltas on the fresh counts.
func recount(ctx context.Context, db bun.IDB) error {
	if isPostgres(db) {
		if _, err := db.NewRaw("LOCK TABLE visibility_counts IN EXCLUSIVE MODE").Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to lock the counts: %w", err)
		}
	}
	if _, err := db.NewRaw("DELETE FROM visibility_counts").Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to clear the counts: %w", err)
	}
	_, err := db.NewRaw(`INSERT INTO visibility_counts (owner_kind, owner_id, closed, n)
		SELECT 1, contact_id, closed, count(*) FROM ticket_contacts WHERE NOT hidden AND NOT shared GROUP BY contact_id, closed
		UNION ALL SELECT 2, company_id, closed, count(*) FROM ticket_companies WHERE NOT hidden GROUP BY company_id, closed`).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to recount: %w", err)
	}
	return nil
}

// atomically runs fn in the caller's transaction, or in a new one when
// db is not one: the counts must move with the rows they count.
func atomically(ctx context.Context, db bun.IDB, fn func(bun.IDB) error) error {
	if d, ok := db.(*bun.DB); ok {
		return d.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return fn(tx) })
	}
	return fn(db)
}
