// Package bench measures the portal's ticket lists under load: per persona
// and query, requests per second and latency percentiles from 16
// concurrent clients, next to the ceiling of a plain Fiber handler serving
// a 4 KB fragment in the same run, plus the process's memory.
//
// The full run, on a million generated tickets in Postgres:
//
//	PORTICO_BENCH_DATABASE_URL=postgres://…/portico_scale go test -run '^$' -bench Scale -benchtime 1x ./app/bench/
//
// The embedded default with the demo data:
//
//	go test -run '^$' -bench Demo -benchtime 1x ./app/bench/
//
// TestScaleBenchPostgres runs the same table on 20,000 tickets in CI, so
// that it keeps working; it checks answers, never timings.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/cli"
	"portico/app/config"
	"portico/app/i18n"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web"
)

// TestMain runs the benchmarks with the garbage collector tuned as the
// portico command tunes it.
func TestMain(m *testing.M) {
	cli.TuneGC(os.Getenv)
	os.Exit(m.Run())
}

// clients is how many requests are in flight at once.
const clients = 16

// sessionCookie is the portal's session cookie.
const sessionCookie = "portico_sid"

// result is one line of the table.
type result struct {
	persona, query string
	n              int
	rps            float64
	p50, p99       time.Duration
	bytes          int
	// CPU time per request: of this process (server and clients), and of
	// the database's server processes when they can be read (-1 if not).
	cpu, dbCPU time.Duration
}

// hammer sends requests from the clients for the given time, cycling
// through the URLs, and measures each one. Every answer must be 200.
func hammer(tb testing.TB, urls []string, header http.Header, d time.Duration) result {
	tb.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		bytes int
		fail  error
		wg    sync.WaitGroup
	)
	start, cpu0 := time.Now(), cpuTime()
	deadline := start.Add(d)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			size := 0
			for i := w; time.Now().Before(deadline); i += clients {
				req, _ := http.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
				req.Header = header.Clone()
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					var n int64
					n, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					size = int(n)
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: status %d", req.URL, res.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					fail = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			bytes = max(bytes, size)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if fail != nil {
		tb.Fatal(fail)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	return result{n: len(lat), rps: float64(len(lat)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), bytes: bytes,
		cpu: cpu / time.Duration(len(lat)), dbCPU: -1}
}

// dbCPU is the CPU time used so far by the Postgres server processes
// serving this database, read from /proc when Postgres runs on this
// machine; ok is false otherwise. A line's share is the difference
// around it: the pool's connections live through the run.
func dbCPU(ctx context.Context, st *store.Store) (total time.Duration, ok bool) {
	var pids []int
	if err := st.DB.NewRaw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").Scan(ctx, &pids); err != nil {
		return 0, false
	}
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0, false
		}
		// The fields after the command's closing parenthesis start at the
		// third; user and system time are the 14th and 15th, in clock
		// ticks of 10 ms.
		_, rest, _ := strings.Cut(string(b), ") ")
		f := strings.Fields(rest)
		if len(f) < 13 {
			return 0, false
		}
		user, _ := strconv.ParseInt(f[11], 10, 64)
		sys, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(user+sys) * 10 * time.Millisecond
	}
	return total, len(pids) > 0
}

// ceiling serves a 4 KB fragment from a plain Fiber handler.
func ceiling(tb testing.TB, d time.Duration) result {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := strings.Repeat("<tr><td>ticket</td></tr>\n", 4096/25)
	app.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(body)
	})
	r := hammer(tb, []string{serve(tb, app) + "/"}, http.Header{}, d)
	r.persona, r.query = "ceiling", "plain Fiber, 4 KB"
	return r
}

// serve runs an app on a free loopback port until the test ends.
func serve(tb testing.TB, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// portal builds a Portico server on the store and returns its URL and its
// session store.
func portal(tb testing.TB, st *store.Store) (string, auth.SessionStore) {
	tb.Helper()
	srv, sessions := server(tb, st)
	return serve(tb, srv.App()), sessions
}

// portalServer is portal with settings given as flags, returning the
// server too.
func portalServer(tb testing.TB, st *store.Store, flags ...string) (string, auth.SessionStore, *web.Server) {
	tb.Helper()
	srv, sessions := server(tb, st, flags...)
	return serve(tb, srv.App()), sessions, srv
}

// server builds a Portico server on the store, with sessions in process
// and settings given as flags.
func server(tb testing.TB, st *store.Store, flags ...string) (*web.Server, auth.SessionStore) {
	tb.Helper()
	sessions := auth.NewMemorySessions()
	return serverWith(tb, st, sessions, flags...), sessions
}

// serverWith is server with the given session store.
func serverWith(tb testing.TB, st *store.Store, sessions auth.SessionStore, flags ...string) *web.Server {
	tb.Helper()
	cfg, err := config.Load(flags, func(string) string { return "" }, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	root := testutil.Root(tb)
	srv, err := web.New(web.Deps{
		Config: cfg, Store: st, I18n: bundle, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Secret: []byte("bench-secret-bench-secret-bench-secret"), Sessions: sessions, Limiter: auth.NewMemoryLimiter(),
		Views: os.DirFS(filepath.Join(root, "views")), Static: os.DirFS(filepath.Join(root, "static")),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// login gives the contact a session and returns the headers of an htmx
// request of theirs.
func login(tb testing.TB, sessions auth.SessionStore, contactID int64) http.Header {
	sid := auth.NewSessionID()
	now := time.Now()
	if err := sessions.Put(context.Background(), sid, &auth.Session{Kind: auth.KindContact, AccountID: contactID, CreatedAt: now, LastSeen: now}, 2*time.Hour); err != nil {
		tb.Fatal(err)
	}
	h := http.Header{}
	h.Set("Cookie", sessionCookie+"="+sid)
	h.Set("HX-Request", "true")
	h.Set("Accept-Encoding", "gzip")
	return h
}

// rss reads the process's resident memory, now and at its peak, in MB.
func rss() (now, peak float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			now = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return now, peak
}

// printTable writes the results with their ratio to the ceiling.
func printTable(w io.Writer, title string, ceil result, rows []result) {
	fmt.Fprintf(w, "\n%s (%d clients)\n", title, clients)
	fmt.Fprintf(w, "%-8s | %-40s | %9s | %8s | %8s | %8s | %7s | %8s | %8s\n", "persona", "query", "req/s", "p50 ms", "p99 ms", "ceiling", "bytes", "cpu µs", "db µs")
	fmt.Fprintln(w, strings.Repeat("-", 128))
	for _, r := range append([]result{ceil}, rows...) {
		db := "-"
		if r.dbCPU >= 0 {
			db = strconv.FormatInt(r.dbCPU.Microseconds(), 10)
		}
		fmt.Fprintf(w, "%-8s | %-40s | %9.0f | %8.2f | %8.2f | %7.1f%% | %7d | %8d | %8s\n", r.persona, r.query, r.rps,
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, 100*r.rps/ceil.rps, r.bytes, r.cpu.Microseconds(), db)
	}
	fmt.Fprintln(w, "cpu µs: CPU time per request of this process (server and clients); db µs: of the database's server processes, when on this machine")
	now, peak := rss()
	fmt.Fprintf(w, "RSS of the process (server and clients): %.0f MB now, %.0f MB peak\n", now, peak)
}
