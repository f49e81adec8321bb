package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/testutil"
	"portico/app/web/core"
)

// loginRedirect tells whether res sends the browser to the login page,
// and returns that URL.
func loginRedirect(res *http.Response) (*url.URL, bool) {
	to := res.Header.Get("Location")
	if res.StatusCode == http.StatusNoContent {
		to = res.Header.Get("HX-Redirect")
	} else if res.StatusCode != http.StatusSeeOther {
		return nil, false
	}
	u, err := url.Parse(to)
	if err != nil || u.Path != "/portal/login" {
		return nil, false
	}
	return u, true
}

// The session cookie, the new ID at login, and logout.
func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	c := h.client()

	// Before login: an anonymous ID, with the cookie's attributes.
	res, _ := c.get("/portal/login", false)
	var pre *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == core.SessionCookie {
			pre = ck
		}
	}
	if pre == nil {
		t.Fatal("no session cookie before login")
	}
	// An ID planted by an attacker (well-formed, unknown to the server) is
	// replaced at once (see TestSessionIDsIssuedByServer); the server's own
	// anonymous ID stays until login.
	planted := auth.NewSessionID()
	c.cookies[core.SessionCookie] = planted
	c.get("/portal/login", false)
	anon := c.sid()
	if anon == planted {
		t.Fatalf("a planted session ID was adopted")
	}
	c.get("/portal/login", false)
	if c.sid() != anon {
		t.Fatalf("the anonymous ID changed before login")
	}

	res, _ = c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	var ck *http.Cookie
	for _, x := range res.Cookies() {
		if x.Name == core.SessionCookie {
			ck = x
		}
	}
	if ck == nil {
		t.Fatal("no new session cookie at login")
	}
	t.Run("cookie attributes", func(t *testing.T) {
		raw := strings.ToLower(strings.Join(res.Header.Values("Set-Cookie"), "\n"))
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Domain != "" || strings.Contains(raw, "domain=") || ck.Path != "/" {
			t.Errorf("cookie %+v", ck)
		}
		if ck.Secure {
			t.Error("Secure over plain http would lose the cookie")
		}
		if len(ck.Value) < 43 {
			t.Errorf("session ID of %d characters", len(ck.Value))
		}
		if ck.MaxAge > 0 || !ck.Expires.IsZero() {
			t.Errorf("a persistent cookie: %+v", ck)
		}
	})
	t.Run("new ID at login", func(t *testing.T) {
		if ck.Value == planted || ck.Value == pre.Value {
			t.Fatal("the session ID did not change at login")
		}
		if se, _ := h.srv.Sessions.Get(ctx, planted); se != nil {
			t.Error("the planted ID holds a session")
		}
		attacker := h.client()
		attacker.cookies[core.SessionCookie] = planted
		if res, _ := attacker.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the planted ID is logged in: %d", res.StatusCode)
		}
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
			t.Errorf("the new ID is not logged in: %d", res.StatusCode)
		}
		// The CSRF token changed with the session.
		attacker.get("/portal/login", false)
		if attacker.csrf == "" || attacker.csrf == c.csrf {
			t.Error("the CSRF token did not change with the session")
		}
	})
	t.Run("logout", func(t *testing.T) {
		old := c.sid()
		res, _ := c.post("/portal/logout", nil, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/login?logged_out=1" {
			t.Fatalf("logout: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if c.sid() == old {
			t.Error("logout kept the session ID")
		}
		if se, _ := h.srv.Sessions.Get(ctx, old); se != nil {
			t.Error("the session survived logout")
		}
		_, body := c.get("/portal/login?logged_out=1", false)
		if !strings.Contains(body, "role=\"status\"") || strings.Contains(body, "Log out") {
			t.Error("the login page does not confirm the logout")
		}
		// Replaying the old cookie is worthless.
		replay := h.client()
		replay.cookies[core.SessionCookie] = old
		for _, htmx := range []bool{false, true} {
			res, body := replay.get("/portal/tickets/22", htmx)
			if _, ok := loginRedirect(res); !ok || strings.Contains(body, "Printer") {
				t.Errorf("replayed cookie (htmx=%v): %d", htmx, res.StatusCode)
			}
		}
	})
}

