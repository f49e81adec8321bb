package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// EnqueueJob writes an account mail job with its payload as JSON.
func EnqueueJob(ctx context.Context, db bun.IDB, kind string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("store: unable to encode job: %w", err)
	}
	now := time.Now().UTC()
	j := &model.MailJob{Kind: kind, Payload: string(b), NextAttemptAt: now, CreatedAt: now}
	if _, err := db.NewInsert().Model(j).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to queue job: %w", err)
	}
	return nil
}

// ClaimJob takes the oldest due job inside tx, or answers ErrNotFound. On
// Postgres the row stays locked (FOR UPDATE SKIP LOCKED) until tx ends, so
// workers on several instances never run the same job; SQLite's
// transactions already run one at a time. The job is done when tx deletes
// it (DeleteJob) and commits, so it runs exactly once, and a worker that
// dies mid-way leaves it due.
func ClaimJob(ctx context.Context, tx bun.Tx, now time.Time) (*model.MailJob, error) {
	j := new(model.MailJob)
	q := tx.NewSelect().Model(j).Where("next_attempt_at <= ?", now.UTC()).Order("next_attempt_at", "id").Limit(1)
	if isPostgres(tx) {
		q = q.For("UPDATE SKIP LOCKED")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "claim job")
	}
	return j, nil
}

// DeleteJob removes a job that is done.
func DeleteJob(ctx context.Context, db bun.IDB, id int64) error {
	if _, err := db.NewDelete().Model((*model.MailJob)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to delete job: %w", err)
	}
	return nil
}

// DeferJob records a failed attempt and when to try again.
func DeferJob(ctx context.Context, db bun.IDB, id int64, reason string, next time.Time) error {
	_, err := db.NewUpdate().Model((*model.MailJob)(nil)).
		Set("attempts = attempts + 1").Set("last_error = ?", reason).Set("next_attempt_at = ?", next.UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to defer job: %w", err)
	}
	return nil
}
