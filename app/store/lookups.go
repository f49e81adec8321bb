package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// Lists returns every contact list by name.
func Lists(ctx context.Context, db bun.IDB) ([]model.List, error) {
	var out []model.List
	if err := db.NewSelect().Model(&out).Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list lists: %w", err)
	}
	return out, nil
}

// Inboxes returns every inbox by name.
func Inboxes(ctx context.Context, db bun.IDB) ([]model.Inbox, error) {
	var out []model.Inbox
	if err := db.NewSelect().Model(&out).Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list inboxes: %w", err)
	}
	return out, nil
}

// Forms returns every support form by name.
func Forms(ctx context.Context, db bun.IDB) ([]model.Form, error) {
	var out []model.Form
	if err := db.NewSelect().Model(&out).Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list forms: %w", err)
	}
	return out, nil
}

// Pipelines returns every pipeline with its stages in order.
func Pipelines(ctx context.Context, db bun.IDB) ([]model.Pipeline, error) {
	var out []model.Pipeline
	err := db.NewSelect().Model(&out).
		Relation("Stages", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("position", "id") }).
		Order("position", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list pipelines: %w", err)
	}
	return out, nil
}

// RecentAudit returns the newest audit entries.
func RecentAudit(ctx context.Context, db bun.IDB, limit int) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	if err := db.NewSelect().Model(&out).Order("created_at DESC", "id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to read audit log: %w", err)
	}
	return out, nil
}

// CountFiltered counts all tickets, and those that pass the portal filter
// rules: "visible in the portal: N of M".
func (s *Store) CountFiltered(ctx context.Context, db bun.IDB, rules []model.FilterRule) (visible, total int, err error) {
	n, err := db.NewSelect().TableExpr("tickets AS t").Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	expr, args := rulesExpr(s.Postgres(), rules)
	v, err := db.NewSelect().TableExpr("tickets AS t").Where(expr, args...).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: unable to count tickets: %w", err)
	}
	return int(v), int(n), nil
}
