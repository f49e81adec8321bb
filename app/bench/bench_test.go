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
	"portico/app/config"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/scaledata"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web"
	"portico/app/web/core"
)

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
	start := time.Now()
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
	elapsed := time.Since(start)
	if fail != nil {
		tb.Fatal(fail)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	return result{n: len(lat), rps: float64(len(lat)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), bytes: bytes}
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
	cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	root := testutil.Root(tb)
	sessions := auth.NewMemorySessions()
	srv, err := web.New(web.Deps{
		Config: cfg, Store: st, I18n: bundle, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Secret: []byte("bench-secret-bench-secret-bench-secret"), Sessions: sessions, Limiter: auth.NewMemoryLimiter(),
		Views: os.DirFS(filepath.Join(root, "views")), Static: os.DirFS(filepath.Join(root, "static")),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return serve(tb, srv.App()), sessions
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

// query is one line of the table: a persona's kind of request, as the
// URLs that the clients cycle through.
type query struct {
	name string
	urls []string
}

var sorts = []string{"id", "subject", "created", "activity", "status"}

// queries are the lines for one persona: every view, status, sort column
// and direction, a first and a deep page, and the three kinds of search.
func queries(base string, pages map[string]int, cursors map[string]string, words scaledata.Personas, ticketID int64, org bool) []query {
	views := []string{"mine"}
	if org {
		views = append(views, "org")
	}
	u := func(v string, rest string) string { return base + "/portal/tickets?view=" + v + "&" + rest }
	var out []query
	for _, v := range views {
		var first, deep, walked, statuses []string
		page := max(1, pages[v]*3/4)
		for _, s := range sorts {
			for _, dir := range []string{"", "-"} {
				first = append(first, u(v, "status=all&sort="+dir+s))
				deep = append(deep, u(v, "status=all&sort="+dir+s+"&page="+strconv.Itoa(page)))
				walked = append(walked, u(v, "status=all&sort="+dir+s+"&page="+strconv.Itoa(page)+"&after="+cursors[v+dir+s]))
			}
		}
		for _, s := range []string{"open", "closed", "all"} {
			statuses = append(statuses, u(v, "status="+s))
		}
		out = append(out,
			query{v + ": open, closed, all", statuses},
			query{v + ": 10 sorts, page 1", first},
			query{fmt.Sprintf("%s: 10 sorts, page %d of %d", v, page, pages[v]), deep},
		)
		if page > 1 {
			out = append(out, query{fmt.Sprintf("%s: 10 sorts, page %d by next link", v, page), walked})
		}
	}
	v := views[len(views)-1]
	out = append(out,
		query{v + ": search subject word", []string{u(v, "status=all&q="+words.SubjectWord)}},
		query{v + ": search message word", []string{u(v, "status=all&q="+words.MessageWord)}},
		query{v + ": search ticket ID", []string{u(v, "status=all&q=%23"+strconv.FormatInt(ticketID, 10))}},
	)
	return out
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
	fmt.Fprintf(w, "%-8s | %-40s | %9s | %8s | %8s | %8s | %7s\n", "persona", "query", "req/s", "p50 ms", "p99 ms", "ceiling", "bytes")
	fmt.Fprintln(w, strings.Repeat("-", 106))
	for _, r := range append([]result{ceil}, rows...) {
		fmt.Fprintf(w, "%-8s | %-40s | %9.0f | %8.2f | %8.2f | %7.1f%% | %7d\n", r.persona, r.query, r.rps,
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, 100*r.rps/ceil.rps, r.bytes)
	}
	now, peak := rss()
	fmt.Fprintf(w, "RSS of the process (server and clients): %.0f MB now, %.0f MB peak\n", now, peak)
}

// persona is a contact the benchmark logs in as.
type persona struct {
	name      string
	contactID int64
	org       bool
}

// runScale measures every persona's queries on generated data.
func runScale(tb testing.TB, st *store.Store, p scaledata.Personas, d time.Duration) {
	ctx := context.Background()
	base, sessions := portal(tb, st)
	personas := []persona{{"small", p.Small, true}, {"heavy", p.Heavy, false}, {"org", p.Org, true}}
	ceil := ceiling(tb, d)
	var rows []result
	only := os.Getenv("PORTICO_BENCH_PERSONAS") // e.g. "small,org"; all when empty
	for _, pe := range personas {
		if only != "" && !slices.Contains(strings.Split(only, ","), pe.name) {
			continue
		}
		c, err := store.ContactByID(ctx, st.DB, pe.contactID)
		if err != nil {
			tb.Fatal(err)
		}
		pages, cursors := map[string]int{}, map[string]string{}
		var someTicket int64
		for _, view := range []string{"mine", "org"} {
			v := store.Viewer{ContactID: c.ID}
			if view == "org" && c.CompanyID != nil {
				v.CompanyID = *c.CompanyID
			}
			open, closed, err := st.CountTickets(ctx, st.DB, v, "")
			if err != nil {
				tb.Fatal(err)
			}
			pages[view] = max(1, (open+closed+19)/20)
			// The "next" link of the page before the deep one.
			if deep := pages[view] * 3 / 4; deep > 1 {
				for _, s := range sorts {
					for _, dir := range []string{"", "-"} {
						r, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Sort: dir + s, Page: deep - 1, Size: 20})
						if err != nil || len(r) == 0 {
							tb.Fatalf("page %d of %s: %v", deep-1, view, err)
						}
						cursors[view+dir+s] = core.Cursor(r[len(r)-1])
					}
				}
			}
			if someTicket == 0 {
				r, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Size: 1})
				if err != nil || len(r) == 0 {
					tb.Fatalf("%s sees no tickets: %v", pe.name, err)
				}
				someTicket = r[0].ID
			}
		}
		h := login(tb, sessions, c.ID)
		for _, q := range queries(base, pages, cursors, p, someTicket, pe.org && c.CompanyID != nil) {
			r := hammer(tb, q.urls, h, d)
			r.persona, r.query = pe.name, q.name
			rows = append(rows, r)
		}
	}
	var n int64
	_ = st.DB.NewSelect().TableExpr("tickets").ColumnExpr("count(*)").Scan(ctx, &n)
	printTable(os.Stdout, fmt.Sprintf("Portal list fragments on Postgres, %d tickets", n), ceil, rows)
}

