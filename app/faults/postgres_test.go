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
	waitKeeping(t, r, "before the restart")
	file := make([]byte, 48<<10)
	_, _ = rand.Read(file)
	out := runLoad(t, r, "pg", 8, file, time.Second, 2*time.Second, func() {
		r.pg.Restart()
	})
	check(t, r, "pg", out, len(file))
	// The listener of contacts' changes came back with Postgres.
	waitKeeping(t, r, "after the restart")
}

// waitKeeping waits, 10 s at most, until the store keeps contacts between
// requests.
func waitKeeping(t *testing.T, r *rig, when string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !r.st.KeepsContacts(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: contacts are not kept", when)
		}
	}
}
