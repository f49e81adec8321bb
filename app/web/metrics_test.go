package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"portico/app/auth"
	"portico/app/metrics"
	"portico/app/web/core"
)

func withMetrics(m *metrics.Metrics) harnessOpt {
	return func(d *Deps) { d.Metrics = m }
}

// scrape returns the metrics as Prometheus serves them.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsCountLoginsAndRefusals(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	h := newPortal(t, withMetrics(m))
	c := h.client()
	c.get("/portal/login", false)
	c.post("/portal/login", url.Values{"email": {ana}, "password": {"wrong-password"}}, false)
	c.login(ana)

	staff := h.client()
	staff.get("/admin/login", false)
	staff.post("/admin/login", url.Values{"email": {"admin@example.com"}, "password": {"wrong-password"}}, false)

	// Enough wrong passwords on one account to be refused.
	limited := h.client()
	limited.get("/portal/login", false)
	for range 12 {
		limited.post("/portal/login", url.Values{"email": {"ben@acme.example"}, "password": {"wrong-password"}}, false)
	}

	body := scrape(t, m)
	for _, want := range []string{
		`portico_logins_total{area="portal",outcome="success"} 1`,
		`portico_logins_total{area="staff",outcome="failure"} 1`,
		`portico_logins_total{area="portal",outcome="rate_limited"}`,
		`portico_rate_limited_total{route="/portal/login"}`,
		`portico_http_requests_total{method="POST",route="/portal/login",status="303"} 1`,
		`portico_http_requests_total{method="GET",route="/portal/tickets",status="200"} 1`,
		`portico_session_store_errors_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(body, `portico_logins_total{area="portal",outcome="failure"}`) {
		t.Error("failed portal logins are not counted")
	}
}

func TestMetricsCountSessionStoreErrors(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { dead.Close() })
	m := metrics.New()
	h := newPortal(t, withMetrics(m), withSessions(&auth.RedisSessions{Client: dead, Prefix: "x:"},
		&auth.RedisLimiter{Client: dead, Prefix: "x:", Fallback: auth.NewMemoryLimiter()}))
	c := h.client()
	c.cookies[core.SessionCookie] = auth.NewSessionID()
	if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", res.StatusCode)
	}
	body := scrape(t, m)
	for _, want := range []string{
		`portico_session_store_errors_total 1`,
		// Refused in the group's middleware, before its route was matched.
		`portico_http_requests_total{method="GET",route="/portal",status="503"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
