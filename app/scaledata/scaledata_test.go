package scaledata_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/scaledata"
	"portico/app/store"
	"portico/app/testutil"
)

const size = 20_000

func generate(t *testing.T) (*store.Store, scaledata.Personas) {
	t.Helper()
	st := testutil.Postgres(t)
	ps, err := scaledata.Generate(context.Background(), st.DB, scaledata.Options{Tickets: size}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return st, ps
}

func scalar[T any](t *testing.T, db bun.IDB, query string, args ...any) T {
	t.Helper()
	var v T
	if err := db.NewRaw(query, args...).Scan(context.Background(), &v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// checksum digests every generated table, in ID order: the columns the
// generator writes (the association rows' derived keys are a reindex's).
func checksum(t *testing.T, db bun.IDB) string {
	return scalar[string](t, db, `SELECT md5(concat_ws('|',
		(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM tickets t),
		(SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM contacts c),
		(SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM companies c),
		(SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM messages m),
		(SELECT md5(string_agg(h::text, ',' ORDER BY id)) FROM threads h),
		(SELECT md5(string_agg((tc.ticket_id, tc.contact_id)::text, ',' ORDER BY ticket_id, contact_id)) FROM ticket_contacts tc),
		(SELECT md5(string_agg((tc.ticket_id, tc.company_id)::text, ',' ORDER BY ticket_id, company_id)) FROM ticket_companies tc),
		(SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM stages s),
		(SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM staff_users s)))`)
}

func near(t *testing.T, what string, got, want, tolerance float64) {
	t.Helper()
	if math.Abs(got-want) > tolerance*want {
		t.Errorf("%s = %.0f, want %.0f ± %.0f%%", what, got, want, tolerance*100)
	}
}

func TestGeneratePostgres(t *testing.T) {
	st, ps := generate(t)
	db := st.DB
	ctx := context.Background()
	t.Logf("personas: %+v", ps)

	t.Run("counts", func(t *testing.T) {
		for table, want := range map[string]int{
			"tickets": size, "contacts": size / 5, "companies": size / 50, "messages": 2 * size,
		} {
			if got := scalar[int](t, db, "SELECT count(*) FROM "+table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		// One company per ticket with one, that of one of its contacts.
		withCompany := scalar[float64](t, db, `SELECT count(DISTINCT ticket_id)::float8 FROM ticket_companies`)
		if n := scalar[float64](t, db, `SELECT count(*)::float8 FROM ticket_companies`); n != withCompany || withCompany < 0.85*size || withCompany > 0.97*size {
			t.Errorf("%.0f company rows on %.0f tickets", n, withCompany)
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM ticket_companies tco WHERE NOT EXISTS (SELECT 1 FROM ticket_contacts tc
			JOIN contacts c ON c.id = tc.contact_id WHERE tc.ticket_id = tco.ticket_id AND c.company_id = tco.company_id)`); n != 0 {
			t.Errorf("%d tickets with a company none of their contacts belongs to", n)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM messages WHERE kind = 'note'`); got != 2*size/5 {
			t.Errorf("%d notes, want a fifth of the messages", got)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM threads h WHERE h.ticket_id = t.id)
			OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.kind = 'public')
			OR NOT EXISTS (SELECT 1 FROM ticket_contacts tc WHERE tc.ticket_id = t.id)`); got != 0 {
			t.Errorf("%d tickets without a thread, a public message or a contact", got)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM messages m JOIN threads h ON h.id = m.thread_id WHERE h.ticket_id <> m.ticket_id`); got != 0 {
			t.Errorf("%d messages in another ticket's thread", got)
		}
		multi := scalar[float64](t, db, `SELECT count(*)::float8 FROM (SELECT ticket_id FROM ticket_contacts GROUP BY ticket_id HAVING count(*) > 1) x`)
		near(t, "tickets with several contacts", multi, 0.05*size, 0.4)
		none := scalar[float64](t, db, `SELECT count(*)::float8 FROM contacts WHERE company_id IS NULL`)
		near(t, "contacts without a company", none, size/5/10, 0.05)
		if got := scalar[int](t, db, `SELECT count(*) FROM staff_users`); got < 2 {
			t.Errorf("%d staff users", got)
		}
	})

	t.Run("stages", func(t *testing.T) {
		if got := scalar[int](t, db, `SELECT count(*) FROM tickets t JOIN stages s ON s.id = t.stage_id
			WHERE t.closed <> s.is_closed OR t.pipeline_id <> s.pipeline_id`); got != 0 {
			t.Errorf("%d tickets whose closed flag or pipeline disagrees with their stage", got)
		}
		closed := scalar[float64](t, db, `SELECT avg(closed::int) FROM tickets`)
		if closed < 0.60 || closed > 0.75 {
			t.Errorf("%.0f%% closed, want 60–75%%", closed*100)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM tickets WHERE last_activity_at < created_at`); got != 0 {
			t.Errorf("%d tickets active before they were created", got)
		}
		days := scalar[float64](t, db, `SELECT extract(epoch FROM max(created_at) - min(created_at)) / 86400 FROM tickets`)
		near(t, "days of tickets", days, 3*365, 0.05)
		if got := scalar[int](t, db, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
			WHERE m.created_at < t.created_at OR (m.kind = 'public' AND m.created_at > t.last_activity_at)`); got != 0 {
			t.Errorf("%d public messages outside their ticket's lifetime", got)
		}
		subjects := scalar[float64](t, db, `SELECT count(DISTINCT subject)::float8 FROM tickets`)
		if subjects < 0.5*size {
			t.Errorf("only %.0f distinct subjects", subjects)
		}
	})

	t.Run("personas", func(t *testing.T) {
		if ps.HeavyTickets != size*3/1000 || ps.OrgCompanyTickets != size*3/100 {
			t.Errorf("Heavy has %d tickets and the Org company %d, want %d and %d", ps.HeavyTickets, ps.OrgCompanyTickets, size*3/1000, size*3/100)
		}
		own := func(c int64) int {
			return scalar[int](t, db, `SELECT count(*) FROM ticket_contacts WHERE contact_id = ? AND NOT shared`, c)
		}
		if got := own(ps.Heavy); got != ps.HeavyTickets {
			t.Errorf("Heavy has %d own tickets, Personas say %d", got, ps.HeavyTickets)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM ticket_companies WHERE company_id = ?`, ps.OrgCompany); got != ps.OrgCompanyTickets {
			t.Errorf("Org company has %d tickets, Personas say %d", got, ps.OrgCompanyTickets)
		}
		if got := scalar[int64](t, db, `SELECT company_id FROM contacts WHERE id = ?`, ps.Org); got != ps.OrgCompany {
			t.Errorf("Org contact's company is %d, not %d", got, ps.OrgCompany)
		}
		if got := own(ps.Org); got < 3 || got > 6 {
			t.Errorf("Org contact has %d own tickets", got)
		}
		if got := own(ps.Small); got < 3 || got > 6 {
			t.Errorf("Small contact has %d own tickets", got)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM ticket_contacts WHERE shared`); got < size/1000 || got > size/100 {
			t.Errorf("%d shared visibility rows", got)
		}
		if got := scalar[int](t, db, `SELECT count(*) FROM ticket_companies WHERE company_id = (SELECT company_id FROM contacts WHERE id = ?)`, ps.Small); got > 20 {
			t.Errorf("Small contact's company has %d tickets", got)
		}
		heavyCo := scalar[int](t, db, `SELECT count(*) FROM ticket_companies WHERE company_id = (SELECT company_id FROM contacts WHERE id = ?)`, ps.Heavy)
		if heavyCo > ps.HeavyTickets+10 {
			t.Errorf("Heavy contact's company has %d tickets, Heavy %d", heavyCo, ps.HeavyTickets)
		}
		if most := scalar[int](t, db, `SELECT max(n) FROM (SELECT count(*) AS n FROM ticket_contacts GROUP BY contact_id) x`); most != ps.HeavyTickets {
			t.Errorf("busiest contact has %d tickets, Heavy %d", most, ps.HeavyTickets)
		}
		if most := scalar[int](t, db, `SELECT max(n) FROM (SELECT count(*) AS n FROM ticket_companies GROUP BY company_id) x`); most != ps.OrgCompanyTickets {
			t.Errorf("largest company has %d tickets, Org company %d", most, ps.OrgCompanyTickets)
		}
		if least := scalar[int](t, db, `SELECT min(n) FROM (SELECT count(*) AS n FROM ticket_contacts GROUP BY contact_id) x`); least != 1 {
			t.Errorf("least busy contact has %d tickets", least)
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM ticket_contacts tc WHERE tc.contact_id = c.id)`); n != 0 {
			t.Errorf("%d contacts without tickets", n)
		}
	})

	t.Run("words", func(t *testing.T) {
		// Each word occurs on visible tickets of every persona: own
		// tickets for Small and Heavy, the company's for Org.
		visible := map[string]string{
			"Small": `SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?0`,
			"Heavy": `SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?1`,
			"Org":   `SELECT ticket_id FROM ticket_companies WHERE company_id = ?2`,
		}
		args := []any{ps.Small, ps.Heavy, ps.OrgCompany, ps.SubjectWord, ps.MessageWord, ps.NoteWord}
		for name, set := range visible {
			if n := scalar[int](t, db, `SELECT count(*) FROM tickets WHERE id IN (`+set+`) AND category <> 'internal' AND subject ILIKE '%' || ?3 || '%'`, args...); n == 0 {
				t.Errorf("%s: no visible subject with %q", name, ps.SubjectWord)
			}
			if n := scalar[int](t, db, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.id IN (`+set+`) AND t.category <> 'internal'
				AND m.kind = 'public' AND m.search @@ plainto_tsquery('simple', ?4)`, args...); n == 0 {
				t.Errorf("%s: no visible public message with %q", name, ps.MessageWord)
			}
			if n := scalar[int](t, db, `SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.id IN (`+set+`) AND t.category <> 'internal'
				AND m.kind = 'note' AND m.search @@ plainto_tsquery('simple', ?5)`, args...); n == 0 {
				t.Errorf("%s: no visible note with %q", name, ps.NoteWord)
			}
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM tickets WHERE subject ILIKE '%' || ? || '%' OR subject ILIKE '%' || ? || '%'`, ps.MessageWord, ps.NoteWord); n != 0 {
			t.Errorf("%d subjects contain the message or the note word", n)
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM messages WHERE kind = 'public' AND (search @@ plainto_tsquery('simple', ?) OR body ILIKE '%' || ? || '%')`, ps.NoteWord, ps.NoteWord); n != 0 {
			t.Errorf("%d public messages contain the note word", n)
		}
		share := scalar[float64](t, db, `SELECT avg((subject ILIKE '%' || ? || '%')::int) FROM tickets`, ps.SubjectWord)
		if share <= 0 || share > 0.1 {
			t.Errorf("subject word in %.1f%% of tickets, want a small fraction", share*100)
		}
	})

	t.Run("filter", func(t *testing.T) {
		s, _, err := store.Settings(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := []model.FilterRule{{Property: "category", Operator: model.OpNoneOf, Values: []string{scaledata.Category}}}
		if !s.Enabled || s.Permission != model.PermissionCompany || s.BaseURL != "http://127.0.0.1" || len(s.Filters) != 1 ||
			s.Filters[0].Property != want[0].Property || s.Filters[0].Operator != want[0].Operator || len(s.Filters[0].Values) != 1 || s.Filters[0].Values[0] != scaledata.Category {
			t.Errorf("settings: enabled %v, permission %q, base URL %q, filters %+v", s.Enabled, s.Permission, s.BaseURL, s.Filters)
		}
		// Through the portal's own visibility: the Org contact sees the
		// company's tickets less about a sixth.
		var visible []int64
		q := st.Visible(db.NewSelect().TableExpr("tickets AS t").Column("t.id"),
			store.Viewer{ContactID: ps.Org, CompanyID: ps.OrgCompany, Filters: s.Filters})
		if err := q.Scan(ctx, &visible); err != nil {
			t.Fatal(err)
		}
		all := scalar[float64](t, db, `SELECT count(DISTINCT ticket_id)::float8 FROM (SELECT ticket_id FROM ticket_contacts WHERE contact_id = ? UNION ALL SELECT ticket_id FROM ticket_companies WHERE company_id = ?) x`, ps.Org, ps.OrgCompany)
		near(t, "visible share of the Org view (per mille)", 1000*float64(len(visible))/all, 1000*5.0/6, 0.05)
		hidden := scalar[float64](t, db, `SELECT count(*)::float8 FROM tickets WHERE category = ?`, scaledata.Category)
		near(t, "hidden tickets", hidden, size/6.0, 0.05)
	})

	t.Run("scattered", func(t *testing.T) {
		// The Org company's and the Heavy contact's tickets span the ID
		// range, and their neighbours by ID are rarely consecutive.
		for name, set := range map[string]string{
			"Org company": `SELECT ticket_id AS id FROM ticket_companies WHERE company_id = ?0`,
			"Heavy":       `SELECT ticket_id AS id FROM ticket_contacts WHERE contact_id = ?1`,
		} {
			span := scalar[float64](t, db, `SELECT (max(id) - min(id))::float8 / ?2 FROM (`+set+`) x`, ps.OrgCompany, ps.Heavy, size)
			if span < 0.9 {
				t.Errorf("%s: tickets span %.0f%% of the IDs", name, span*100)
			}
			adjacent := scalar[float64](t, db, `SELECT avg((id - prev = 1)::int) FROM (SELECT id, lag(id) OVER (ORDER BY id) AS prev FROM (`+set+`) x) y WHERE prev IS NOT NULL`, ps.OrgCompany, ps.Heavy, size)
			if adjacent > 0.1 {
				t.Errorf("%s: %.0f%% of tickets follow their predecessor directly", name, adjacent*100)
			}
		}
		// Company sizes are skewed: a handful at the bottom, and the
		// median far below the mean.
		smallest := scalar[int](t, db, `SELECT min(n) FROM (SELECT count(*) AS n FROM ticket_companies GROUP BY company_id) x`)
		median := scalar[float64](t, db, `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM (SELECT count(*) AS n FROM ticket_companies GROUP BY company_id) x`)
		if smallest > 15 || median > 0.7*float64(size)/(size/50) {
			t.Errorf("company sizes: smallest %d, median %.0f", smallest, median)
		}
	})

	t.Run("sequences", func(t *testing.T) {
		for _, table := range []string{"tickets", "contacts", "companies", "messages", "threads", "staff_users", "stages", "inboxes"} {
			next := scalar[int64](t, db, `SELECT nextval(pg_get_serial_sequence(?, 'id'))`, table)
			if most := scalar[int64](t, db, `SELECT max(id) FROM `+table); next <= most {
				t.Errorf("%s: next ID %d, but %d is taken", table, next, most)
			}
		}
	})

	t.Run("idempotent", func(t *testing.T) {
		before := checksum(t, db)
		again, err := scaledata.Generate(ctx, db, scaledata.Options{Tickets: size}, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		if again != ps {
			t.Errorf("second run answered %+v, first %+v", again, ps)
		}
		if after := checksum(t, db); after != before {
			t.Error("second run changed the data")
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM scaledata_runs`); n != 1 {
			t.Errorf("%d runs recorded", n)
		}
		if _, err := scaledata.Generate(ctx, db, scaledata.Options{Tickets: size * 2}, t.Logf); !errors.Is(err, scaledata.ErrNotEmpty) {
			t.Errorf("run with other options: %v, want ErrNotEmpty", err)
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		other, ps2 := generate(t)
		if ps2 != ps {
			t.Errorf("personas differ: %+v and %+v", ps, ps2)
		}
		if a, b := checksum(t, db), checksum(t, other.DB); a != b {
			t.Errorf("checksums differ: %s and %s", a, b)
		}
	})
}

// A database with data of its own is refused, and left alone.
func TestGenerateRefusesForeignDataPostgres(t *testing.T) {
	st := testutil.Postgres(t)
	ctx := context.Background()
	if err := store.CreateContact(ctx, st.DB, &model.Contact{Email: "someone@example.com", Name: "Someone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := scaledata.Generate(ctx, st.DB, scaledata.Options{Tickets: size}, nil); !errors.Is(err, scaledata.ErrNotEmpty) {
		t.Fatalf("got %v, want ErrNotEmpty", err)
	}
	if n := scalar[int](t, st.DB, `SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts after the refusal", n)
	}
	if ok := scalar[bool](t, st.DB, `SELECT to_regclass('scaledata_runs') IS NULL`); !ok {
		t.Error("refusal left a scaledata_runs table")
	}
}
