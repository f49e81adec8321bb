package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
)

func testSearch(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	printer := e.ticketID(t, "Printer shows error E42")
	invoice := e.ticketID(t, "Invoice address change")
	sso := e.ticketID(t, "Request for SSO setup")            // Ben, Acme
	orders := e.ticketID(t, "API returns 500 on /v1/orders") // Ana
	syncJob := e.ticketID(t, "Sync job fails every night")   // Ben, Acme
	ana := e.org(e.ana)

	// Words that appear only in internal notes and comments of tickets Ana
	// sees. Check that first, or the test below would prove nothing.
	internalOnly := []string{"warranty", "rollback", "pool", "faulty print head", "hour"}
	for _, w := range internalOnly {
		first := strings.Fields(w)[0]
		like := "%" + first + "%"
		internal := count(t, st.DB, (*model.Message)(nil), "kind <> 'public' AND lower(body) LIKE ? AND ticket_id IN (?, ?, ?)",
			like, printer, orders, syncJob)
		public := count(t, st.DB, (*model.Message)(nil), "kind = 'public' AND lower(body) LIKE ?", like)
		subjects := count(t, st.DB, (*model.Ticket)(nil), "lower(subject) LIKE ?", like)
		if internal == 0 || public != 0 || subjects != 0 {
			t.Fatalf("%q: %d internal, %d public messages, %d subjects; the demo data changed", w, internal, public, subjects)
		}
	}

	cases := []struct {
		name  string
		v     store.Viewer
		term  string
		exact []int64 // the whole result, when set
		has   []int64
	}{
		{"id", ana, itoa(printer), nil, []int64{printer}},
		{"id with hash", ana, "#" + itoa(printer), nil, []int64{printer}},
		{"id with spaces", ana, "  #" + itoa(invoice) + " ", nil, []int64{invoice}},
		{"id of a colleague's ticket", ana, "#" + itoa(sso), nil, []int64{sso}},
		{"id of someone else's ticket", e.org(e.gina), "#" + itoa(printer), []int64{}, nil},
		{"subject substring, any case", ana, "PRINTER shows", []int64{printer}, nil},
		{"subject middle", ana, "ddress chan", []int64{invoice}, nil},
		{"public message text", ana, "overheating", []int64{printer}, nil},
		{"public message text of the newer thread", ana, "Madrid", []int64{invoice}, nil},
		{"public message text, two words", ana, "Okta tenant", []int64{sso}, nil},
		{"colleague's message, company view", ana, "Okta", []int64{sso}, nil},
		{"colleague's message, own view", e.own(e.ana), "Okta", []int64{}, nil},
		{"other company's message", e.org(e.gina), "Okta", []int64{}, nil},
		{"word in no ticket", ana, "zyxwvut", []int64{}, nil},
	}
	for _, w := range internalOnly {
		cases = append(cases, struct {
			name  string
			v     store.Viewer
			term  string
			exact []int64
			has   []int64
		}{"internal only: " + w, store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID}, w, []int64{}, nil})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := listIDs(t, st, tc.v, store.ListQuery{Search: tc.term})
			if tc.exact != nil && !slices.Equal(got, tc.exact) {
				t.Errorf("search %q: %v, want %v", tc.term, got, tc.exact)
			}
			for _, id := range tc.has {
				if !slices.Contains(got, id) {
					t.Errorf("search %q: %v lacks #%d", tc.term, got, id)
				}
			}
			visible := listIDs(t, st, tc.v, store.ListQuery{})
			for _, id := range got {
				if !slices.Contains(visible, id) {
					t.Errorf("search %q finds #%d, which the viewer can't see", tc.term, id)
				}
			}
			open, closed, err := st.CountTickets(ctx, st.DB, tc.v, tc.term)
			if err != nil {
				t.Fatal(err)
			}
			if open+closed != len(got) {
				t.Errorf("CountTickets(%q): %d+%d, list has %d", tc.term, open, closed, len(got))
			}
		})
	}

	t.Run("NUL bytes are dropped", func(t *testing.T) {
		if got := listIDs(t, st, ana, store.ListQuery{Search: "over\x00heating"}); !slices.Equal(got, []int64{printer}) {
			t.Errorf("search with a NUL byte: %v, want [%d]", got, printer)
		}
	})

	t.Run("blank search is no search", func(t *testing.T) {
		if got, all := listIDs(t, st, ana, store.ListQuery{Search: "   "}), listIDs(t, st, ana, store.ListQuery{}); !slices.Equal(got, all) {
			t.Errorf("blank search: %d tickets, want %d", len(got), len(all))
		}
	})

	// Full-text syntax in a term is taken as text: no error, and never more
	// than the viewer may see.
	t.Run("syntax characters", func(t *testing.T) {
		visible := listIDs(t, st, ana, store.ListQuery{})
		terms := []string{
			`"`, `""`, `"printer`, `printer"`, `*`, `printer*`, `(`, `)`, `(printer`, `NEAR`, `NEAR(printer error)`,
			`printer NEAR error`, `NEAR/2`, `AND`, `OR`, `NOT`, `printer OR error`, `printer AND NOT error`, `-printer`,
			`^printer`, `body:printer`, `subject:printer`, `{body}:printer`, `'`, `''`, `\`, `:`, `+`, `!`, `&`, `|`,
			`<->`, `printer:*`, `!printer`, `printer & !error`, `;`, `--`, `/*`, `$1`, `?`, `\x00`, "tab\there",
			`%_%`, `[a-z]`, `Printer") OR 1=1 --`, strings.Repeat("a", 300), "\x00", "print\x00er", "\xff\xfe",
		}
		for _, term := range terms {
			rows, total, err := st.ListTickets(ctx, st.DB, ana, store.ListQuery{Status: "all", Search: term, Size: 1000})
			if err != nil {
				t.Errorf("search %q: %v", term, err)
				continue
			}
			if total != len(rows) {
				t.Errorf("search %q: total %d, %d rows", term, total, len(rows))
			}
			for _, r := range rows {
				if !slices.Contains(visible, r.ID) {
					t.Errorf("search %q finds #%d, which the viewer can't see", term, r.ID)
				}
			}
			if _, _, err := st.CountTickets(ctx, st.DB, ana, term); err != nil {
				t.Errorf("count %q: %v", term, err)
			}
		}
	})
}

// testSearchLiteral gives a new contact tickets whose subjects hold LIKE
// wildcards, and checks that they match only themselves.
func testSearchLiteral(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	c := &model.Contact{Email: "percy@example.com", Name: "Percy Percent"}
	if err := store.CreateContact(ctx, st.DB, c); err != nil {
		t.Fatal(err)
	}
	stage := firstSupportStage(t, e)
	subjects := []string{
		"100% done_ok", "100 percent done", "doneXok report", "50%off", "under_score", `C:\temp path`, "plain",
	}
	ids := map[string]int64{}
	for _, s := range subjects {
		tk := &model.Ticket{Subject: s, PipelineID: stage.PipelineID, StageID: stage.ID, Source: model.SourcePortal, Priority: "low"}
		if err := store.CreateTicket(ctx, st.DB, tk, []int64{c.ID}, nil); err != nil {
			t.Fatal(err)
		}
		ids[s] = tk.ID
	}
	v := store.Viewer{ContactID: c.ID}
	if got := listIDs(t, st, v, store.ListQuery{}); len(got) != len(subjects) {
		t.Fatalf("Percy sees %d tickets, want %d", len(got), len(subjects))
	}
	cases := []struct {
		term string
		want []string
	}{
		{"%", []string{"100% done_ok", "50%off"}},
		{"_", []string{"100% done_ok", "under_score"}},
		{"%%", nil},
		{"__", nil},
		{"100%", []string{"100% done_ok"}},
		{"done_ok", []string{"100% done_ok"}},
		{"DONE_OK", []string{"100% done_ok"}},
		{"0%o", []string{"50%off"}},
		{"r_s", []string{"under_score"}},
		{`\`, []string{`C:\temp path`}},
		{`C:\t`, []string{`C:\temp path`}},
		{`\%`, nil},
		{`\_`, nil},
		{"%plain%", nil},
	}
	for _, tc := range cases {
		t.Run(tc.term, func(t *testing.T) {
			want := []int64{}
			for _, s := range tc.want {
				want = append(want, ids[s])
			}
			slices.Sort(want)
			if got := listIDs(t, st, v, store.ListQuery{Search: tc.term}); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v (%v)", tc.term, got, want, tc.want)
			}
		})
	}
}

// firstSupportStage is the first open stage of the pipeline the demo's
// portal filter shows.
func firstSupportStage(t *testing.T, e *demoEnv) *model.Stage {
	t.Helper()
	tk := ticket(t, e.st.DB, e.ticketID(t, "Printer shows error E42"))
	stage, err := store.FirstOpenStage(context.Background(), e.st.DB, tk.PipelineID)
	if err != nil {
		t.Fatal(err)
	}
	return stage
}

// sortKey compares two rows on the key, ascending, ties broken by ID.
func sortKey(key string, a, b store.TicketRow) int {
	var c int
	switch key {
	case "id":
		c = 0
	case "subject":
		c = strings.Compare(strings.ToLower(a.Subject), strings.ToLower(b.Subject))
	case "created":
		c = a.CreatedAt.Compare(b.CreatedAt)
	case "activity":
		c = a.LastActivityAt.Compare(b.LastActivityAt)
	case "status":
		c = strings.Compare(a.StageName, b.StageName)
	default:
		panic("unknown sort key " + key)
	}
	if c != 0 {
		return c
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func checkOrder(t *testing.T, what, key string, desc bool, rows []store.TicketRow) {
	t.Helper()
	for i := 1; i < len(rows); i++ {
		c := sortKey(key, rows[i-1], rows[i])
		if desc {
			c = -c
		}
		if c >= 0 {
			t.Errorf("%s: #%d (%q, %v, %v, %q) comes before #%d (%q, %v, %v, %q)", what,
				rows[i-1].ID, rows[i-1].Subject, rows[i-1].CreatedAt, rows[i-1].LastActivityAt, rows[i-1].StageName,
				rows[i].ID, rows[i].Subject, rows[i].CreatedAt, rows[i].LastActivityAt, rows[i].StageName)
			return
		}
	}
}

// checkSubjectOrder checks the subject order only where every collation
// agrees: collations differ on punctuation, spaces and accents, so a pair is
// compared only when the first difference of the lowercased subjects is
// between two ASCII letters or digits. SortingSubject checks the order of
// letters-only subjects in full.
func checkSubjectOrder(t *testing.T, what string, desc bool, rows []store.TicketRow) {
	t.Helper()
	alnum := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }
	compared := 0
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			a, b := strings.ToLower(rows[i].Subject), strings.ToLower(rows[j].Subject)
			k := 0
			for k < len(a) && k < len(b) && a[k] == b[k] {
				k++
			}
			if k == len(a) || k == len(b) || !alnum(a[k]) || !alnum(b[k]) {
				continue
			}
			compared++
			if (a[k] < b[k]) == desc {
				t.Errorf("%s: %q comes before %q", what, rows[i].Subject, rows[j].Subject)
				return
			}
		}
	}
	if compared < len(rows) {
		t.Errorf("%s: only %d pairs could be compared", what, compared)
	}
}

func testSorting(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	v := e.org(e.ana)
	all := listIDs(t, st, v, store.ListQuery{})
	if len(all) < 20 {
		t.Fatalf("Ana's organization view has %d tickets, too few to check sorting", len(all))
	}
	var keys []string
	for k := range store.SortColumns {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		for _, desc := range []bool{false, true} {
			sort := key
			if desc {
				sort = "-" + key
			}
			t.Run(sort, func(t *testing.T) {
				rows, total, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Sort: sort, Size: 1000})
				if err != nil {
					t.Fatal(err)
				}
				if total != len(all) || len(rows) != len(all) {
					t.Fatalf("total %d, %d rows, want %d", total, len(rows), len(all))
				}
				if key == "subject" {
					checkSubjectOrder(t, sort, desc, rows)
					return
				}
				checkOrder(t, sort, key, desc, rows)
			})
		}
	}

	t.Run("stage names are right", func(t *testing.T) {
		stages, err := store.Stages(ctx, st.DB)
		if err != nil {
			t.Fatal(err)
		}
		names := map[int64]string{}
		for _, s := range stages {
			names[s.ID] = s.Name
		}
		rows, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Size: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			tk := ticket(t, st.DB, r.ID)
			if r.StageName != names[tk.StageID] || r.Subject != tk.Subject || r.Closed != tk.Closed ||
				!r.CreatedAt.Equal(tk.CreatedAt) || !r.LastActivityAt.Equal(tk.LastActivityAt) {
				t.Errorf("row %+v disagrees with ticket %+v (stage %q)", r, tk, names[tk.StageID])
			}
		}
	})

	t.Run("unknown key falls back to last activity, newest first", func(t *testing.T) {
		want, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Sort: "-activity", Size: 1000})
		if err != nil {
			t.Fatal(err)
		}
		checkOrder(t, "-activity", "activity", true, want)
		for _, sort := range []string{"", "-", "bogus", "-bogus", "ID", "t.id", "id; DROP TABLE tickets", "--id", "+id", "activity ASC"} {
			rows, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Sort: sort, Size: 1000})
			if err != nil {
				t.Errorf("sort %q: %v", sort, err)
				continue
			}
			if !slices.EqualFunc(rows, want, func(a, b store.TicketRow) bool { return a.ID == b.ID }) {
				t.Errorf("sort %q does not fall back to -activity", sort)
			}
		}
	})
}

// testSortingSubject sorts letters-only subjects of mixed case, where
// every collation agrees, and checks that case is ignored.
func testSortingSubject(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	c := &model.Contact{Email: "sorter@example.com", Name: "Sam Sorter"}
	if err := store.CreateContact(ctx, st.DB, c); err != nil {
		t.Fatal(err)
	}
	stages, err := store.Stages(ctx, st.DB)
	if err != nil {
		t.Fatal(err)
	}
	support := firstSupportStage(t, e)
	var pipelineStages []model.Stage
	for _, s := range stages {
		if s.PipelineID == support.PipelineID {
			pipelineStages = append(pipelineStages, s)
		}
	}
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// Created in an order that differs from the subject, the activity and
	// the ID, so that each sort gives a different sequence.
	specs := []struct {
		subject          string
		createdH, activH int
	}{
		{"delta", 5, 10}, {"Alpha", 3, 50}, {"echo", 1, 20}, {"Charlie", 4, 40}, {"bravo", 2, 30},
	}
	for i, s := range specs {
		stage := pipelineStages[i%len(pipelineStages)]
		tk := &model.Ticket{
			Subject: s.subject, PipelineID: stage.PipelineID, StageID: stage.ID, Closed: stage.IsClosed,
			Source: model.SourcePortal, CreatedAt: base.Add(time.Duration(s.createdH) * time.Hour),
			LastActivityAt: base.Add(time.Duration(s.activH) * time.Hour),
		}
		if err := store.CreateTicket(ctx, st.DB, tk, []int64{c.ID}, nil); err != nil {
			t.Fatal(err)
		}
	}
	v := store.Viewer{ContactID: c.ID}
	subjects := func(sort string) string {
		rows, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Sort: sort, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.Subject)
		}
		return strings.Join(out, " ")
	}
	cases := map[string]string{
		"subject":   "Alpha bravo Charlie delta echo",
		"-subject":  "echo delta Charlie bravo Alpha",
		"created":   "echo bravo Alpha Charlie delta",
		"-created":  "delta Charlie Alpha bravo echo",
		"activity":  "delta echo bravo Charlie Alpha",
		"-activity": "Alpha Charlie bravo echo delta",
		"id":        "delta Alpha echo Charlie bravo",
		"-id":       "bravo Charlie echo Alpha delta",
		"status":    "Charlie delta bravo echo Alpha",
		"-status":   "Alpha echo bravo delta Charlie",
		"":          "Alpha Charlie bravo echo delta",
	}
	for sort, want := range cases {
		if got := subjects(sort); got != want {
			t.Errorf("sort %q: %s, want %s", sort, got, want)
		}
	}
}

func testPagination(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	v := e.org(e.ana)
	for _, status := range []string{"all", "open", "closed"} {
		for _, sort := range []string{"-activity", "subject", "id", "-status", "created"} {
			t.Run(fmt.Sprintf("%s %s", status, sort), func(t *testing.T) {
				full, fullTotal, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: status, Sort: sort, Size: 1000})
				if err != nil {
					t.Fatal(err)
				}
				if fullTotal != len(full) || fullTotal < 3 {
					t.Fatalf("total %d, %d rows", fullTotal, len(full))
				}
				const size = 4
				seen := map[int64]bool{}
				var paged []store.TicketRow
				pages := (fullTotal + size - 1) / size
				for page := 1; page <= pages+1; page++ {
					rows, total, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: status, Sort: sort, Page: page, Size: size})
					if err != nil {
						t.Fatal(err)
					}
					if total != fullTotal {
						t.Errorf("page %d: total %d, want %d", page, total, fullTotal)
					}
					wantLen := min(size, max(0, fullTotal-(page-1)*size))
					if len(rows) != wantLen {
						t.Errorf("page %d: %d rows, want %d", page, len(rows), wantLen)
					}
					for _, r := range rows {
						if seen[r.ID] {
							t.Errorf("page %d repeats #%d", page, r.ID)
						}
						seen[r.ID] = true
					}
					paged = append(paged, rows...)
				}
				if !slices.EqualFunc(paged, full, func(a, b store.TicketRow) bool { return a.ID == b.ID }) {
					t.Errorf("pages joined differ from the full list")
				}
			})
		}
	}

	t.Run("out of range page and size", func(t *testing.T) {
		first, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Page: 1, Size: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, lq := range []store.ListQuery{{Page: 0, Size: 0}, {Page: -3, Size: -1}} {
			lq.Status = "all"
			rows, _, err := st.ListTickets(ctx, st.DB, v, lq)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(rows, first, func(a, b store.TicketRow) bool { return a.ID == b.ID }) {
				t.Errorf("%+v: %d rows, want the first page of 20", lq, len(rows))
			}
		}
	})
}
