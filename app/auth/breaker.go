package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrRedisUnavailable is returned, without asking Redis, while the circuit
// breaker is open: Redis failed several calls in a row and has not been
// seen answering since.
var ErrRedisUnavailable = errors.New("redis: unavailable (circuit open)")

// Redis call bounds: a frozen or unreachable Redis costs a request at
// most this long before the breaker opens, and nothing afterwards.
const (
	redisDialTimeout = 500 * time.Millisecond
	redisIOTimeout   = 300 * time.Millisecond
)

// NewRedis connects to Redis with short timeouts, no retries, and a
// circuit breaker, so that sessions and rate limits answer "try again"
// (or fall back) at once while Redis is down or frozen, and recover by
// themselves when it returns.
func NewRedis(opts *redis.Options) *redis.Client {
	opts.DialTimeout = redisDialTimeout
	opts.ReadTimeout, opts.WriteTimeout = redisIOTimeout, redisIOTimeout
	opts.PoolTimeout = redisIOTimeout
	opts.MaxRetries = -1 // a retry would double the wait for a frozen Redis
	opts.DialerRetries = 1
	c := redis.NewClient(opts)
	c.AddHook(NewBreaker(3, time.Second))
	return c
}

// Breaker is a circuit breaker for a Redis client (a redis.Hook). After
// Failures consecutive failed calls it opens: calls fail at once with
// ErrRedisUnavailable for Cooldown. Then one call is let through as a
// probe; its success closes the breaker, its failure opens it again.
type Breaker struct {
	failures int
	cooldown time.Duration

	mu        sync.Mutex
	fails     int
	openUntil time.Time
	probing   bool
}

// NewBreaker returns a closed breaker.
func NewBreaker(failures int, cooldown time.Duration) *Breaker {
	return &Breaker{failures: max(failures, 1), cooldown: cooldown}
}

// Open reports whether calls are refused now.
func (b *Breaker) Open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().Before(b.openUntil) || b.probing
}

// allow tells whether a call may go to Redis, and whether it is the probe.
func (b *Breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		return false, nil
	case b.probing || time.Now().Before(b.openUntil):
		return false, ErrRedisUnavailable
	}
	b.probing = true
	return true, nil
}

// record notes a call's result.
func (b *Breaker) record(probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if !failure(err) {
		b.fails, b.openUntil = 0, time.Time{}
		return
	}
	b.fails++
	if probe || b.fails >= b.failures {
		b.openUntil = time.Now().Add(b.cooldown)
	}
}

// failure tells whether err says that Redis is unreachable or not
// answering; a reply (even an error reply or a missing key) is an answer,
// and a caller that gave up says nothing about Redis.
func failure(err error) bool {
	var re redis.Error
	switch {
	case err == nil, errors.Is(err, redis.Nil), errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &re):
		return false
	}
	return true // a timeout, a refused or broken connection, a full pool
}

// DialHook implements redis.Hook.
func (b *Breaker) DialHook(next redis.DialHook) redis.DialHook { return next }

// passed marks the context of a call the breaker let through: the
// commands that set up a new connection for it (HELLO, AUTH, SELECT) run
// with that context and are part of the call, never refused on their own.
type passed struct{}

// ProcessHook implements redis.Hook.
func (b *Breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(passed{}) != nil {
			return next(ctx, cmd)
		}
		probe, err := b.allow()
		if err != nil {
			cmd.SetErr(err)
			return err
		}
		err = next(context.WithValue(ctx, passed{}, true), cmd)
		b.record(probe, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (b *Breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(passed{}) != nil {
			return next(ctx, cmds)
		}
		probe, err := b.allow()
		if err != nil {
			for _, cmd := range cmds {
				cmd.SetErr(err)
			}
			return err
		}
		err = next(context.WithValue(ctx, passed{}, true), cmds)
		b.record(probe, err)
		return err
	}
}
