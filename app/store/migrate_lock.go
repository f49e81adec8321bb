package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun/migrate"
)

// MigrationLockKey is the Postgres advisory lock that migrations hold.
const MigrationLockKey int64 = 0x706f727469636f // "portico"

// migrationLockWait is how long a start waits for another instance's
// migrations.
const migrationLockWait = 2 * time.Minute

// migrationLock takes the migration lock, so that two instances starting
// together migrate one after the other, and creates the migration tables
// under it. On Postgres it is an advisory lock held by a connection of its
// own: it dies with its holder, so a process killed while migrating blocks
// no later start. SQLite, which one process serves, keeps bun's lock row.
func (s *Store) migrationLock(ctx context.Context, m *migrate.Migrator) (unlock func() error, err error) {
	if !s.Postgres() {
		if err := s.init(ctx, m); err != nil {
			return nil, fmt.Errorf("store: unable to init migrations: %w", err)
		}
		if err := retryUntil(ctx, func() error { return m.Lock(ctx) }); err != nil {
			return nil, fmt.Errorf("store: unable to take the migration lock: %w", err)
		}
		return func() error { return m.Unlock(context.WithoutCancel(ctx)) }, nil
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to take the migration lock: %w", err)
	}
	err = retryUntil(ctx, func() error {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", MigrationLockKey).Scan(&got); err != nil {
			return err
		}
		if !got {
			return fmt.Errorf("another instance is migrating")
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: unable to take the migration lock: %w", err)
	}
	unlock = func() error {
		defer conn.Close()
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", MigrationLockKey)
		return err
	}
	if err := s.init(ctx, m); err != nil {
		_ = unlock()
		return nil, fmt.Errorf("store: unable to init migrations: %w", err)
	}
	return unlock, nil
}

// retryUntil calls try until it succeeds, ctx ends, or migrationLockWait
// has passed.
func retryUntil(ctx context.Context, try func() error) error {
	deadline := time.Now().Add(migrationLockWait)
	for {
		err := try()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