// scaleStore opens (and migrates) the benchmark database and fills it
// with generated data if it is empty.
func scaleStore(tb testing.TB, url string, tickets int) (*store.Store, scaledata.Personas) {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(url, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx, testutil.Migrations(tb)); err != nil {
		tb.Fatal(err)
	}
	logf := func(format string, args ...any) { tb.Logf(format, args...) }
	p, err := scaledata.Generate(ctx, st.DB, scaledata.Options{Tickets: tickets}, logf)
	if err != nil {
		tb.Fatal(err)
	}
	// Generated rows come from plain SQL; their derived keys are built by
	// a reindex, the way an import is.
	stale, err := st.DB.NewSelect().TableExpr("ticket_contacts").Where("subject_key = ''").Exists(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if stale {
		start := time.Now()
		if err := st.Reindex(ctx, nil); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("reindex took %s", time.Since(start).Round(time.Millisecond))
	}
	return st, p
}

func seconds(def time.Duration) time.Duration {
	if s, err := strconv.ParseFloat(os.Getenv("PORTICO_BENCH_SECONDS"), 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	return def
}

// BenchmarkScale is the full run. PORTICO_BENCH_DATABASE_URL names the
// database (generated on first use; PORTICO_BENCH_TICKETS sets its size,
// a million by default), PORTICO_BENCH_SECONDS the time per line.
func BenchmarkScale(b *testing.B) {
	url := os.Getenv("PORTICO_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("PORTICO_BENCH_DATABASE_URL is not set")
	}
	tickets := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("PORTICO_BENCH_TICKETS")); err == nil && n > 0 {
		tickets = n
	}
	st, p := scaleStore(b, url, tickets)
	for range b.N {
		runScale(b, st, p, seconds(3*time.Second))
	}
	b.ReportMetric(0, "ns/op")
}

// TestScaleBenchPostgres runs the benchmark's table on 20,000 generated
// tickets, after checking that each persona's lists give exact counts.
func TestScaleBenchPostgres(t *testing.T) {
	st, p := scaleStore(t, testutil.PostgresURL(t), 20_000)
	checkPersonas(t, st, p)
	runScale(t, st, p, seconds(300*time.Millisecond))
}

// checkPersonas compares what the portal lists for each persona with the
// same lists worked out on the base tables, with the rules checked live.
func checkPersonas(t *testing.T, st *store.Store, p scaledata.Personas) {
	ctx := context.Background()
	ps, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{p.Small, p.Heavy, p.Org} {
		c, err := store.ContactByID(ctx, st.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, org := range []bool{false, true} {
			v := store.Viewer{ContactID: id}
			if org && c.CompanyID != nil {
				v.CompanyID = *c.CompanyID
			}
			live := v
			live.Filters, live.LiveRules = ps.Filters, true
			for _, lq := range []store.ListQuery{
				{Status: "all"}, {Status: "open", Sort: "subject"}, {Status: "closed", Sort: "-status", Page: 2},
				{Status: "all", Sort: "created", Page: 3}, {Status: "all", Search: p.SubjectWord},
				{Status: "all", Search: p.MessageWord, Sort: "-id"}, {Status: "all", Search: p.NoteWord},
			} {
				got, gotTotal, err := st.ListTickets(ctx, st.DB, v, lq)
				if err != nil {
					t.Fatal(err)
				}
				want, wantTotal, err := st.ListTickets(ctx, st.DB, live, lq)
				if err != nil {
					t.Fatal(err)
				}
				if gotTotal != wantTotal || !slices.EqualFunc(got, want, func(a, b store.TicketRow) bool { return a.ID == b.ID }) {
					t.Errorf("contact %d %+v: %d tickets %v, want %d %v", id, lq, gotTotal, ids(got), wantTotal, ids(want))
				}
				if lq.Search == p.NoteWord && gotTotal != 0 {
					t.Errorf("a word only in internal notes finds %d tickets", gotTotal)
				}
			}
		}
	}
	if n := p.OrgCompanyTickets; n < 500 {
		t.Errorf("the org persona's company holds %d tickets", n)
	}
}

func ids(rows []store.TicketRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// BenchmarkDemo measures the embedded default (SQLite) with the demo data.
func BenchmarkDemo(b *testing.B) {
	ctx := context.Background()
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "portico.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx, testutil.Migrations(b)); err != nil {
		b.Fatal(err)
	}
	if err := demo.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
	ps, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		b.Fatal(err)
	}
	ps.Enabled, ps.BaseURL, ps.Permission = true, "http://127.0.0.1", model.PermissionCompany
	if _, err := store.SaveSettings(ctx, st.DB, ps); err != nil {
		b.Fatal(err)
	}
	ana, err := store.ContactByEmail(ctx, st.DB, demo.AnaEmail)
	if err != nil {
		b.Fatal(err)
	}
	base, sessions := portal(b, st)
	h := login(b, sessions, ana.ID)
	d := seconds(3 * time.Second)
	for range b.N {
		ceil := ceiling(b, d)
		var rows []result
		for _, q := range []query{
			{"mine: open", []string{base + "/portal/tickets?status=open"}},
			{"org: all", []string{base + "/portal/tickets?view=org&status=all"}},
			{"org: search", []string{base + "/portal/tickets?view=org&status=all&q=printer"}},
			{"org: page 2 by subject", []string{base + "/portal/tickets?view=org&status=all&sort=subject&page=2"}},
		} {
			r := hammer(b, q.urls, h, d)
			r.persona, r.query = "ana", q.name
			rows = append(rows, r)
		}
		printTable(os.Stdout, "Portal list fragments on the embedded default (SQLite, demo data)", ceil, rows)
	}
	b.ReportMetric(0, "ns/op")
}
