package core

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Limits on what a logged-in contact may post, per contact and per client
// address, each in an hour. Every reply and every support-form ticket
// queues staff mail, so they are bounded like logins are.
const (
	ReplyLimitPerContact = 30
	ReplyLimitPerIP      = 60
	FormLimitPerContact  = 20
	FormLimitPerIP       = 30
)

// PostLimits are the limits a server runs with, each in an hour; the
// defaults are the constants above.
type PostLimits struct {
	ReplyPerContact, ReplyPerIP int
	FormPerContact, FormPerIP   int
}

// DefaultPostLimits are the limits Portico runs with.
func DefaultPostLimits() PostLimits {
	return PostLimits{ReplyPerContact: ReplyLimitPerContact, ReplyPerIP: ReplyLimitPerIP,
		FormPerContact: FormLimitPerContact, FormPerIP: FormLimitPerIP}
}

// AllowContactPost counts one post of an action by the logged-in contact,
// against its limit per contact and per client address, in the shared
// limiter (Redis, or the local fallback). Both are counted, so that one
// contact spread over many addresses, or many contacts behind one, run
// into a limit alike.
func (s *Core) AllowContactPost(c *fiber.Ctx, action string, perContact, perIP int) bool {
	ctx := c.UserContext()
	byContact := s.Limiter.Allow(ctx, action+":contact:"+strconv.FormatInt(ContactOf(c).ID, 10), perContact, time.Hour)
	byIP := s.Limiter.Allow(ctx, action+":ip:"+IP(c), perIP, time.Hour)
	return byContact && byIP
}

// LimitedError refuses a request for a while: it answers 429 with the
// wait in Retry-After.
type LimitedError struct{ Wait time.Duration }

func (e *LimitedError) Error() string { return "rate limited for " + e.Wait.String() }

// retryAfter is a wait in whole seconds, at least one.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(int64((d+time.Second-1)/time.Second), 1), 10)
}
