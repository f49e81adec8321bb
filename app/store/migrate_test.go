package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// migrationCount is the number of up migrations of the store's dialect.
func migrationCount(t *testing.T, st *store.Store) int {
	t.Helper()
	dir := "sqlite"
	if st.Postgres() {
		dir = "postgres"
	}
	entries, err := fs.ReadDir(testutil.Migrations(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".up.sql") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no migrations in %s", dir)
	}
	return n
}

// migrationState returns how many migrations are recorded as applied and
// how many migration locks are held.
func migrationState(t *testing.T, st *store.Store) (applied, locks int) {
	t.Helper()
	ctx := context.Background()
	a, err := st.DB.NewSelect().Table("bun_migrations").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.DB.NewSelect().Table("bun_migration_locks").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(a), int(l)
}

func testMigrateAgain(t *testing.T, st *store.Store) {
	ctx := context.Background()
	want := migrationCount(t, st)
	for i := range 2 {
		applied, err := st.Migrate(ctx, testutil.Migrations(t))
		if err != nil {
			t.Fatalf("run %d: %v", i+2, err)
		}
		if len(applied) != 0 {
			t.Errorf("run %d applied %v, want nothing", i+2, applied)
		}
	}
	if a, l := migrationState(t, st); a != want || l != 0 {
		t.Errorf("%d migrations recorded (want %d), %d locks held (want 0)", a, want, l)
	}
	// The data survived.
	if n := count(t, st.DB, (*model.Ticket)(nil), ""); n == 0 {
		t.Error("no tickets after migrating again")
	}
}

// testMigrateConcurrently starts two instances on one fresh database at the
// same moment, on a few databases side by side: both instances must
// succeed, and the migrations must be applied exactly once.
func testMigrateConcurrently(t *testing.T, st *store.Store) {
	want := migrationCount(t, st)
	for round := range 3 {
		t.Run(fmt.Sprintf("database %d", round+1), func(t *testing.T) {
			t.Parallel()
			migrateTwice(t, st.Postgres(), want)
		})
	}
}

func migrateTwice(t *testing.T, postgres bool, want int) {
	var open func() *store.Store
	if postgres {
		url := testutil.PostgresURL(t)
		open = func() *store.Store {
			s, err := store.Open(url, "")
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	} else {
		path := filepath.Join(t.TempDir(), "portico.db")
		open = func() *store.Store {
			s, err := store.OpenSQLite(path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	handles := []*store.Store{open(), open()}
	for _, h := range handles {
		t.Cleanup(func() { h.Close() })
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	applied := make([][]string, len(handles))
	errs := make([]error, len(handles))
	for i, h := range handles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = h.Migrate(context.Background(), testutil.Migrations(t))
		}()
	}
	close(start)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	if total := len(applied[0]) + len(applied[1]); total != want || (len(applied[0]) != 0 && len(applied[1]) != 0) {
		t.Errorf("applied %v and %v, want %d migrations applied by one instance", applied[0], applied[1], want)
	}
	for i, h := range handles {
		if a, l := migrationState(t, h); a != want || l != 0 {
			t.Errorf("instance %d: %d migrations recorded (want %d), %d locks held", i, a, want, l)
		}
		// The schema is usable from both handles.
		if n := count(t, h.DB, (*model.Ticket)(nil), ""); n != 0 {
			t.Errorf("instance %d: %d tickets in a fresh database", i, n)
		}
	}
}
