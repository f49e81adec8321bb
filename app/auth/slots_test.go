package auth

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portico/app/testutil"
)

// testSlots checks that a and b, which may be one limiter or two sharing
// a store, hand out at most limit slots per key between them.
func testSlots(t *testing.T, a, b Slots) {
	ctx := context.Background()
	r1, ok1 := a.Acquire(ctx, "contact:1", 2, time.Minute)
	r2, ok2 := b.Acquire(ctx, "contact:1", 2, time.Minute)
	if !ok1 || !ok2 {
		t.Fatalf("first two slots refused: %v %v", ok1, ok2)
	}
	if _, ok := a.Acquire(ctx, "contact:1", 2, time.Minute); ok {
		t.Fatal("a third slot was given")
	}
	if _, ok := b.Acquire(ctx, "contact:1", 2, time.Minute); ok {
		t.Fatal("a third slot was given by the other instance")
	}
	if r, ok := a.Acquire(ctx, "contact:2", 2, time.Minute); !ok {
		t.Fatal("another key was refused")
	} else {
		r()
	}
	r1()
	r1() // a second release gives back nothing more
	r3, ok := b.Acquire(ctx, "contact:1", 2, time.Minute)
	if !ok {
		t.Fatal("a released slot was not given again")
	}
	if _, ok := a.Acquire(ctx, "contact:1", 2, time.Minute); ok {
		t.Fatal("a double release freed two slots")
	}
	r2()
	r3()
}

func TestSlotsMemory(t *testing.T) {
	l := NewMemoryLimiter()
	testSlots(t, l, l)
}

func TestSlotsRedis(t *testing.T) {
	c, prefix := testutil.Redis(t)
	t.Run("shared by instances", func(t *testing.T) {
		testSlots(t, &RedisLimiter{Client: c, Prefix: prefix + "slots:"}, &RedisLimiter{Client: c, Prefix: prefix + "slots:"})
	})
	t.Run("a release after expiry frees no extra slot", func(t *testing.T) {
		ctx := context.Background()
		l := &RedisLimiter{Client: c, Prefix: prefix + "expiry:"}
		release, ok := l.Acquire(ctx, "k", 1, time.Minute)
		if !ok {
			t.Fatal("refused")
		}
		if err := c.Del(ctx, prefix+"expiry:slots:k").Err(); err != nil {
			t.Fatal(err)
		}
		release()
		r, ok := l.Acquire(ctx, "k", 1, time.Minute)
		if !ok {
			t.Fatal("refused after expiry")
		}
		defer r()
		if _, ok := l.Acquire(ctx, "k", 1, time.Minute); ok {
			t.Fatal("the late release left room for two")
		}
	})
	t.Run("local while Redis is down", func(t *testing.T) {
		l := &RedisLimiter{Client: deadRedis(t), Prefix: prefix, Fallback: NewMemoryLimiter()}
		testSlots(t, l, l)
	})
}

// A Redis that stalls while a slot is taken runs the queued acquire once
// it goes on: that slot must be given back, not held until its ttl ends.
func TestSlotsRedisStalled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a redis-server")
	}
	srv := testutil.StartRedis(t)
	c := NewRedis(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { c.Close() })
	l := &RedisLimiter{Client: c, Prefix: "stall:", Fallback: NewMemoryLimiter()}
	ctx := context.Background()
	// A slot taken and given back first: the connection is pooled and the
	// script loaded, so that the stalled acquire is written to Redis and
	// runs there once it goes on, as it would in production.
	if r, ok := l.Acquire(ctx, "contact:1", 1, 10*time.Minute); !ok {
		t.Fatal("refused")
	} else {
		r()
	}

	srv.Freeze()
	release, ok := l.Acquire(ctx, "contact:1", 1, 10*time.Minute)
	if !ok {
		srv.Thaw()
		t.Fatal("refused while Redis stalled: the local slots should stand in")
	}
	release()
	srv.Thaw()

	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := c.ZCard(ctx, "stall:slots:contact:1").Result()
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stalled acquire still holds a slot in Redis (%d holders, %v)", n, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r, ok := l.Acquire(ctx, "contact:1", 1, 10*time.Minute)
	if !ok {
		t.Fatal("the only slot is still taken after Redis came back")
	}
	r()
}
