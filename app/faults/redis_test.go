package faults

import (
	"crypto/rand"
	"testing"
	"time"
)

// Redis killed while customers reply, and started again (empty: its
// sessions are gone): customers see "try again" and then the login page,
// never a 500; every reply is whole or absent, and after logging in again
// they reply as before, without a restart of Portico.
func TestRedisKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test")
	}
	r := startRig(t, true)
	file := make([]byte, 48<<10)
	_, _ = rand.Read(file)
	out := runLoad(t, r, "redis", 6, file, time.Second, 2*time.Second, func() {
		r.redis.Kill()
		time.Sleep(time.Second)
		r.redis.Start()
	})
	check(t, r, "redis", out, len(file))
}

// A frozen Redis (SIGSTOP): requests answer "try again" while it is
// frozen, and the portal serves again once it goes on.
func TestRedisFrozenUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test")
	}
	r := startRig(t, true)
	file := make([]byte, 16<<10)
	_, _ = rand.Read(file)
	out := runLoad(t, r, "frozen", 6, file, time.Second, 2*time.Second, func() {
		r.redis.Freeze()
		time.Sleep(2 * time.Second)
		r.redis.Thaw()
	})
	check(t, r, "frozen", out, len(file))
}
