package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts attempts per key in fixed windows.
type Limiter interface {
	// Allow counts one attempt and reports whether it is within limit.
	Allow(ctx context.Context, key string, limit int, window time.Duration) bool
	// Exceeded reports, without counting, whether the key is over limit:
	// for limits that count only failures, checked before the attempt.
	Exceeded(ctx context.Context, key string, limit int, window time.Duration) bool
	// Backoffs holds growing waits after failures (backoff.go).
	Backoffs
}

// MemoryLimiter is a per-process fixed-window limiter.
type MemoryLimiter struct {
	mu      sync.Mutex
	windows map[string]memWindow
	slots   memorySlots

	boOnce sync.Once
	bo     *memBackoffs
}

type memWindow struct {
	n     int
	until time.Time
}

// NewMemoryLimiter returns an empty limiter.
func NewMemoryLimiter() *MemoryLimiter {
	return &MemoryLimiter{windows: map[string]memWindow{}}
}

// Allow implements Limiter.
func (m *MemoryLimiter) Allow(_ context.Context, key string, limit int, window time.Duration) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	pruneExpired(m.windows, now, func(w memWindow) time.Time { return w.until })
	w := m.windows[key]
	if now.After(w.until) {
		w = memWindow{until: now.Add(window)}
	}
	w.n++
	m.windows[key] = w
	return w.n <= limit
}

// Exceeded implements Limiter.
func (m *MemoryLimiter) Exceeded(_ context.Context, key string, limit int, _ time.Duration) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.windows[key]
	return ok && time.Now().Before(w.until) && w.n >= limit
}

// RedisLimiter shares counts across instances through Redis. When Redis
// cannot answer it falls back to a local limiter, never to no limit: the
// Fallback given, or one of its own when none is.
type RedisLimiter struct {
	Client   *redis.Client
	Prefix   string
	Fallback *MemoryLimiter

	localOnce sync.Once
	local     *MemoryLimiter
}

func (r *RedisLimiter) fallback() *MemoryLimiter {
	if r.Fallback != nil {
		return r.Fallback
	}
	r.localOnce.Do(func() { r.local = NewMemoryLimiter() })
	return r.local
}

// Allow implements Limiter.
func (r *RedisLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) bool {
	k := r.slotKey(key, window)
	var incr *redis.IntCmd
	_, err := r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.PExpire(ctx, k, window)
		return nil
	})
	if err != nil {
		return r.fallback().Allow(ctx, key, limit, window)
	}
	return incr.Val() <= int64(limit)
}

// Exceeded implements Limiter.
func (r *RedisLimiter) Exceeded(ctx context.Context, key string, limit int, window time.Duration) bool {
	n, err := r.Client.Get(ctx, r.slotKey(key, window)).Int64()
	if err != nil && err != redis.Nil {
		return r.fallback().Exceeded(ctx, key, limit, window)
	}
	return n >= int64(limit)
}

func (r *RedisLimiter) slotKey(key string, window time.Duration) string {
	slot := time.Now().UnixNano() / int64(window)
	return r.Prefix + "rl:" + key + ":" + strconv.FormatInt(slot, 10)
}

// pruneExpired drops the expired entries of an in-process table once it
// holds more than 10,000 keys, so that a flood of keys can't grow it
// without bound.
func pruneExpired[V any](m map[string]V, now time.Time, expires func(V) time.Time) {
	if len(m) <= 10000 {
		return
	}
	for k, v := range m {
		if now.After(expires(v)) {
			delete(m, k)
		}
	}
}
