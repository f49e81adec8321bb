package bench

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkHandler measures the server's own work for one list fragment on
// the embedded default with the demo data, one request at a time and
// without the network: CPU time and allocations per request, next to the
// plain Fiber handler. It is steadier than the table on a busy machine.
//
//	go test -run '^$' -bench Handler -benchmem ./app/bench/
func BenchmarkHandler(b *testing.B) {
	st, ana := demoStore(b)
	srv, sessions := server(b, st)
	h := login(b, sessions, ana)

	plain := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := strings.Repeat("<tr><td>ticket</td></tr>\n", 4096/25)
	plain.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(body)
	})
	b.Run("ceiling", func(b *testing.B) { serveDirect(b, plain, "/", http.Header{}) })
	for _, q := range []struct{ name, url string }{
		{"mine-open", "/portal/tickets?status=open"},
		{"org-all", "/portal/tickets?view=org&status=all"},
		{"org-search", "/portal/tickets?view=org&status=all&q=printer"},
		{"org-page2-subject", "/portal/tickets?view=org&status=all&sort=subject&page=2"},
	} {
		b.Run(q.name, func(b *testing.B) { serveDirect(b, srv.App(), q.url, h) })
	}
}

// serveDirect hands requests to the app's handler in process.
func serveDirect(b *testing.B, app *fiber.App, url string, h http.Header) {
	handler := app.Handler()
	var rc fasthttp.RequestCtx
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		rc.Request.Reset()
		rc.Response.Reset()
		rc.Request.SetRequestURI(url)
		for k, vs := range h {
			for _, v := range vs {
				rc.Request.Header.Add(k, v)
			}
		}
		handler(&rc)
		if rc.Response.StatusCode() != fiber.StatusOK {
			b.Fatalf("%s: status %d", url, rc.Response.StatusCode())
		}
	}
	// CPU time rather than wall time: other work on the machine stretches
	// the latter.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHandlerScale is BenchmarkHandler on the benchmark's Postgres
// database (PORTICO_BENCH_DATABASE_URL, generated on first use): the
// server's own CPU time and allocations for lists of the persona whose
// company holds 30,000 tickets (and one list of the contact with 3,000
// tickets of their own), without clients, for a CPU profile of
// the Postgres path. The database's CPU time is not in cpu-ns/op (the
// Scale table shows it), and one request at a time, the runtime's
// waiting on each round trip to Postgres counts in it: compare versions
// with it, not with the Scale table.
//
//	PORTICO_BENCH_DATABASE_URL=… go test -run '^$' -bench HandlerScale -benchmem ./app/bench/
func BenchmarkHandlerScale(b *testing.B) {
	url := os.Getenv("PORTICO_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("PORTICO_BENCH_DATABASE_URL is not set")
	}
	st, p := scaleStore(b, url, 1_000_000)
	srv, sessions := server(b, st)
	org, heavy := login(b, sessions, p.Org), login(b, sessions, p.Heavy)
	for _, q := range []struct {
		name, url string
		h         http.Header
	}{
		{"mine-all", "/portal/tickets?status=all", org},
		{"org-all", "/portal/tickets?view=org&status=all", org},
		{"org-subject", "/portal/tickets?view=org&status=all&sort=subject", org},
		{"org-page-40", "/portal/tickets?view=org&status=all&page=40", org},
		{"heavy-mine-all", "/portal/tickets?status=all", heavy},
	} {
		b.Run(q.name, func(b *testing.B) { serveDirect(b, srv.App(), q.url, q.h) })
	}
}
