package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// BenchmarkDemo measures the embedded default (SQLite) with the demo data.
func BenchmarkDemo(b *testing.B) {
	st, ana := demoStore(b)
	base, sessions := portal(b, st)
	h := login(b, sessions, ana)
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
		// The first load of the list: the whole page, in its layout.
		whole := h.Clone()
		whole.Del("HX-Request")
		r := hammer(b, []string{base + "/portal/tickets?status=open"}, whole, d)
		r.persona, r.query = "ana", "mine: open, whole page"
		rows = append(rows, r)
		printTable(os.Stdout, "Portal list on the embedded default (SQLite, demo data)", ceil, rows)
	}
	b.ReportMetric(0, "ns/op")
}

// demoStore is the embedded default with the demo data and the portal on,
// Organization view included, and Ana's contact ID.
func demoStore(b *testing.B) (*store.Store, int64) {
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
	return st, ana.ID
}
