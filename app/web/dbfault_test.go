package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"portico/app/testutil"
)

// After every database connection's backend is terminated (as a failover
// or a restart does), the next requests all succeed: no pooled dead
// connection fails one of them with a 500.
func TestTerminatedConnectionsFailNoRequest(t *testing.T) {
	t.Parallel()
	st := testutil.Postgres(t)
	h := newHarnessOn(t, st)
	c := h.client()
	c.login(ana)
	ctx := context.Background()
	for round := range 3 {
		// Fill the pool: concurrent pages each hold a connection for a while.
		done := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := st.DB.ExecContext(ctx, "SELECT pg_sleep(0.05)")
				done <- err
			}()
		}
		for range 8 {
			if err := <-done; err != nil {
				t.Fatalf("round %d: a statement after the terminations: %v", round, err)
			}
		}
		// One pooled connection, pinned, terminates all the others.
		admin, err := st.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var killed int
		err = admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed)
		if err != nil || killed == 0 {
			t.Fatalf("terminated %d backends: %v", killed, err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var n int
			if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("backends still there")
			}
		}
		admin.Close()
		for i := range 40 {
			path := "/portal/tickets"
			if i%2 == 1 {
				path = fmt.Sprintf("/portal/tickets?status=closed&page=%d", i%3+1)
			}
			if res, _ := c.get(path, i%4 == 0); res.StatusCode != http.StatusOK {
				t.Fatalf("round %d, request %d after the terminations: %d", round, i, res.StatusCode)
			}
		}
	}
}
