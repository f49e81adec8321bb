package auth

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portico/app/testutil"
)

func TestBackoffWaits(t *testing.T) {
	t.Parallel()
	b := Backoff{Free: 3, Base: 2 * time.Second, Max: 30 * time.Second}
	want := []time.Duration{0, 0, 0, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := b.waitAfter(i + 1); got != w {
			t.Errorf("failure %d: wait %v, want %v", i+1, got, w)
		}
	}
}

// Free failures cost nothing; then each failure makes the key wait, and
// only that key; a success forgets the failures.
func checkBackoff(t *testing.T, l Limiter) {
	ctx := context.Background()
	key := "bo:" + t.Name()
	b := Backoff{Free: 2, Base: time.Minute, Max: time.Hour, Memory: time.Hour}
	for i := range 2 {
		if w := l.Fail(ctx, key, b); w != 0 {
			t.Fatalf("free failure %d: wait %v", i, w)
		}
		if w := l.Wait(ctx, key); w != 0 {
			t.Fatalf("after free failure %d: wait %v", i, w)
		}
	}
	if w := l.Fail(ctx, key, b); w != time.Minute {
		t.Fatalf("third failure: wait %v, want 1m", w)
	}
	if w := l.Wait(ctx, key); w <= 50*time.Second || w > time.Minute {
		t.Fatalf("waiting: %v", w)
	}
	if w := l.Fail(ctx, key, b); w != 2*time.Minute {
		t.Fatalf("fourth failure: wait %v, want 2m", w)
	}
	if w := l.Wait(ctx, key+"-other"); w != 0 {
		t.Fatalf("another key waits %v", w)
	}
	l.Reset(ctx, key)
	if w := l.Wait(ctx, key); w != 0 {
		t.Fatalf("after a success: wait %v", w)
	}
	if w := l.Fail(ctx, key, b); w != 0 {
		t.Fatalf("the count was not forgotten: wait %v", w)
	}
}

func TestBackoffMemory(t *testing.T) { t.Parallel(); checkBackoff(t, NewMemoryLimiter()) }

func TestBackoffRedis(t *testing.T) {
	t.Parallel()
	c, prefix := testutil.Redis(t)
	checkBackoff(t, &RedisLimiter{Client: c, Prefix: prefix})
	// Redis down: the local fallback holds the waits, never no limit.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { dead.Close() })
	checkBackoff(t, &RedisLimiter{Client: dead, Prefix: prefix})
}
