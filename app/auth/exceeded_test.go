package auth

import (
	"context"
	"testing"
	"time"

	"portico/app/testutil"
)

// Exceeded reads the count without adding to it, so a limit that counts
// only failures can be checked before each attempt.
func checkExceeded(t *testing.T, l Limiter) {
	ctx := context.Background()
	key := "failures:" + t.Name()
	for i := range 20 {
		if l.Exceeded(ctx, key, 3, time.Minute) {
			t.Fatalf("peek %d: exceeded without any failure counted", i)
		}
	}
	for range 3 {
		l.Allow(ctx, key, 3, time.Minute)
	}
	if !l.Exceeded(ctx, key, 3, time.Minute) {
		t.Fatal("three failures of three allowed: exceeded")
	}
	if l.Exceeded(ctx, key+"-other", 3, time.Minute) {
		t.Fatal("another key is not affected")
	}
}

func TestExceededMemory(t *testing.T) { checkExceeded(t, NewMemoryLimiter()) }

func TestExceededRedis(t *testing.T) {
	c, prefix := testutil.Redis(t)
	checkExceeded(t, &RedisLimiter{Client: c, Prefix: prefix})
}
