package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestCounters(t *testing.T) {
	m := New()
	m.SSOLogin("google", OutcomeSuccess)
	m.SSOLogin("google", OutcomeSuccess)
	m.SSOLogin("oidc", OutcomeFailure)
	m.MailFailed(false)
	m.MailSent()
	m.Request("/portal/tickets/:id", "GET", 200, 30*time.Millisecond)
	waiting := int64(3)
	m.WatchOutbox(func(context.Context) (int64, time.Time, error) {
		return waiting, time.Now().Add(-90 * time.Second), nil
	})
	body := scrape(t, m)
	for _, want := range []string{
		`portico_sso_logins_total{outcome="success",provider="google"} 2`,
		`portico_sso_logins_total{outcome="failure",provider="oidc"} 1`,
		`portico_mail_delivery_failures_total{final="false"} 1`,
		`portico_mail_sent_total 1`,
		`portico_http_request_duration_seconds_bucket{method="GET",route="/portal/tickets/:id",le="0.05"} 1`,
		`portico_outbox_pending 3`,
		`portico_outbox_oldest_pending_age_seconds 9`, // 90.x seconds
		`go_build_info{`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %s", want)
		}
	}
}

func TestOutboxErrorFailsOnlyItsMetrics(t *testing.T) {
	m := New()
	m.WatchOutbox(func(context.Context) (int64, time.Time, error) { return 0, time.Time{}, errors.New("database down") })
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "go_goroutines") || strings.Contains(body, "portico_outbox_pending") {
		t.Fatalf("a failed outbox read should leave out its metrics only: %d", rec.Code)
	}
}

func TestNilCountsNothing(t *testing.T) {
	var m *Metrics
	m.Request("/", "GET", 200, time.Second)
	m.Login(AreaPortal, OutcomeSuccess)
	m.SSOLogin("google", OutcomeSuccess)
	m.RateLimited("/")
	m.SessionStoreError()
	m.MailFailed(true)
	m.MailSent()
	m.WatchDB(nil)
	m.WatchOutbox(nil)
}
