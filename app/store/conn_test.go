package store_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// After every pooled connection's backend is terminated (as a Postgres
// restart or a failover does), the next statements, transactions and
// prepared reads all succeed: the dead connections are found and
// replaced, none fails a request.
func TestDeadPooledConnectionsAreReplaced(t *testing.T) {
	url := testutil.PostgresURL(t)
	st, err := store.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.NewInsert().Model(&model.Contact{Email: "dead@example.com", Name: "D"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var contactID int64
	if err := st.DB.NewSelect().Model((*model.Contact)(nil)).Column("id").Limit(1).Scan(ctx, &contactID); err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url)))
	defer admin.Close()
	admin.SetMaxOpenConns(1)

	for round := range 3 {
		// Fill the pool with idle connections, each with its prepared read.
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					_, err := tx.ExecContext(ctx, "SELECT pg_sleep(0.05)")
					return err
				})
				_, _ = st.Contact(ctx, contactID)
			}()
		}
		wg.Wait()
		if idle := st.DB.Stats().Idle; idle < 4 {
			t.Fatalf("round %d: only %d idle connections to kill", round, idle)
		}
		var killed int
		err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed)
		if err != nil || killed < 4 {
			t.Fatalf("round %d: terminated %d backends: %v", round, killed, err)
		}
		waitGone(t, admin)

		// Every kind of use, sequentially and then together.
		use := func() error {
			if _, err := st.DB.NewSelect().Model((*model.Contact)(nil)).Count(ctx); err != nil {
				return err
			}
			if _, err := st.Contact(ctx, contactID); err != nil {
				return err
			}
			return st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewUpdate().Model((*model.Contact)(nil)).Set("name = name").Where("id = ?", contactID).Exec(ctx)
				return err
			})
		}
		for i := range 3 {
			if err := use(); err != nil {
				t.Fatalf("round %d, request %d after the terminations: %v", round, i, err)
			}
		}
		errs := make(chan error, 12)
		for range 12 {
			go func() { errs <- use() }()
		}
		for range 12 {
			if err := <-errs; err != nil {
				t.Errorf("round %d, concurrent request: %v", round, err)
			}
		}
	}
}

// waitGone waits until the terminated backends have exited.
func waitGone(t *testing.T, admin *sql.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends still there", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIsUnavailable(t *testing.T) {
	st, err := store.Open("postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Ping(context.Background())
	if err == nil || !store.IsUnavailable(err) {
		t.Fatalf("a refused connection: %v", err)
	}
	if store.IsUnavailable(store.ErrNotFound) || store.IsUnavailable(sql.ErrNoRows) {
		t.Error("not found is not unavailable")
	}
	sq := testutil.SQLite(t)
	_, err = sq.DB.ExecContext(context.Background(), "SELECT * FROM no_such_table")
	if err == nil || store.IsUnavailable(err) {
		t.Errorf("a bad statement: %v", err)
	}
}

// TestGenericPlans checks that the portal's connections plan prepared
// reads once, and that the database URL can still choose otherwise.
func TestGenericPlans(t *testing.T) {
	base := testutil.PostgresURL(t)
	for _, c := range []struct{ suffix, want string }{
		{"", "force_generic_plan"},
		{"plan_cache_mode=auto&application_name=portico-test", "auto"},
	} {
		u := base
		if c.suffix != "" {
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			u += sep + c.suffix
		}
		st, err := store.Open(u, "")
		if err != nil {
			t.Fatal(err)
		}
		var got, app string
		if err := st.DB.NewRaw("SELECT current_setting('plan_cache_mode'), current_setting('application_name')").Scan(context.Background(), &got, &app); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if got != c.want {
			t.Errorf("URL %q: plan_cache_mode %q, want %q", u, got, c.want)
		}
		if c.suffix != "" && app != "portico-test" {
			t.Errorf("URL %q: the URL's other parameters were dropped (application_name %q)", u, app)
		}
	}
}
