// Package metrics holds Portico's Prometheus metrics: one registry, built
// in one place and handed to whoever counts, and served on a listen address
// of its own (PORTICO_METRICS_ADDR), never on the portal's.
//
// Every method is safe on a nil *Metrics, so that code paths and tests
// without metrics need no checks.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Login areas and outcomes, the labels of portico_logins_total.
const (
	AreaPortal = "portal"
	AreaStaff  = "staff"

	OutcomeSuccess     = "success"
	OutcomeFailure     = "failure"
	OutcomeRateLimited = "rate_limited"
	OutcomeError       = "error"
)

// Unmatched is the route label of a request that matched no route, so that
// scanners probing random paths add one series, not one per path.
const Unmatched = "unmatched"

// Metrics holds the registry and every Portico metric.
type Metrics struct {
	// Registry holds Portico's collectors and the Go runtime, process and
	// build info collectors.
	Registry *prometheus.Registry

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	logins        *prometheus.CounterVec
	sso           *prometheus.CounterVec
	rateLimited   *prometheus.CounterVec
	sessionErrors prometheus.Counter
	mailFailures  *prometheus.CounterVec
	mailSent      prometheus.Counter
}

// New builds the registry with the Go runtime, process and build info
// collectors and Portico's own metrics.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "portico_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_logins_total",
			Help: "Password logins by area (portal, staff) and outcome (success, failure, rate_limited, error).",
		}, []string{"area", "outcome"}),
		sso: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_sso_logins_total",
			Help: "Single sign-on logins by provider and outcome.",
		}, []string{"provider", "outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_rate_limited_total",
			Help: "Requests refused by a rate limit, by route pattern.",
		}, []string{"route"}),
		sessionErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "portico_session_store_errors_total",
			Help: "Session store calls that failed (Redis down or refused by the circuit breaker).",
		}),
		mailFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_mail_delivery_failures_total",
			Help: "Failed mail delivery attempts; final is true when the mail was given up.",
		}, []string{"final"}),
		mailSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "portico_mail_sent_total",
			Help: "Mails delivered over SMTP.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		buildInfo(),
		m.requests, m.duration, m.logins, m.sso, m.rateLimited, m.sessionErrors, m.mailFailures, m.mailSent,
	)
	return m
}

// buildInfo is portico_build_info, 1, labelled with the version and the
// commit the binary was built from, when Go recorded them.
func buildInfo() prometheus.Collector {
	version, revision := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "portico_build_info",
		Help:        "Always 1; the labels tell which Portico build runs.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision},
	})
	g.Set(1)
	return g
}

// WatchDB adds the database pool's statistics (go_sql_* with db="portico").
func (m *Metrics) WatchDB(db *sql.DB) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, "portico"))
}

// Request counts one answered request. route is the matched route
// pattern (never the raw path), or Unmatched.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(took.Seconds())
}

// Login counts a password login attempt in an area (AreaPortal,
// AreaStaff) with its outcome (OutcomeSuccess, …).
func (m *Metrics) Login(area, outcome string) {
	if m == nil {
		return
	}
	m.logins.WithLabelValues(area, outcome).Inc()
}

// SSOLogin counts a single sign-on login: provider is the configured
// provider's name (e.g. "google", "oidc"), outcome one of OutcomeSuccess,
// OutcomeFailure (refused by the provider or by Portico, e.g. an unknown
// account) or OutcomeError (the provider could not be reached).
func (m *Metrics) SSOLogin(provider, outcome string) {
	if m == nil {
		return
	}
	m.sso.WithLabelValues(provider, outcome).Inc()
}

// RateLimited counts a request refused by a rate limit.
func (m *Metrics) RateLimited(route string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(route).Inc()
}

// SessionStoreError counts a failed session store call.
func (m *Metrics) SessionStoreError() {
	if m == nil {
		return
	}
	m.sessionErrors.Inc()
}

// MailFailed counts a failed delivery attempt; final when it was the last.
func (m *Metrics) MailFailed(final bool) {
	if m == nil {
		return
	}
	m.mailFailures.WithLabelValues(strconv.FormatBool(final)).Inc()
}

// MailSent counts a delivered mail.
func (m *Metrics) MailSent() {
	if m == nil {
		return
	}
	m.mailSent.Inc()
}

// Handler answers a scrape of the registry. A collector that fails (the
// outbox's, when the database is down) leaves out its own metrics only.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry, ErrorHandling: promhttp.ContinueOnError})
}

// Serve answers /metrics on its own listener until ctx ends. Nothing else
// is served there.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("metrics are served", "addr", ln.Addr().String(), "path", "/metrics")
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
