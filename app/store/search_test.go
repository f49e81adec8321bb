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
		{"subject middle, any case", ana, "dDRESS Chan", []int64{invoice}, nil},
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
		"Facturación de ñandú", "it's O'Brien's",
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
		// Shorter than a trigram, or of letters the trigrams don't hold as
		// such: the subjects are still matched.
		{"pl", []string{"plain"}},
		{"ñ", []string{"Facturación de ñandú"}},
		{"ación", []string{"Facturación de ñandú"}},
		{"ndú", []string{"Facturación de ñandú"}},
		// Quotes and colons stay text in the queries of the search terms.
		{"O'Brien", []string{"it's O'Brien's"}},
		{"'s O", []string{"it's O'Brien's"}},
		{"C:", []string{`C:\temp path`}},
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

// testSearchSorts: a search lists the same tickets under every sort and
// direction, in that sort's order, with the count of what it lists.
func testSearchSorts(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	ana := e.org(e.ana)
	keyOf := map[string]func(store.TicketRow) string{
		"id":       func(r store.TicketRow) string { return fmt.Sprintf("%020d", r.ID) },
		"subject":  func(r store.TicketRow) string { return strings.ToLower(r.Subject) },
		"created":  func(r store.TicketRow) string { return r.CreatedAt.UTC().Format(time.RFC3339Nano) },
		"activity": func(r store.TicketRow) string { return r.LastActivityAt.UTC().Format(time.RFC3339Nano) },
		"status":   func(r store.TicketRow) string { return r.StageName },
	}
	var want []int64
	for key, of := range keyOf {
		for _, dir := range []string{"", "-"} {
			rows, total, err := e.st.ListTickets(ctx, e.st.DB, ana, store.ListQuery{Status: "all", Search: "e", Sort: dir + key, Page: 1, Size: 100})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(rows) || total < 5 {
				t.Fatalf("sort %s%s: %d rows, total %d; want the same, at least 5", dir, key, len(rows), total)
			}
			for i := 1; i < len(rows); i++ {
				a, b := of(rows[i-1]), of(rows[i])
				if dir == "-" {
					a, b = b, a
				}
				if a > b {
					t.Errorf("sort %s%s: #%d (%q) listed before #%d (%q)", dir, key, rows[i-1].ID, of(rows[i-1]), rows[i].ID, of(rows[i]))
				}
				if rows[i].StageName == "" || rows[i].CreatedAt.IsZero() {
					t.Errorf("sort %s%s: #%d has no stage or date", dir, key, rows[i].ID)
				}
			}
			ids := make([]int64, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			slices.Sort(ids)
			if want == nil {
				want = ids
			} else if !slices.Equal(ids, want) {
				t.Errorf("sort %s%s lists %v, another sort %v", dir, key, ids, want)
			}
		}
	}
}
