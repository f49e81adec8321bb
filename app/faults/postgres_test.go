package faults

import (
	"crypto/rand"
	"testing"
	"time"
)

// Postgres restarted (fast shutdown) while customers reply with
// attachments: every reply is whole or absent, customers see "try again"
// or their reply form again, never a 500, and the portal recovers without
// a restart.
func TestPostgresRestartedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test")
	}
	r := startRig(t, false)
	file := make([]byte, 48<<10)
	_, _ = rand.Read(file)
	out := runLoad(t, r, "pg", 8, file, time.Second, 2*time.Second, func() {
		r.pg.Restart()
	})
	check(t, r, "pg", out, len(file))
}
