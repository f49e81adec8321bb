package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/store"
	"portico/app/testutil"
)

// Migrations wait while another session holds the migration lock, and go
// on once that session dies: a process killed while migrating blocks no
// later start.
func TestMigrationLockDiesWithItsHolder(t *testing.T) {
	url := testutil.PostgresURL(t)
	ctx := context.Background()
	holderDB := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url)))
	defer holderDB.Close()
	holder, err := holderDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := holder.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_lock($1)", store.MigrationLockKey); err != nil {
		t.Fatal(err)
	}

	st, err := store.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// While the lock is held, a migration waits (here until its context
	// gives up) and applies nothing.
	short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	_, err = st.Migrate(short, testutil.Migrations(t))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("migrate under a held lock: %v", err)
	}
	var tables int
	if err := st.DB.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'tickets'").Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("migrated under a held lock: %d %v", tables, err)
	}

	// The holder dies (as a killed process's connection does).
	killer := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url)))
	defer killer.Close()
	if _, err := killer.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	applied, err := st.Migrate(ctx, testutil.Migrations(t))
	if err != nil || len(applied) == 0 {
		t.Fatalf("migrate after the holder died: %d applied, %v", len(applied), err)
	}
	// Released: a second run takes the lock again at once and has nothing
	// to do, and no lock is left behind.
	if applied, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil || len(applied) != 0 {
		t.Fatalf("second migrate: %v %v", applied, err)
	}
	var held int
	if err := killer.QueryRowContext(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").Scan(&held); err != nil || held != 0 {
		t.Fatalf("advisory locks left: %d %v", held, err)
	}
}
