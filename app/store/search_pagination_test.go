package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"portico/app/store"
)

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
