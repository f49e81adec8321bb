package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"portico/app/auth"
	"portico/app/testutil"
	"portico/app/web/core"
)

// Session IDs are only ever issued by the server: a cookie holding an ID
// the server never made (well-formed or not) is replaced at the first
// request, never adopted, so the CSRF token and the session that follow
// are not ones a client chose. In process and in Redis.
func TestSessionIDsIssuedByServer(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) []harnessOpt{
		"memory": func(*testing.T) []harnessOpt { return nil },
		"redis": func(t *testing.T) []harnessOpt {
			rc, prefix := testutil.Redis(t)
			return []harnessOpt{withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
				&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})}
		},
	}
	for name, opts := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newPortal(t, opts(t)...)
			planted := []string{
				auth.NewSessionID(),                           // well-formed, unknown
				"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // 43 characters, chosen
				"attacker-chosen",
			}
			for _, p := range planted {
				for _, path := range []string{"/portal/login", "/admin/login"} {
					cookie := core.SessionCookie
					if path == "/admin/login" {
						cookie = core.StaffCookie
					}
					c := h.client()
					c.cookies[cookie] = p
					c.get(path, false)
					if got := c.cookies[cookie]; got == p || len(got) != 43 {
						t.Errorf("%s: planted %q, cookie now %q", path, p, got)
					}
					// The planted ID's CSRF token is worthless; the issued one works.
					if path == "/portal/login" {
						res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"wrong password"},
							core.CSRFField: {h.srv.CSRFFor(p)}}, false)
						if res.StatusCode != http.StatusForbidden {
							t.Errorf("the planted ID's CSRF token: %d, want 403", res.StatusCode)
						}
						res, _ = c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
						if res.StatusCode != http.StatusSeeOther {
							t.Fatalf("login under the issued ID: %d", res.StatusCode)
						}
						if c.sid() == p {
							t.Error("the session is under the planted ID")
						}
					}
				}
			}
			// The anonymous ID the server issued is kept from page to page,
			// so that its CSRF token holds across a form.
			c := h.client()
			c.get("/portal/login", false)
			first := c.sid()
			c.get("/portal/register", false)
			if c.sid() != first {
				t.Error("the server's own anonymous ID was replaced")
			}
		})
	}
}

// A session the store lost (a restart of an in-process store, a Redis
// flush) was still issued by the server: a form sent from a page of it
// leads to the login page, not to a CSRF refusal.
func TestLostSessionLeadsToLogin(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.login(ana)
	c.get("/portal/tickets/22", false)
	if err := h.srv.Sessions.Delete(context.Background(), c.sid()); err != nil {
		t.Fatal(err)
	}
	before := c.sid()
	res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "lost"}}, nil, false)
	if u, ok := loginRedirect(res); !ok || u.Path != "/portal/login" {
		t.Fatalf("reply from a lost session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c.sid() != before {
		t.Error("the server's own ID was replaced")
	}
}
