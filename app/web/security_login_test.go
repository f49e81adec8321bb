package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"portico/app/auth"
	"portico/app/web/core"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// After login, only same-origin relative paths are followed.
func TestRedirectAfterLogin(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	cases := []struct{ next, want string }{
		{"//evil.com", "/portal/tickets"},
		{`/\evil.com`, "/portal/tickets"},
		{"javascript:alert(1)", "/portal/tickets"},
		{"https://evil.com", "/portal/tickets"},
		{"/\tevil.com", "/portal/tickets"},
		{"", "/portal/tickets"},
		{"/portal/tickets/22", "/portal/tickets/22"},
		{"/portal/tickets?status=closed&q=invoice", "/portal/tickets?status=closed&q=invoice"},
	}
	for _, tc := range cases {
		c := h.client()
		c.get("/portal/login?next="+url.QueryEscape(tc.next), false)
		res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}, "next": {tc.next}}, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("next=%q: %d to %q, want %q", tc.next, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
		// Already logged in, the login page sends the visitor on, under the
		// same rule.
		res, _ = c.get("/portal/login?next="+url.QueryEscape(tc.next), false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("logged in, next=%q: %d to %q", tc.next, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The login form carries only a safe next.
	_, body := h.client().get("/portal/login?next="+url.QueryEscape("//evil.com"), false)
	if !strings.Contains(body, `name="next" value=""`) {
		t.Error("the login form carries an unsafe next")
	}
	_, body = h.client().get("/portal/login?next="+url.QueryEscape("/portal/tickets/22"), false)
	if !strings.Contains(body, `name="next" value="/portal/tickets/22"`) {
		t.Error("the login form drops a safe next")
	}
}

// A wrong password and an unknown email get the same answer; many attempts
// are refused.
func TestLoginAnswersAndRateLimit(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.get("/portal/login", false)
	try := func(email, pw string) (*http.Response, string) {
		return c.post("/portal/login", url.Values{"email": {email}, "password": {pw}}, false)
	}
	res1, wrong := try(ana, "not-the-password")
	res2, unknown := try("nobody@acme.example", "not-the-password")
	if res1.StatusCode != http.StatusUnprocessableEntity || res1.StatusCode != res2.StatusCode {
		t.Fatalf("statuses %d and %d", res1.StatusCode, res2.StatusCode)
	}
	errRe := regexp.MustCompile(`id="error-summary-title" class="[^"]*">([^<]*)<`)
	e1, e2 := errRe.FindStringSubmatch(wrong), errRe.FindStringSubmatch(unknown)
	if e1 == nil || e2 == nil || e1[1] != e2[1] {
		t.Errorf("errors %v and %v", e1, e2)
	}
	// The pages differ only in the email typed.
	if strings.ReplaceAll(wrong, ana, "EMAIL") != strings.ReplaceAll(unknown, "nobody@acme.example", "EMAIL") {
		t.Error("the answers for a wrong password and an unknown email differ")
	}
	if strings.Contains(wrong, "not-the-password") {
		t.Error("the password is echoed")
	}
	// A disabled account answers the same, even with the right password.
	h.exec("UPDATE contacts SET disabled = true WHERE email = ?", carla)
	res3, disabled := try(carla, "portico-demo")
	if res3.StatusCode != res1.StatusCode || strings.ReplaceAll(disabled, carla, "EMAIL") != strings.ReplaceAll(wrong, ana, "EMAIL") {
		t.Error("a disabled account answers differently")
	}

	// Per account and address: a few free failures (one is used above),
	// then a growing wait (see TestLoginSlowsRatherThanLocks). The email's
	// case and spaces don't make it another account.
	got429 := false
	for i := 0; i < 10 && !got429; i++ {
		email := ana
		if i%2 == 1 {
			email = " " + strings.ToUpper(ana) + " "
		}
		res, body := try(email, fmt.Sprintf("guess-%d", i))
		if res.StatusCode == http.StatusTooManyRequests {
			got429 = true
			if res.Header.Get("Retry-After") == "" || h1(body) != "Too many attempts" {
				t.Errorf("429 without Retry-After or explanation: %q", h1(body))
			}
		}
	}
	if !got429 {
		t.Fatal("no 429 after 11 failures on one account from one address")
	}
	// Even the right password is refused now, from this address.
	if res, _ := try(ana, "portico-demo"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d", res.StatusCode)
	}
	// Per IP: unknown accounts run into the address limit, and a forged
	// X-Forwarded-For (no proxy is trusted) does not get around it.
	got429 = false
	for i := 0; i < 25 && !got429; i++ {
		form := url.Values{"email": {fmt.Sprintf("nobody%d@example.com", i)}, "password": {"x-password"}, core.CSRFField: {c.csrf}}
		req := httptest.NewRequest(http.MethodPost, "/portal/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", i))
		res, _ := c.do(req)
		got429 = res.StatusCode == http.StatusTooManyRequests
	}
	if !got429 {
		t.Error("no 429 from one address trying many accounts")
	}
}

// A panic in a handler answers the generic error page; the log has the
// detail.
func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := newPortal(t, withLog(slog.New(slog.NewTextHandler(&logs, nil))))
	s := h.srv
	// Routes can't be added in front of the server's catch-all, so build a
	// small app with the server's middleware, views and error handler.
	app := fiber.New(fiber.Config{Views: s.App().Config().Views, ErrorHandler: s.HandleError})
	app.Use(s.RequestID, s.AccessLog, s.RecoverPanic, s.SecurityHeaders)
	app.Get("/panic-test", func(c *fiber.Ctx) error { panic("boom: db password is hunter2") })
	app.Get("/error-test", func(c *fiber.Ctx) error { return fmt.Errorf("wrapped: secret-detail") })
	for _, p := range []string{"/panic-test", "/error-test"} {
		for _, htmx := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			b, _ := io.ReadAll(res.Body)
			body := string(b)
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("%s: status %d", p, res.StatusCode)
			}
			if !htmx && h1(body) != "Something went wrong" {
				t.Errorf("%s: heading %q", p, h1(body))
			}
			if strings.Contains(body, "hunter2") || strings.Contains(body, "secret-detail") || strings.Contains(body, "goroutine") {
				t.Errorf("%s: the page shows the detail", p)
			}
			if id := res.Header.Get("X-Request-ID"); id == "" || (!htmx && !strings.Contains(body, id)) {
				t.Errorf("%s: the page lacks the request ID %q", p, id)
			}
			if res.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s: no CSP on the error page", p)
			}
		}
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "panic in handler") || !strings.Contains(logs.String(), "secret-detail") {
		t.Error("the log lacks the detail")
	}
	// The server itself still answers.
	if res, _ := h.client().get("/portal/login", false); res.StatusCode != http.StatusOK {
		t.Errorf("after the panics: %d", res.StatusCode)
	}
}

