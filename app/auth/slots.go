package auth

import (
	"context"
	"crypto/rand"
	"errors"
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

// acquireSlot takes a slot for one holder: the key is a sorted set of
// holder tokens scored by when they expire. Expired holders (instances
// that died holding a slot) are dropped first; the token is added only
// while fewer than the limit hold one. ARGV: token, limit, ttl in ms.
var acquireSlot = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`)

// Acquire implements Slots across instances: each holder is a token in a
// sorted set per key, dropped on release or ttl after it was taken in
// case its holder dies. When Redis cannot answer, the slots of this
// process stand in, and the token is taken back once Redis answers
// again: a stalled Redis may still run the acquire it was sent, and that
// slot must not stay held until the ttl ends.
func (r *RedisLimiter) Acquire(ctx context.Context, key string, limit int, ttl time.Duration) (func(), bool) {
	k := r.Prefix + "slots:" + key
	token := rand.Text()
	ok, err := acquireSlot.Run(ctx, r.Client, []string{k}, token, limit, ttl.Milliseconds()).Int()
	if err != nil {
		if !errors.Is(err, ErrRedisUnavailable) { // the breaker sent nothing
			go r.dropToken(context.WithoutCancel(ctx), k, token, ttl)
		}
		return r.fallback().Acquire(ctx, key, limit, ttl)
	}
	if ok == 0 {
		return nil, false
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// The request's context may be over by now.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := r.Client.ZRem(rctx, k, token).Err(); err != nil {
				go r.dropToken(context.WithoutCancel(ctx), k, token, ttl)
			}
		})
	}, true
}

// dropTokenWaits are the pauses before each attempt to take back a token
// whose acquire or release got no answer.
var dropTokenWaits = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// dropToken removes a holder's token from the slots of k, trying again
// while Redis does not answer, for at most the token's own ttl. A removal
// that finds nothing is tried again too: the acquire may still be queued.
func (r *RedisLimiter) dropToken(ctx context.Context, k, token string, ttl time.Duration) {
	var waited time.Duration
	for _, wait := range dropTokenWaits {
		if waited += wait; waited > ttl {
			return
		}
		time.Sleep(wait)
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		n, err := r.Client.ZRem(rctx, k, token).Result()
		cancel()
		if err == nil && n > 0 {
			return
		}
	}
}
