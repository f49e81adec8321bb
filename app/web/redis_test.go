package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"portico/app/auth"
	"portico/app/testutil"
	"portico/app/web/core"
)

// The login → tickets → logout flow with sessions and limits in Redis, as
// in production; and a Redis outage in the middle of it.
func TestPortalSessionsRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	sessions := &auth.RedisSessions{Client: rc, Prefix: prefix}
	h := newPortal(t, withSessions(sessions, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()}))
	ctx := context.Background()
	keys := func(pattern string) []string {
		t.Helper()
		k, err := rc.Keys(ctx, prefix+pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}

	c := h.client()
	c.get("/portal/login", false)
	anon := c.sid()
	if len(keys("sess:*")) != 0 {
		t.Error("an anonymous visit stored a session")
	}
	res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}, "next": {"/portal/tickets/22"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets/22" {
		t.Fatalf("login: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	sid := c.sid()
	if sid == anon {
		t.Error("the session ID did not change at login")
	}
	if n := len(keys("sess:*")); n != 1 {
		t.Errorf("%d session keys, want 1", n)
	}
	for _, k := range keys("sess:*") {
		if strings.Contains(k, sid) {
			t.Error("the session key holds the raw ID")
		}
		if ttl := rc.TTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("session key without TTL: %v", ttl)
		}
	}
	if n := len(keys("rl:login:*")); n == 0 {
		t.Error("the login attempt was not counted in Redis")
	}
	res, body := c.get("/portal/tickets/22", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Printer shows error E42") {
		t.Fatalf("ticket: %d", res.StatusCode)
	}
	if res, _ := c.get("/portal/tickets", true); res.StatusCode != http.StatusOK {
		t.Fatalf("list fragment: %d", res.StatusCode)
	}

	t.Run("outage", func(t *testing.T) {
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
		defer dead.Close()
		h.srv.Sessions = &auth.RedisSessions{Client: dead, Prefix: prefix}
		for _, htmx := range []bool{false, true} {
			res, body := c.get("/portal/tickets/22", htmx)
			if res.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "Printer") {
				t.Errorf("Redis down (htmx=%v): %d", htmx, res.StatusCode)
			}
		}
		// Redis is back: the session is still valid.
		h.srv.Sessions = sessions
		if res, _ := c.get("/portal/tickets/22", false); res.StatusCode != http.StatusOK {
			t.Errorf("Redis back: %d", res.StatusCode)
		}
	})

	res, _ = c.post("/portal/logout", nil, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if n := len(keys("sess:*")); n != 0 {
		t.Errorf("%d session keys after logout", n)
	}
	replay := h.client()
	replay.cookies[core.SessionCookie] = sid
	res, _ = replay.get("/portal/tickets", false)
	if u, ok := loginRedirect(res); !ok || u.Query().Get("next") != "/portal/tickets" {
		t.Errorf("replayed cookie: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// Disabling the contact ends a Redis session as well.
	c2 := h.client()
	c2.as(carla)
	h.exec("UPDATE contacts SET disabled = true WHERE email = ?", carla)
	if res, _ := c2.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled: %d", res.StatusCode)
	}
	if se, _ := sessions.Get(ctx, c2.sid()); se != nil {
		t.Error("the disabled contact's Redis session survived")
	}
}