// An idle session ends after the timeout set by the admin; an active one
// does not.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.updateSettings(func(s *model.PortalSettings) { s.IdleTimeoutSec = 2 })
	idle, idleHX, idlePost, active := h.client(), h.client(), h.client(), h.client()
	idle.as(ana)
	idleHX.as(ana)
	idlePost.as(ana)
	active.as(ana)
	start := time.Now()
	for time.Since(start) < 2600*time.Millisecond {
		time.Sleep(650 * time.Millisecond)
		if res, _ := active.get("/portal/tickets", true); res.StatusCode != http.StatusOK {
			t.Fatalf("an active session ended after %v: %d", time.Since(start), res.StatusCode)
		}
	}
	res, _ := idle.get("/portal/tickets/22?x=1", false)
	u, ok := loginRedirect(res)
	if !ok || u.Query().Get("expired") != "1" || u.Query().Get("next") != "/portal/tickets/22?x=1" {
		t.Fatalf("idle: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := idle.get(u.String(), false)
	if !strings.Contains(body, "You were logged out after a period of inactivity.") {
		t.Error("the login page does not say why")
	}
	if !strings.Contains(body, `name="next" value="/portal/tickets/22?x=1"`) {
		t.Error("the login page does not lead back")
	}
	res, body = idleHX.request(http.MethodGet, "/portal/tickets?status=closed", map[string]string{
		"HX-Request": "true", "HX-Current-URL": "http://portal.example/portal/tickets?status=closed"})
	u, ok = loginRedirect(res)
	if !ok || res.StatusCode != http.StatusNoContent || u.Query().Get("expired") != "1" || strings.TrimSpace(body) != "" {
		t.Errorf("idle htmx: %d, HX-Redirect %q, body %.60q", res.StatusCode, res.Header.Get("HX-Redirect"), body)
	}
	// A form sent from the page the idle session had open, with its token,
	// leads to the login page too, not to a CSRF refusal.
	res, _ = idlePost.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Are you still there?"}}, nil, true)
	if u, ok := loginRedirect(res); !ok || u.Query().Get("expired") != "1" {
		t.Errorf("idle htmx reply: %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	// The expired session is gone, not merely refused once.
	if res, _ := idle.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after expiry: %d", res.StatusCode)
	}
}

// A request writes the session's activity only when the last one written
// is older than the activity step (a minute under the default idle
// timeout of 30 minutes): a customer clicking through the portal does not
// cost the session store a write per request, and an idle session still
// ends on time. Sessions in Redis, as in production.
func TestActivityWrittenOncePerStep(t *testing.T) {
	t.Parallel()
	for idle, want := range map[time.Duration]time.Duration{
		2 * time.Second: 2 * time.Second / 30, 5 * time.Minute: 10 * time.Second, 30 * time.Minute: time.Minute, 8 * time.Hour: time.Minute,
	} {
		if got := core.ActivityStep(idle); got != want {
			t.Errorf("ActivityStep(%v) = %v, want %v", idle, got, want)
		}
	}
	rc, prefix := testutil.Redis(t)
	sessions := &auth.RedisSessions{Client: rc, Prefix: prefix}
	h := newPortal(t, withSessions(sessions, auth.NewMemoryLimiter()))
	c := h.client()
	c.as(ana)
	ctx := context.Background()
	lastSeen := func() time.Time {
		t.Helper()
		se, err := sessions.Get(ctx, c.sid())
		if err != nil || se == nil {
			t.Fatalf("session: %v %v", se, err)
		}
		return se.LastSeen
	}
	setLastSeen := func(at time.Time) {
		t.Helper()
		se, err := sessions.Get(ctx, c.sid())
		if err != nil || se == nil {
			t.Fatalf("session: %v %v", se, err)
		}
		se.LastSeen = at
		if err := sessions.Put(ctx, c.sid(), se, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	list := func() {
		t.Helper()
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
			t.Fatalf("tickets: %d", res.StatusCode)
		}
	}
	for _, age := range []time.Duration{0, 50 * time.Second} {
		at := time.Now().Add(-age).Truncate(time.Millisecond)
		setLastSeen(at)
		list()
		if got := lastSeen(); !got.Equal(at) {
			t.Errorf("activity %v old was rewritten to %v", age, got)
		}
	}
	for _, age := range []time.Duration{70 * time.Second, 29 * time.Minute} {
		setLastSeen(time.Now().Add(-age))
		before := time.Now()
		list()
		if got := lastSeen(); got.Before(before) {
			t.Errorf("activity %v old: still %v after a request at %v", age, got, before)
		}
	}
	setLastSeen(time.Now().Add(-31 * time.Minute))
	if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a session idle 31 minutes: %d", res.StatusCode)
	}
}

// The absolute lifetime (MaxLifetimeHours) ends even an active session.
func TestAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	h.updateSettings(func(s *model.PortalSettings) { s.MaxLifetimeHours = 12 })
	age := func(c *client, d time.Duration) {
		t.Helper()
		se, err := h.srv.Sessions.Get(ctx, c.sid())
		if err != nil || se == nil {
			t.Fatalf("session: %v %v", se, err)
		}
		se.CreatedAt = time.Now().Add(-d)
		if err := h.srv.Sessions.Put(ctx, c.sid(), se, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	young, old := h.client(), h.client()
	young.as(ana)
	old.as(ana)
	age(young, 11*time.Hour+50*time.Minute)
	age(old, 12*time.Hour+time.Minute)
	if res, _ := young.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("an 11h50 session: %d", res.StatusCode)
	}
	res, _ := old.get("/portal/tickets", false)
	if u, ok := loginRedirect(res); !ok || u.Query().Get("expired") != "1" {
		t.Errorf("a 12h01 session: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if se, _ := h.srv.Sessions.Get(ctx, old.sid()); se != nil {
		t.Error("the expired session was not deleted")
	}
	// The stored TTL never outlives the absolute lifetime.
	se, _ := h.srv.Sessions.Get(ctx, young.sid())
	if se == nil || time.Since(se.CreatedAt) > 12*time.Hour {
		t.Error("the young session is gone or too old")
	}
	time.Sleep(10 * time.Millisecond)
	if res, _ := young.get("/portal/tickets", true); res.StatusCode != http.StatusOK {
		t.Errorf("the young session again: %d", res.StatusCode)
	}
}

// A disabled contact, or one removed from its company, loses access at
// the next request.
func TestAccessRevokedAtOnce(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()

	t.Run("disabled", func(t *testing.T) {
		c := h.client()
		c.as(carla)
		if res, _ := c.get("/portal/tickets/23", false); res.StatusCode != http.StatusOK {
			t.Fatalf("before: %d", res.StatusCode)
		}
		sid := c.sid()
		h.exec("UPDATE contacts SET disabled = true WHERE email = ?", carla)
		for _, htmx := range []bool{false, true} {
			res, body := c.get("/portal/tickets/23", htmx)
			if _, ok := loginRedirect(res); !ok || strings.Contains(body, "delete my account") {
				t.Errorf("disabled (htmx=%v): %d", htmx, res.StatusCode)
			}
		}
		before := h.count("SELECT count(*) FROM messages")
		c.cookies[core.SessionCookie] = sid
		c.multipart("/portal/tickets/23/replies", [][2]string{{"body", "still here"}}, nil, false)
		if h.count("SELECT count(*) FROM messages") != before {
			t.Error("a disabled contact replied")
		}
		if se, _ := h.srv.Sessions.Get(ctx, sid); se != nil {
			t.Error("the disabled contact's session survived")
		}
		// Enabled again, the old session stays dead.
		h.exec("UPDATE contacts SET disabled = false WHERE email = ?", carla)
		c.cookies[core.SessionCookie] = sid
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("old session after re-enabling: %d", res.StatusCode)
		}
	})

	t.Run("deleted", func(t *testing.T) {
		c := h.client()
		c.as(gina)
		id := h.contactID(gina)
		h.exec("DELETE FROM ticket_contacts WHERE contact_id = ?", id)
		h.exec("DELETE FROM list_members WHERE contact_id = ?", id)
		h.exec("DELETE FROM contacts WHERE id = ?", id)
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("deleted contact: %d", res.StatusCode)
		}
	})

	t.Run("company removed", func(t *testing.T) {
		c := h.client()
		c.as(ana)
		log := h.attachmentID("error-log.txt") // on Ben's #21
		_, body := c.get("/portal/tickets?view=org&status=all", false)
		if !containsID(rowIDs(body), 26) || !strings.Contains(body, "Acme VPN certificate renewal") {
			t.Fatal("Ana does not see Acme's #26 before")
		}
		if res, _ := c.get("/portal/attachments/"+strconv.FormatInt(log, 10), false); res.StatusCode != http.StatusOK {
			t.Fatalf("Ben's log before: %d", res.StatusCode)
		}
		h.exec("UPDATE contacts SET company_id = NULL WHERE email = ?", ana)
		_, body = c.get("/portal/tickets?view=org&status=all", false)
		if containsID(rowIDs(body), 26) || strings.Contains(body, "Acme VPN certificate renewal") || strings.Contains(body, "Organization tickets") {
			t.Error("Ana still sees Acme's tickets or the toggle")
		}
		if n := len(rowIDs(body)); n != 16 {
			t.Errorf("Ana sees %d tickets, want her own 16", n)
		}
		_, body = c.get("/portal/tickets?status=all&view=org&q=VPN", true)
		if containsID(rowIDs(body), 26) {
			t.Error("search still finds #26")
		}
		for _, p := range []string{"/portal/tickets/26", "/portal/attachments/" + strconv.FormatInt(log, 10)} {
			if res, _ := c.get(p, false); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
		}
		res, _ := c.multipart("/portal/tickets/26/replies", [][2]string{{"body", "x"}}, nil, false)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("reply to #26: %d", res.StatusCode)
		}
		if res, _ := c.get("/portal/tickets/22", false); res.StatusCode != http.StatusOK {
			t.Errorf("her own #22: %d", res.StatusCode)
		}
	})
}

// Served over https (by the base URL), cookies are Secure and HSTS is on.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	h.srv.Config.BaseURL = "https://help.example.com"
	c := h.client()
	res, _ := c.get("/portal/login", false)
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("HSTS %q", hsts)
	}
	login, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
	if login.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", login.StatusCode)
	}
	c.get("/portal/tickets", false) // the new session's CSRF token
	lang, _ := c.post("/portal/language", url.Values{"lang": {"es"}}, false)
	if lang.StatusCode != http.StatusSeeOther {
		t.Fatalf("language: %d", lang.StatusCode)
	}
	logout, _ := c.post("/portal/logout", nil, false)
	if len(login.Cookies())+len(lang.Cookies())+len(logout.Cookies()) < 3 {
		t.Error("missing cookies")
	}
	for _, r := range []*http.Response{login, lang, logout} {
		for _, ck := range r.Cookies() {
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Domain != "" {
				t.Errorf("cookie %s: %+v", ck.Name, ck)
			}
		}
	}
}
