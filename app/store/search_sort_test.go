package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
)

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
