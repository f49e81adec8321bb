package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backoff is a growing wait after repeated failures under one key: the
// first Free failures cost nothing, then each one more doubles the wait,
// from Base up to Max. The count is forgotten Memory after the last
// failure, or at once by a success (Reset).
type Backoff struct {
	Free      int
	Base, Max time.Duration
	Memory    time.Duration
}

// waitAfter is the wait that the n-th failure imposes.
func (b Backoff) waitAfter(n int) time.Duration {
	if n <= b.Free {
		return 0
	}
	w := b.Base
	for i := b.Free + 1; i < n && w < b.Max; i++ {
		w *= 2
	}
	return min(w, b.Max)
}

// Backoffs holds the waits of failing keys. Both limiters implement it.
type Backoffs interface {
	// Wait is how long the key must still wait, or 0.
	Wait(ctx context.Context, key string) time.Duration
	// Fail counts one failure under the key and returns the wait it
	// imposes from now.
	Fail(ctx context.Context, key string, b Backoff) time.Duration
	// Reset forgets the key's failures.
	Reset(ctx context.Context, key string)
}

type memBackoff struct {
	n       int
	until   time.Time // no attempt before
	forgets time.Time // the count is dropped after
}

type memBackoffs struct {
	mu   sync.Mutex
	keys map[string]memBackoff
}

func (m *MemoryLimiter) backoffs() *memBackoffs {
	m.boOnce.Do(func() { m.bo = &memBackoffs{keys: map[string]memBackoff{}} })
	return m.bo
}

// Wait implements Backoffs.
func (m *MemoryLimiter) Wait(_ context.Context, key string) time.Duration {
	bo := m.backoffs()
	bo.mu.Lock()
	defer bo.mu.Unlock()
	e, ok := bo.keys[key]
	if !ok {
		return 0
	}
	return max(time.Until(e.until), 0)
}

// Fail implements Backoffs.
func (m *MemoryLimiter) Fail(_ context.Context, key string, b Backoff) time.Duration {
	bo := m.backoffs()
	bo.mu.Lock()
	defer bo.mu.Unlock()
	now := time.Now()
	pruneExpired(bo.keys, now, func(e memBackoff) time.Time { return e.forgets })
	e := bo.keys[key]
	if now.After(e.forgets) {
		e = memBackoff{}
	}
	e.n++
	w := b.waitAfter(e.n)
	e.until = now.Add(w)
	e.forgets = now.Add(max(b.Memory, w))
	bo.keys[key] = e
	return w
}

// Reset implements Backoffs.
func (m *MemoryLimiter) Reset(_ context.Context, key string) {
	bo := m.backoffs()
	bo.mu.Lock()
	defer bo.mu.Unlock()
	delete(bo.keys, key)
}

// Wait implements Backoffs: the time to live of the key's wait marker.
func (r *RedisLimiter) Wait(ctx context.Context, key string) time.Duration {
	d, err := r.Client.PTTL(ctx, r.boKey(key)+":wait").Result()
	if err != nil {
		return r.fallback().Wait(ctx, key)
	}
	return max(d, 0)
}

// Fail implements Backoffs. The count and the wait marker are two keys
// that expire by themselves, so nothing is left behind.
func (r *RedisLimiter) Fail(ctx context.Context, key string, b Backoff) time.Duration {
	k := r.boKey(key)
	var incr *redis.IntCmd
	_, err := r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.PExpire(ctx, k, b.Memory)
		return nil
	})
	if err != nil {
		return r.fallback().Fail(ctx, key, b)
	}
	w := b.waitAfter(int(incr.Val()))
	if w > 0 {
		if err := r.Client.Set(ctx, k+":wait", strconv.Itoa(int(incr.Val())), w).Err(); err != nil {
			return r.fallback().Fail(ctx, key, b)
		}
		// The count outlives the longest wait.
		r.Client.PExpire(ctx, k, max(b.Memory, w))
	}
	return w
}

// Reset implements Backoffs.
func (r *RedisLimiter) Reset(ctx context.Context, key string) {
	k := r.boKey(key)
	if err := r.Client.Del(ctx, k, k+":wait").Err(); err != nil {
		r.fallback().Reset(ctx, key)
	}
}

func (r *RedisLimiter) boKey(key string) string { return r.Prefix + "bo:" + key }
