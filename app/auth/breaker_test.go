package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portico/app/testutil"
)

// A frozen Redis opens the breaker after a few failed calls: from then on
// calls are refused without asking Redis, so a request answers "try again"
// at once. When Redis goes on, sessions are served again by themselves.
func TestBreakerFrozenRedis(t *testing.T) {
	srv := testutil.StartRedis(t)
	c := NewRedis(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	s := &RedisSessions{Client: c, Prefix: "t:"}
	ctx := context.Background()
	now := time.Now()
	if err := s.Put(ctx, "sid-1", &Session{Kind: KindContact, AccountID: 7, CreatedAt: now, LastSeen: now}, time.Hour); err != nil {
		t.Fatal(err)
	}

	srv.Freeze()
	open := false
	for i := 0; i < 10 && !open; i++ {
		se, err := s.Get(ctx, "sid-1")
		if err == nil || se != nil {
			t.Fatalf("a frozen Redis answered a session: %v %v", se, err)
		}
		open = errors.Is(err, ErrRedisUnavailable)
	}
	if !open {
		t.Fatal("the breaker did not open")
	}
	// Open: every call is refused without touching Redis, sessions and
	// pipelines alike.
	for range 20 {
		if _, err := s.Get(ctx, "sid-1"); !errors.Is(err, ErrRedisUnavailable) {
			t.Fatalf("open breaker let a call through: %v", err)
		}
	}
	if err := s.Put(ctx, "sid-2", &Session{Kind: KindContact, AccountID: 8, CreatedAt: now, LastSeen: now}, time.Hour); !errors.Is(err, ErrRedisUnavailable) {
		t.Fatalf("open breaker let a pipeline through: %v", err)
	}
	// The limiter falls back to its local limits, never to none.
	l := &RedisLimiter{Client: c, Prefix: "t:", Fallback: NewMemoryLimiter()}
	if !l.Allow(ctx, "k", 1, time.Minute) || l.Allow(ctx, "k", 1, time.Minute) {
		t.Error("the limiter does not fall back to a local limit")
	}

	srv.Thaw()
	deadline := time.Now().Add(15 * time.Second)
	for {
		se, err := s.Get(ctx, "sid-1")
		if err == nil {
			if se == nil || se.AccountID != 7 {
				t.Fatalf("after recovery: %+v", se)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A killed Redis opens the breaker; a restarted one closes it again.
func TestBreakerRedisRestarted(t *testing.T) {
	srv := testutil.StartRedis(t)
	c := NewRedis(&redis.Options{Addr: srv.Addr})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	var err error
	for range 10 {
		if err = c.Ping(ctx).Err(); errors.Is(err, ErrRedisUnavailable) {
			break
		}
	}
	if !errors.Is(err, ErrRedisUnavailable) {
		t.Fatalf("breaker still closed: %v", err)
	}
	srv.Start()
	deadline := time.Now().Add(15 * time.Second)
	for c.Ping(ctx).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no recovery after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Answers are never failures: a missing key or an error reply keeps the
// breaker closed.
func TestBreakerCountsOnlyFailures(t *testing.T) {
	b := NewBreaker(2, time.Hour)
	for range 5 {
		b.record(false, redis.Nil)
		b.record(false, context.Canceled)
	}
	if b.Open() {
		t.Fatal("answers opened the breaker")
	}
	b.record(false, errors.New("i/o timeout"))
	b.record(false, nil)
	b.record(false, errors.New("i/o timeout"))
	if b.Open() {
		t.Fatal("failures that were not consecutive opened the breaker")
	}
	b.record(false, errors.New("i/o timeout"))
	if !b.Open() {
		t.Fatal("two failures in a row left it closed")
	}
}
