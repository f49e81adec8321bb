package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portico/app/testutil"
)

// deadRedis is a client on a port where nothing listens, that fails fast.
func deadRedis(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { c.Close() })
	return c
}

// allowed counts how many of n attempts are allowed.
func allowed(l Limiter, key string, n, limit int, window time.Duration) int {
	ok := 0
	for range n {
		if l.Allow(context.Background(), key, limit, window) {
			ok++
		}
	}
	return ok
}

func testLimiter(t *testing.T, newLimiter func() Limiter) {
	t.Run("limit per key", func(t *testing.T) {
		l := newLimiter()
		if got := allowed(l, "a", 8, 5, time.Minute); got != 5 {
			t.Errorf("%d of 8 allowed, want 5", got)
		}
		if got := allowed(l, "b", 3, 5, time.Minute); got != 3 {
			t.Errorf("another key: %d of 3 allowed", got)
		}
		if got := allowed(l, "a", 1, 5, time.Minute); got != 0 {
			t.Error("the limited key is allowed again")
		}
	})
	t.Run("window", func(t *testing.T) {
		l := newLimiter()
		w := 400 * time.Millisecond
		allowed(l, "w", 3, 2, w)
		time.Sleep(2*w + 50*time.Millisecond)
		if got := allowed(l, "w", 1, 2, w); got != 1 {
			t.Error("still limited after the window")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		l := newLimiter()
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := allowed(l, "c", 10, 25, time.Minute)
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != 25 {
			t.Errorf("%d of 80 concurrent attempts allowed, want 25", total)
		}
	})
}

func TestLimiterMemory(t *testing.T) {
	t.Parallel()
	testLimiter(t, func() Limiter { return NewMemoryLimiter() })
}

func TestLimiterRedis(t *testing.T) {
	t.Parallel()
	c, prefix := testutil.Redis(t)
	n := 0
	testLimiter(t, func() Limiter {
		n++ // a fresh key space for each subtest
		return &RedisLimiter{Client: c, Prefix: prefix + string(rune('a'+n)) + ":", Fallback: NewMemoryLimiter()}
	})

	t.Run("shared across instances", func(t *testing.T) {
		// Two instances, each with its own fallback, share one count.
		a := &RedisLimiter{Client: c, Prefix: prefix + "shared:", Fallback: NewMemoryLimiter()}
		b := &RedisLimiter{Client: c, Prefix: prefix + "shared:", Fallback: NewMemoryLimiter()}
		got := 0
		for i := range 10 {
			l := a
			if i%2 == 1 {
				l = b
			}
			if l.Allow(context.Background(), "login:acct:ana@acme.example", 6, time.Minute) {
				got++
			}
		}
		if got != 6 {
			t.Errorf("%d of 10 allowed across two instances, want 6", got)
		}
	})

	t.Run("falls back when Redis is down", func(t *testing.T) {
		l := &RedisLimiter{Client: deadRedis(t), Prefix: prefix, Fallback: NewMemoryLimiter()}
		if got := allowed(l, "down", 6, 3, time.Minute); got != 3 {
			t.Errorf("%d of 6 allowed with Redis down, want 3 (the local limit)", got)
		}
	})

	t.Run("falls back without a configured fallback", func(t *testing.T) {
		l := &RedisLimiter{Client: deadRedis(t), Prefix: prefix}
		var got int
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic with Redis down and no Fallback: %v", r)
				}
			}()
			got = allowed(l, "down", 6, 3, time.Minute)
		}()
		if got != 3 {
			t.Errorf("%d of 6 allowed, want 3", got)
		}
	})
}