// With Redis unreachable, portal pages answer "try again": never a
// session taken as valid, never a panic.
func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	// No retries, so that each refused request answers at once.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { dead.Close() })
	h := newPortal(t, withSessions(&auth.RedisSessions{Client: dead, Prefix: "x:"},
		&auth.RedisLimiter{Client: dead, Prefix: "x:", Fallback: auth.NewMemoryLimiter()}))
	c := h.client()
	c.cookies[core.SessionCookie] = auth.NewSessionID() // as if logged in earlier
	for _, p := range []string{"/portal/login", "/portal/tickets", "/portal/tickets/22", "/portal/tickets/new", "/portal/register"} {
		for _, htmx := range []bool{false, true} {
			res, body := c.get(p, htmx)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s (htmx=%v): %d, want 503", p, htmx, res.StatusCode)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("%s: no Retry-After", p)
			}
			if !htmx && h1(body) != "Please try again" {
				t.Errorf("%s: heading %q", p, h1(body))
			}
			if strings.Contains(body, "Printer") || strings.Contains(body, "Log out") {
				t.Errorf("%s: content shown", p)
			}
		}
	}
	res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login POST: %d", res.StatusCode)
	}
	if res, _ := c.get("/readyz", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d", res.StatusCode)
	}
	if res, _ := c.get("/healthz", false); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
}

// Behind a trusted proxy, the client's address is the right-most one the
// proxy appended: a client that writes its own X-Forwarded-For gets no
// fresh limiter key per request, and records keep one IP, not the header.
func TestLoginLimitBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	// app.Test's connections come from 0.0.0.0: make that the proxy.
	h := newPortal(t, func(d *Deps) { d.Config.TrustedProxies = []string{"0.0.0.0"} })
	c := h.client()
	c.get("/portal/login", false)
	accepted := 0
	for i := 0; i < 40; i++ {
		form := url.Values{"email": {fmt.Sprintf("nobody%d@example.com", i)}, "password": {"x-password"}, core.CSRFField: {c.csrf}}
		req := httptest.NewRequest(http.MethodPost, "/portal/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d, 198.51.100.7", i))
		res, _ := c.do(req)
		if res.StatusCode != http.StatusTooManyRequests {
			accepted++
		}
	}
	if accepted > 20 {
		t.Errorf("%d of 40 attempts from one client were accepted; the limit is 20", accepted)
	}
	// A different client behind the same proxy is not limited by the first.
	form := url.Values{"email": {"nobody@example.com"}, "password": {"x-password"}, core.CSRFField: {c.csrf}}
	req := httptest.NewRequest(http.MethodPost, "/portal/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "198.51.100.8")
	if res, _ := c.do(req); res.StatusCode == http.StatusTooManyRequests {
		t.Error("another client behind the proxy is limited too")
	}

	// The consent record of a registration keeps the one address.
	visitor := h.client()
	visitor.get("/portal/register", false)
	form = url.Values{"name": {"Xavier"}, "email": {"xavier@proxied.example"}, "password": {"a long enough phrase"},
		"consent": {"yes"}, core.CSRFField: {visitor.csrf}}
	req = httptest.NewRequest(http.MethodPost, "/portal/register", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.66, 198.51.100.9")
	visitor.do(req)
	h.drainJobs() // the account and its consent record are made by the worker
	var ips []string
	if err := h.st.DB.NewRaw("SELECT r.ip FROM consent_records AS r JOIN contacts AS c ON c.id = r.contact_id WHERE c.email = ?", "xavier@proxied.example").Scan(context.Background(), &ips); err != nil {
		t.Fatal(err)
	}
	if len(ips) != 1 || ips[0] != "198.51.100.9" {
		t.Errorf("consent recorded from %q, want 198.51.100.9", ips)
	}
}
