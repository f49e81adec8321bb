package core

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/metrics"
)

// localUnmatched marks a request that no route took.
const localUnmatched = "portico.unmatched"

// NotFound answers a request that no route took. It comes last.
func NotFound(c *fiber.Ctx) error {
	c.Locals(localUnmatched, true)
	return fiber.ErrNotFound
}

// RoutePattern is the pattern of the route that answered (such as
// /portal/tickets/:id), never the raw path, so that metrics keep a bounded
// set of labels; err is what the handlers returned. A request that matched
// no route is metrics.Unmatched.
func RoutePattern(c *fiber.Ctx, err error) string {
	if c.Locals(localUnmatched) != nil || errors.Is(err, fiber.ErrMethodNotAllowed) {
		return metrics.Unmatched
	}
	// Inside a handler chain the route is always one the app registered.
	return c.Route().Path
}

// loginOutcome names the result of a credentials check for metrics.
func loginOutcome(ok bool, err error) string {
	var limited *LimitedError
	switch {
	case err == ErrRateLimited || errors.As(err, &limited):
		return metrics.OutcomeRateLimited
	case err != nil:
		return metrics.OutcomeError
	case ok:
		return metrics.OutcomeSuccess
	}
	return metrics.OutcomeFailure
}

// loginArea names the area of a login scope for metrics.
func loginArea(scope string) string {
	if strings.HasPrefix(scope, "staff") {
		return metrics.AreaStaff
	}
	return metrics.AreaPortal
}

// countedSessions counts the session store's failures.
type countedSessions struct {
	auth.SessionStore
	m *metrics.Metrics
}

func (s countedSessions) count(err error) error {
	if err != nil {
		s.m.SessionStoreError()
	}
	return err
}

// Get implements auth.SessionStore.
func (s countedSessions) Get(ctx context.Context, id string) (*auth.Session, error) {
	se, err := s.SessionStore.Get(ctx, id)
	return se, s.count(err)
}

// Put implements auth.SessionStore.
func (s countedSessions) Put(ctx context.Context, id string, se *auth.Session, ttl time.Duration) error {
	return s.count(s.SessionStore.Put(ctx, id, se, ttl))
}

// Touch implements auth.SessionStore.
func (s countedSessions) Touch(ctx context.Context, id string, se *auth.Session, ttl time.Duration) error {
	return s.count(s.SessionStore.Touch(ctx, id, se, ttl))
}

// Delete implements auth.SessionStore.
func (s countedSessions) Delete(ctx context.Context, id string) error {
	return s.count(s.SessionStore.Delete(ctx, id))
}

// DeleteAccount implements auth.SessionStore.
func (s countedSessions) DeleteAccount(ctx context.Context, kind string, accountID int64) error {
	return s.count(s.SessionStore.DeleteAccount(ctx, kind, accountID))
}
