package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/auth"
	"portico/app/scaledata"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/core"
)

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

// persona is a contact the benchmark logs in as.
type persona struct {
	name      string
	contactID int64
	org       bool
}

// runScale measures every persona's queries on generated data, with
// sessions in the given store, as in production when it is Redis.
func runScale(tb testing.TB, st *store.Store, p scaledata.Personas, d time.Duration, sessions auth.SessionStore) {
	ctx := context.Background()
	base := serve(tb, serverWith(tb, st, sessions).App())
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
			db0, ok := dbCPU(ctx, st)
			r := hammer(tb, q.urls, h, d)
			if db1, ok1 := dbCPU(ctx, st); ok && ok1 && db1 >= db0 {
				r.dbCPU = (db1 - db0) / time.Duration(r.n)
			}
			r.persona, r.query = pe.name, q.name
			rows = append(rows, r)
		}
	}
	var n int64
	_ = st.DB.NewSelect().TableExpr("tickets").ColumnExpr("count(*)").Scan(ctx, &n)
	where := "in process"
	if _, ok := sessions.(*auth.RedisSessions); ok {
		where = "in Redis"
	}
	printTable(os.Stdout, fmt.Sprintf("Portal list fragments on Postgres, %d tickets, sessions %s", n, where), ceil, rows)
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
	// Contacts are kept between requests, as a server keeps them.
	watch, stop := context.WithCancel(ctx)
	tb.Cleanup(stop)
	go st.WatchAccounts(watch, slog.New(slog.NewTextHandler(io.Discard, nil)))
	logf := func(format string, args ...any) { tb.Logf(format, args...) }
	// Generation is one long transaction: on a connection of its own,
	// without the pool's read timeout, which a busy machine can outlast.
	gendb := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url), pgdriver.WithReadTimeout(time.Hour))), pgdialect.New())
	defer gendb.Close()
	p, err := scaledata.Generate(ctx, gendb, scaledata.Options{Tickets: tickets}, logf)
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
// a million by default), PORTICO_BENCH_REDIS_URL the Redis that keeps the
// sessions (in process without it), PORTICO_BENCH_SECONDS the time per
// line.
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
	var sessions auth.SessionStore = auth.NewMemorySessions()
	if raw := os.Getenv("PORTICO_BENCH_REDIS_URL"); raw != "" {
		opts, err := redis.ParseURL(raw)
		if err != nil {
			b.Fatal(err)
		}
		c := auth.NewRedis(opts)
		prefix := fmt.Sprintf("portico-bench:%d:", time.Now().UnixNano())
		b.Cleanup(func() { dropKeys(c, prefix) })
		sessions = &auth.RedisSessions{Client: c, Prefix: prefix}
	}
	for range b.N {
		runScale(b, st, p, seconds(3*time.Second), sessions)
	}
	b.ReportMetric(0, "ns/op")
}

// TestScaleBenchPostgres runs the benchmark's table on 20,000 generated
// tickets, after checking that each persona's lists give exact counts.
func TestScaleBenchPostgres(t *testing.T) {
	st, p := scaleStore(t, testutil.PostgresURL(t), 20_000)
	checkPersonas(t, st, p)
	c, prefix := testutil.Redis(t)
	runScale(t, st, p, seconds(300*time.Millisecond), &auth.RedisSessions{Client: c, Prefix: prefix})
}

// dropKeys removes the benchmark's sessions from Redis.
func dropKeys(c *redis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	c.Close()
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
				{Status: "open", Search: p.MessageWord, Sort: "subject", Page: 2}, {Status: "closed", Search: p.SubjectWord, Sort: "-created", Page: 3},
				{Status: "all", Search: p.MessageWord, Page: 7},
				{Status: "all", Shared: true}, {Status: "open", Shared: true, Sort: "subject"},
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
