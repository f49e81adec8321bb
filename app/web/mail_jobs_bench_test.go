package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/web/core"
)

// allowAll is a limiter that never refuses, so that a benchmark measures
// the request's own work.
type allowAll struct{ *auth.MemoryLimiter }

func (allowAll) Allow(context.Context, string, int, time.Duration) bool    { return true }
func (allowAll) Exceeded(context.Context, string, int, time.Duration) bool { return false }

// BenchmarkForgotKnownUnknown prints how long a password-reset request
// takes for a known and for an unknown address (medians). Both only queue
// a job, so they should take the same time; it is a figure to read, not a
// test.
func BenchmarkForgotKnownUnknown(b *testing.B) {
	h := newPortal(b, withSessions(auth.NewMemorySessions(), allowAll{auth.NewMemoryLimiter()}))
	c := h.client()
	c.get("/portal/password/forgot", false)
	post := func(email string) time.Duration {
		form := url.Values{"email": {email}, core.CSRFField: {c.csrf}}
		req, _ := http.NewRequest(http.MethodPost, "/portal/password/forgot", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		res, _ := c.do(req)
		d := time.Since(start)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("forgot: %d", res.StatusCode)
		}
		return d
	}
	var known, unknown []time.Duration
	for range 20 { // warm up
		post(ana)
		post("nobody@acme.example")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Alternate which goes first, so that order costs both alike.
		if i%2 == 0 {
			known = append(known, post(ana))
			unknown = append(unknown, post("nobody@acme.example"))
		} else {
			unknown = append(unknown, post("nobody@acme.example"))
			known = append(known, post(ana))
		}
	}
	b.StopTimer()
	median := func(ds []time.Duration) time.Duration {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	b.ReportMetric(float64(median(known).Microseconds()), "known-µs")
	b.ReportMetric(float64(median(unknown).Microseconds()), "unknown-µs")
	b.Logf("median per request: known %v, unknown %v (n=%d each)", median(known), median(unknown), len(known))
}
