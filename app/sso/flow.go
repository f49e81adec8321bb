package sso

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
	"portico/app/web/core"
)

// ErrReplay is UseOnce's answer for a value used before.
var ErrReplay = store.ErrReplay

// ErrNoFlow is TakeFlow's answer for a state this session did not start,
// or started too long ago.
var ErrNoFlow = errors.New("sso: no such sign-in under way")

// flowTTL bounds how long a visitor may take at the provider.
const flowTTL = 10 * time.Minute

// maxFlows bounds the sign-ins one session may have under way.
const maxFlows = 8

// Flow is one sign-in under way at a provider, kept in the visitor's
// session under its state until the provider sends the browser back.
type Flow struct {
	State     string `json:"-"`
	Provider  string `json:"p"`           // the provider's slug
	ReturnTo  string `json:"r,omitempty"` // a same-origin path
	Test      bool   `json:"t,omitempty"` // an admin's test sign-in: report, don't log in
	Nonce     string `json:"n,omitempty"`
	Verifier  string `json:"v,omitempty"` // PKCE code verifier
	RequestID string `json:"i,omitempty"` // e.g. a SAML AuthnRequest ID
	Expires   int64  `json:"e"`           // unix seconds
}

// NewState returns a random value for a state, nonce or verifier.
func NewState() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// UseOnce records a one-time value of a kind ("state", "nonce", "jti",
// "saml_id"…) until it expires by itself, and answers ErrReplay when it
// was used before, on any instance: the database's unique key decides.
func (s *Service) UseOnce(ctx context.Context, kind, key string, until time.Time) error {
	return store.UseOnce(ctx, s.Store.DB, kind, key, until)
}

// newFlow starts a flow for the provider.
func (s *Service) newFlow(p *Provider, returnTo string, test bool) *Flow {
	state := NewState()
	if test {
		state = testStatePrefix + state + "." + s.testSig(p, state)
	}
	return &Flow{State: state, Provider: p.Slug, ReturnTo: core.SafeNext(returnTo, ""), Test: test,
		Expires: s.Now().Add(flowTTL).Unix()}
}

// testStatePrefix starts the state of an admin's test sign-in, which is
// signed with the secret key for its provider.
const testStatePrefix = "t."

// IsTestState tells whether a state is one of an admin's test sign-ins of
// the provider, from its signature alone: a disabled provider's endpoint
// answers 404 to anything else before it reads a session.
func (s *Service) IsTestState(p *Provider, state string) bool {
	rest, ok := strings.CutPrefix(state, testStatePrefix)
	if !ok {
		return false
	}
	r, sig, ok := strings.Cut(rest, ".")
	return ok && hmac.Equal([]byte(sig), []byte(s.testSig(p, r)))
}

// PutFlow stores the flow in the visitor's portal session, creating a
// pending session for a visitor not logged in.
func (s *Service) PutFlow(c *fiber.Ctx, f *Flow) error {
	ctx, sid := c.UserContext(), s.portalSID(c)
	se, err := s.Sessions.Get(ctx, sid)
	if err != nil {
		return core.ErrUnavailable
	}
	now := s.Now()
	ttl := flowTTL
	if se == nil {
		se = &auth.Session{Kind: auth.KindPending, CreatedAt: now, LastSeen: now}
	} else if se.Kind != auth.KindPending {
		// A live session keeps its own lifetime.
		ttl = max(flowTTL, s.MaxLifetime(core.SettingsOf(c))-now.Sub(se.CreatedAt))
	}
	if se.Flows == nil {
		se.Flows = map[string]string{}
	}
	for k, v := range se.Flows {
		var old Flow
		if json.Unmarshal([]byte(v), &old) != nil || old.Expires < now.Unix() {
			delete(se.Flows, k)
		}
	}
	if len(se.Flows) >= maxFlows {
		se.Flows = map[string]string{}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("sso: unable to encode flow: %w", err)
	}
	se.Flows[f.State] = string(b)
	if err := s.Sessions.Put(ctx, sid, se, ttl); err != nil {
		return core.ErrUnavailable
	}
	return nil
}

// TakeFlow removes and returns the flow of the state from the visitor's
// portal session. It is single-use twice over: gone from the session,
// and the state recorded as used for every instance. A cross-site POST
// carries no (SameSite=Lax) session cookie: such a callback must first
// send the browser to a GET of the portal.
func (s *Service) TakeFlow(c *fiber.Ctx, state string) (*Flow, error) {
	ctx, sid := c.UserContext(), s.portalSID(c)
	if state == "" || sid == "" {
		return nil, ErrNoFlow
	}
	se, err := s.Sessions.Get(ctx, sid)
	if err != nil {
		return nil, core.ErrUnavailable
	}
	if se == nil || se.Flows[state] == "" {
		return nil, ErrNoFlow
	}
	f := &Flow{State: state}
	if err := json.Unmarshal([]byte(se.Flows[state]), f); err != nil {
		return nil, ErrNoFlow
	}
	delete(se.Flows, state)
	now := s.Now()
	switch {
	case se.Kind == auth.KindPending && len(se.Flows) == 0:
		if err := s.Sessions.Delete(ctx, sid); err != nil {
			return nil, core.ErrUnavailable
		}
	default:
		ttl := flowTTL
		if se.Kind != auth.KindPending {
			ttl = max(flowTTL, s.MaxLifetime(core.SettingsOf(c))-now.Sub(se.CreatedAt))
		}
		if err := s.Sessions.Put(ctx, sid, se, ttl); err != nil {
			return nil, core.ErrUnavailable
		}
	}
	if f.Expires < now.Unix() {
		return nil, ErrNoFlow
	}
	if err := s.UseOnce(ctx, "state", state, time.Unix(f.Expires, 0)); err != nil {
		return nil, err
	}
	return f, nil
}

// portalSID is the visitor's portal session ID: the one LoadSession read
// on portal routes, or, on a back-office route, the portal cookie's
// (one is set when missing), so that an admin's test sign-in comes back
// to the portal's session.
func (s *Service) portalSID(c *fiber.Ctx) string {
	if !isAdminPath(c) {
		if sid, _ := c.Locals(core.LocalSID).(string); sid != "" {
			return sid
		}
	}
	return s.EnsurePortalSID(c)
}

func isAdminPath(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 6 && p[:6] == "/admin"
}
