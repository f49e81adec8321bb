package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/core"
)

// The list benchmarks serve the portal on a real listener and hit it with
// concurrent clients, reporting latency percentiles next to the ceiling of
// a plain Fiber handler on the same machine. By default they run on the
// demo data in SQLite; PORTICO_BENCH_DATABASE_URL points them at a larger
// Postgres database (see db/bench/seed-1m.sql), and PORTICO_BENCH_CONTACT_ID
// and PORTICO_BENCH_COMPANY_ID choose whose tickets are listed.
//
//	go test -run '^$' -bench . -benchtime 2000x ./app/web/

func benchServer(b *testing.B) (base string, sid string) {
	ctx := context.Background()
	var st *store.Store
	var err error
	contactID, companyID := int64(0), int64(0)
	if u := os.Getenv("PORTICO_BENCH_DATABASE_URL"); u != "" {
		st, err = store.Open(u, "")
		contactID, _ = strconv.ParseInt(os.Getenv("PORTICO_BENCH_CONTACT_ID"), 10, 64)
		companyID, _ = strconv.ParseInt(os.Getenv("PORTICO_BENCH_COMPANY_ID"), 10, 64)
	} else {
		st, err = store.OpenSQLite(filepath.Join(b.TempDir(), "portico.db"))
		if err == nil {
			if _, err = st.Migrate(ctx, testutil.Migrations(b)); err == nil {
				err = demo.Load(ctx, st)
			}
		}
		if err == nil {
			ana, _ := store.ContactByEmail(ctx, st.DB, "ana@acme.example")
			contactID, companyID = ana.ID, *ana.CompanyID
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	settings, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		b.Fatal(err)
	}
	if !settings.Enabled || (companyID != 0 && settings.Permission != model.PermissionCompany) {
		settings.Enabled, settings.BaseURL = true, "http://127.0.0.1"
		if companyID != 0 {
			settings.Permission = model.PermissionCompany
		}
		if _, err := store.SaveSettings(ctx, st.DB, settings); err != nil {
			b.Fatal(err)
		}
	}
	if companyID != 0 {
		if _, err := st.DB.NewUpdate().Model((*model.Contact)(nil)).Set("company_id = ?", companyID).Where("id = ?", contactID).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	cfg, _ := config.Load(nil, func(string) string { return "" }, io.Discard)
	bundle, _ := i18n.Load()
	root := testutil.Root(b)
	sessions := auth.NewMemorySessions()
	srv, err := New(Deps{
		Config: cfg, Store: st, I18n: bundle, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Secret: []byte("bench-secret-bench-secret-bench-secret"), Sessions: sessions, Limiter: auth.NewMemoryLimiter(),
		Views: os.DirFS(filepath.Join(root, "views")), Static: os.DirFS(filepath.Join(root, "static")),
	})
	if err != nil {
		b.Fatal(err)
	}
	sid = auth.NewSessionID()
	now := time.Now()
	_ = sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindContact, AccountID: contactID, CreatedAt: now, LastSeen: now}, time.Hour)
	return serve(b, srv.App()), sid
}

// serve runs an app on a free loopback port until the benchmark ends.
func serve(b *testing.B, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// hammer sends b.N GET requests from 16 concurrent clients and reports
// the median and 99th percentile latency.
func hammer(b *testing.B, url string, header http.Header) {
	const workers = 16
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	jobs := make(chan struct{}, b.N)
	for range b.N {
		jobs <- struct{}{}
	}
	close(jobs)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header = header.Clone()
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func BenchmarkPlainFiberCeiling(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	hammer(b, serve(b, app)+"/", http.Header{})
}

func benchList(b *testing.B, query string) {
	base, sid := benchServer(b)
	h := http.Header{}
	h.Set("Cookie", core.SessionCookie+"="+sid)
	h.Set("HX-Request", "true")
	h.Set("Accept-Encoding", "gzip")
	hammer(b, fmt.Sprintf("%s/portal/tickets?%s", base, query), h)
}

func BenchmarkListMine(b *testing.B)    { benchList(b, "status=open") }
func BenchmarkListCompany(b *testing.B) { benchList(b, "view=org&status=all") }
func BenchmarkListSearch(b *testing.B)  { benchList(b, "view=org&status=all&q=printer") }
func BenchmarkListPage2(b *testing.B)   { benchList(b, "view=org&status=all&sort=subject&page=2") }
