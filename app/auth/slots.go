package auth

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Slots bounds how many operations per key run at the same time, such as
// one contact's uploads. Both limiters implement it: in process, or shared
// by every instance through Redis.
type Slots interface {
	// Acquire takes one of limit slots of the key and reports whether one
	// was free. A slot taken must be given back with the release returned.
	// ttl bounds how long a slot outlives a holder that died without
	// releasing it (Redis only; a process's own slots die with it).
	Acquire(ctx context.Context, key string, limit int, ttl time.Duration) (release func(), ok bool)
}

// memorySlots counts the slots in use per key, in this process.
type memorySlots struct {
	mu    sync.Mutex
	inUse map[string]int
}

func (m *memorySlots) acquire(key string, limit int) (func(), bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inUse == nil {
		m.inUse = map[string]int{}
	}
	if m.inUse[key] >= limit {
		return nil, false
	}
	m.inUse[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.inUse[key]--; m.inUse[key] <= 0 {
				delete(m.inUse, key)
			}
		})
	}, true
}

// Acquire implements Slots, for this process only.
func (m *MemoryLimiter) Acquire(_ context.Context, key string, limit int, _ time.Duration) (func(), bool) {
	return m.slots.acquire(key, limit)
}

// releaseSlot gives back one slot, never taking the count below zero
// (the key may have expired while its holder ran).
var releaseSlot = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0`)

// Acquire implements Slots across instances: a counter per key in Redis,
// which expires ttl after the last acquire in case a holder dies. When
// Redis cannot answer, the slots of this process stand in.
func (r *RedisLimiter) Acquire(ctx context.Context, key string, limit int, ttl time.Duration) (func(), bool) {
	k := r.Prefix + "slots:" + key
	var incr *redis.IntCmd
	_, err := r.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.PExpire(ctx, k, ttl)
		return nil
	})
	if err != nil {
		return r.fallback().Acquire(ctx, key, limit, ttl)
	}
	release := func() {
		// The request's context may be over by now.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = releaseSlot.Run(rctx, r.Client, []string{k}).Err()
	}
	if incr.Val() > int64(limit) {
		release()
		return nil, false
	}
	var once sync.Once
	return func() { once.Do(release) }, true
}
