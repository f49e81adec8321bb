// Package store holds all of Portico's SQL. It works over Postgres (pgdialect)
// and the embedded SQLite default, and every function takes a bun.IDB so it
// composes inside a transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// ErrNotFound is returned when a record does not exist, or is not visible
// to the one asking.
var ErrNotFound = errors.New("store: not found")

// Store wraps the database handle.
type Store struct {
	DB *bun.DB
	// dsn is the Postgres URL, for maintenance connections whose
	// statements may run longer than a request's.
	dsn   string
	stmts statements

	contactOnce sync.Once
	contactSQL  string

	// accounts keeps customers' contacts between requests (accounts.go).
	accounts accountCache
	// watch tells, on SQLite, when the kept contacts must be forgotten
	// (dataversion.go).
	watch *versionWatch
}

// genericPlans asks Postgres to plan each of the portal's prepared reads
// once per connection (plan_cache_mode), unless the database URL says
// otherwise. Those statements are written to be walked the same way
// whatever their arguments (limits in the text, probes kept probes), so
// the five custom plans Postgres would otherwise make first, on every new
// connection and for each sort and view, are planning for nothing: they
// halved the throughput of a list's first requests after a start.
func genericPlans(conf *pgdriver.Config) {
	if _, set := conf.ConnParams["plan_cache_mode"]; set {
		return
	}
	params := map[string]any{"plan_cache_mode": "force_generic_plan"}
	for k, v := range conf.ConnParams {
		params[k] = v
	}
	conf.ConnParams = params
}

// Open connects to Postgres when databaseURL is set, or to the SQLite file
// portico.db inside dataDir otherwise.
func Open(databaseURL, dataDir string) (*Store, error) {
	if databaseURL != "" {
		// A change of the portal's filter rules rewrites the hidden flag of
		// every ticket it touches in the save's transaction: about 20 s for
		// a sixth of a million tickets, past the driver's default 10 s.
		sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(databaseURL), pgdriver.WithReadTimeout(2*time.Minute),
			pgdriver.WithResetSessionFunc(checkConn), genericPlans))
		sqldb.SetMaxOpenConns(32)
		sqldb.SetMaxIdleConns(16)
		// Connections broken by a restarted server are dropped and redialed:
		// checkConn finds them before they are used.
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		st := &Store{DB: bun.NewDB(sqldb, pgdialect.New()), dsn: databaseURL}
		st.DB.AddQueryHook(accountWrites{&st.accounts})
		return st, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: unable to create data directory: %w", err)
	}
	path := filepath.Join(dataDir, "portico.db")
	return OpenSQLite(path)
}

// OpenSQLite opens (or creates) a SQLite database file.
func OpenSQLite(path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: unable to open sqlite: %w", err)
	}
	// WAL lets readers run beside the one writer; immediate transactions
	// and the busy timeout queue writers instead of failing them.
	sqldb.SetMaxOpenConns(4)
	// Keep them all: each holds its prepared statements.
	sqldb.SetMaxIdleConns(4)
	st := &Store{DB: bun.NewDB(sqldb, sqlitedialect.New())}
	if st.watch, err = openVersionWatch("file:" + path + "?" + q.Encode()); err != nil {
		sqldb.Close()
		return nil, err
	}
	st.accounts.live = true
	return st, nil
}

// maintenance returns a handle for long statements (a reindex, VACUUM):
// on Postgres a connection of its own without the pool's read timeout,
// which would cut them off at a million tickets. done closes it.
func (s *Store) maintenance() (db *bun.DB, done func(), err error) {
	if !s.Postgres() || s.dsn == "" {
		return s.DB, func() {}, nil
	}
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(s.dsn), pgdriver.WithReadTimeout(time.Hour)))
	sqldb.SetMaxOpenConns(1)
	db = bun.NewDB(sqldb, pgdialect.New())
	return db, func() { db.Close() }, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.mu.Lock()
	for _, stmt := range s.stmts.m {
		_ = stmt.Close()
	}
	s.stmts.m = nil
	s.stmts.mu.Unlock()
	_ = s.watch.close()
	return s.DB.Close()
}

// Postgres reports whether the store runs on Postgres.
func (s *Store) Postgres() bool { return s.DB.Dialect().Name() == dialect.PG }

// Ping checks the database connection.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

// visibilityKeysMigration adds the derived visibility keys.
const visibilityKeysMigration = "20261203000001"

// visibilityCountsMigration adds the counts of the visibility rows.
const visibilityCountsMigration = "20261203000002"

// participantsMigration adds the shared visibility rows, which the
// rebuild of the keys reads.
const participantsMigration = "20261207100001"

// Migrate applies the embedded migrations of the store's dialect under the
// migration lock, so that two instances starting together are safe.
// migrations holds the folders postgres/ and sqlite/.
func (s *Store) Migrate(ctx context.Context, migrations fs.FS) (applied []string, err error) {
	dir := "sqlite"
	if s.Postgres() {
		dir = "postgres"
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("store: unable to read migrations: %w", err)
	}
	// A migration may build an index over a million tickets: it runs on
	// a connection without the pool's read timeout, which would cut it off.
	db, done, err := s.maintenance()
	if err != nil {
		return nil, err
	}
	defer done()
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	unlock, err := s.migrationLock(ctx, m)
	if err != nil {
		return nil, err
	}
	defer func() {
		if uerr := unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("store: unable to release migration lock: %w", uerr)
		}
	}()
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration failed: %w", err)
	}
	rebuild := false
	for _, mig := range group.Migrations {
		applied = append(applied, mig.Name)
		rebuild = rebuild || mig.Name == visibilityKeysMigration || mig.Name == visibilityCountsMigration
	}
	// The rebuild reads the columns of the participants migration, which
	// itself needs none (it adds no shared row, and the counts leave
	// shared rows out). A set of migrations that stops before it (an older
	// schema, as tests of older migrations build) skips the rebuild; such
	// a database holds no rows yet.
	known := false
	for _, mig := range ms.Sorted() {
		known = known || mig.Name == participantsMigration
	}
	// The migration that adds the visibility keys leaves every row hidden;
	// computing them needs the filter rules, which live in the settings.
	if rebuild && known {
		if err := s.Reindex(ctx, nil); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// init creates the migration tables. Two instances starting together on
// Postgres race on CREATE TABLE IF NOT EXISTS, and the loser fails with a
// unique violation in the catalog; a second try then finds the tables.
func (s *Store) init(ctx context.Context, m *migrate.Migrator) error {
	var err error
	for range 5 {
		if err = m.Init(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}

// notFound turns sql.ErrNoRows into ErrNotFound and wraps other errors.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("store: unable to %s: %w", what, err)
}
