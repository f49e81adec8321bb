package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// checkKeys fails the test when any derived visibility key differs from
// what the base tables say: the association rows' copies of the ticket's
// keys, the hidden flag under the saved rules (worked out in Go), and on
// Postgres the access list and the public search text of the newest thread.
func checkKeys(t *testing.T, st *store.Store, when string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		var n int
		err := st.DB.NewRaw(`SELECT count(*) FROM `+table+` AS r JOIN tickets AS t ON t.id = r.ticket_id
			JOIN stages AS s ON s.id = t.stage_id
			WHERE r.hidden <> t.hidden OR r.closed <> t.closed OR r.created_at <> t.created_at
			OR r.last_activity_at <> t.last_activity_at OR r.subject_key <> lower(t.subject) OR r.status_key <> s.name`).Scan(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d %s rows out of step with their tickets", when, n, table)
		}
	}
	// The counts agree with the rows they count; a count of zero may be
	// a row of its own or none.
	var wrong int
	err := st.DB.NewRaw(`SELECT count(*) FROM (
		SELECT owner_kind, owner_id, closed, n FROM visibility_counts WHERE n <> 0
		EXCEPT SELECT * FROM (
			SELECT 1 AS owner_kind, contact_id AS owner_id, closed, count(*) AS n FROM ticket_contacts WHERE NOT hidden AND NOT shared GROUP BY contact_id, closed
			UNION ALL SELECT 2, company_id, closed, count(*) FROM ticket_companies WHERE NOT hidden GROUP BY company_id, closed) AS x
	) AS d`).Scan(ctx, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	var missing int
	err = st.DB.NewRaw(`SELECT count(*) FROM (
		SELECT 1 AS owner_kind, contact_id AS owner_id, closed, count(*) AS n FROM ticket_contacts WHERE NOT hidden AND NOT shared GROUP BY contact_id, closed
		UNION ALL SELECT 2, company_id, closed, count(*) FROM ticket_companies WHERE NOT hidden GROUP BY company_id, closed
		EXCEPT SELECT owner_kind, owner_id, closed, n FROM visibility_counts) AS d`).Scan(ctx, &missing)
	if err != nil {
		t.Fatal(err)
	}
	if wrong != 0 || missing != 0 {
		t.Errorf("%s: %d counts wrong, %d missing", when, wrong, missing)
	}
	snap := takeSnapshot(t, st.DB)
	var hidden []int64
	if err := st.DB.NewRaw("SELECT id FROM tickets WHERE hidden ORDER BY id").Scan(ctx, &hidden); err != nil {
		t.Fatal(err)
	}
	want := []int64{}
	for id, tk := range snap.tickets {
		for _, r := range snap.saved {
			if !rulePasses(tk, r) {
				want = append(want, id)
				break
			}
		}
	}
	slices.Sort(want)
	if hidden == nil {
		hidden = []int64{}
	}
	if !slices.Equal(hidden, want) {
		t.Errorf("%s: hidden tickets %v, the rules hide %v", when, hidden, want)
	}
	if !st.Postgres() {
		return
	}
	var n int
	err = st.DB.NewRaw(`SELECT count(*) FROM tickets AS t WHERE t.access <> ARRAY(
			SELECT tc.contact_id FROM ticket_contacts AS tc WHERE tc.ticket_id = t.id
			UNION ALL SELECT -tco.company_id FROM ticket_companies AS tco WHERE tco.ticket_id = t.id ORDER BY 1)
		OR t.search_doc <> coalesce((SELECT strip(to_tsvector('simple', string_agg(m.body, ' ')))
			FROM messages AS m WHERE m.ticket_id = t.id AND m.kind = 'public' AND m.thread_id = (SELECT th.id FROM threads AS th
				WHERE th.ticket_id = t.id ORDER BY th.created_at DESC, th.id DESC LIMIT 1)), ''::tsvector)`).Scan(ctx, &n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%s: %d tickets with a stale access list or search text", when, n)
	}
}

// testVisibilityKeys changes tickets through every write path and checks
// after each that the derived keys are in step, and that the portal's
// lists (which read only those keys) follow.
func testVisibilityKeys(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	checkKeys(t, st, "after the demo load")
	printer := e.ticketID(t, "Printer shows error E42") // Ana, Acme
	ana := e.org(e.ana)
	listed := func(v store.Viewer, lq store.ListQuery) []int64 { return listIDs(t, st, v, lq) }

	t.Run("pages after a cursor are the counted pages", func(t *testing.T) {
		for _, v := range []store.Viewer{ana, e.own(e.ana), e.org(e.gina)} {
			for _, sort := range []string{"id", "subject", "created", "activity", "status"} {
				for _, dir := range []string{"", "-"} {
					for _, status := range []string{"all", "open", "closed"} {
						lq := store.ListQuery{Status: status, Sort: dir + sort, Size: 3}
						var cursor *store.TicketRow
						for page := 1; ; page++ {
							lq.Page = page
							counted, total, err := st.ListTickets(ctx, st.DB, v, lq)
							if err != nil {
								t.Fatal(err)
							}
							next := lq
							if cursor != nil {
								next.AfterKey, next.AfterID = cursor.SortKey, cursor.ID
							}
							walked, _, err := st.ListTickets(ctx, st.DB, v, next)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.Equal(rowIDs(counted), rowIDs(walked)) {
								t.Fatalf("%+v %s page %d: after the cursor %v, counted %v", v, next.Sort, page, rowIDs(walked), rowIDs(counted))
							}
							if len(counted) == 0 || page*lq.Size >= total {
								break
							}
							if counted[len(counted)-1].SortKey == "" {
								t.Fatal("a row without its sort key")
							}
							cursor = &counted[len(counted)-1]
						}
					}
				}
			}
		}
	})

	t.Run("a forged cursor counts down to the page", func(t *testing.T) {
		want, _, err := st.ListTickets(ctx, st.DB, ana, store.ListQuery{Status: "all", Sort: "-activity", Page: 2, Size: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"not a time", "", "2026-13-45 99:99:99"} {
			got, _, err := st.ListTickets(ctx, st.DB, ana, store.ListQuery{Status: "all", Sort: "-id", Page: 2, Size: 3, AfterKey: key, AfterID: 5})
			if err != nil {
				t.Errorf("cursor %q on id: %v", key, err)
			}
			_ = got
			got, _, err = st.ListTickets(ctx, st.DB, ana, store.ListQuery{Status: "all", Sort: "-activity", Page: 2, Size: 3, AfterKey: key, AfterID: 5})
			if err != nil {
				t.Errorf("cursor %q on activity: %v", key, err)
			}
			if st.Postgres() && !slices.Equal(rowIDs(got), rowIDs(want)) {
				t.Errorf("cursor %q: %v, want page 2 %v", key, rowIDs(got), rowIDs(want))
			}
		}
	})

	t.Run("stage and pipeline", func(t *testing.T) {
		var closedStage model.Stage
		if err := st.DB.NewSelect().Model(&closedStage).Where("is_closed").OrderExpr("id").Limit(1).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if err := store.UpdateTicket(ctx, st.DB, printer, store.TicketChange{PipelineID: closedStage.PipelineID, StageID: closedStage.ID, Priority: "high"}); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after a stage change")
		if !slices.Contains(listed(ana, store.ListQuery{Status: "closed"}), printer) || slices.Contains(listed(ana, store.ListQuery{Status: "open"}), printer) {
			t.Error("a ticket moved to a closed stage is not listed as closed")
		}
		if _, err := store.UpdateStage(ctx, st.DB, closedStage.ID, "Done and dusted", true); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after a stage rename")
		first := listed(ana, store.ListQuery{Status: "closed", Sort: "status"})
		if len(first) == 0 {
			t.Fatal("no closed tickets")
		}
	})

	t.Run("replies move last activity", func(t *testing.T) {
		stage := firstSupportStage(t, e)
		if err := store.UpdateTicket(ctx, st.DB, printer, store.TicketChange{PipelineID: stage.PipelineID, StageID: stage.ID, Priority: "high"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if _, err := st.AddContactReply(ctx, st.DB, store.NewReply{TicketID: printer, ContactID: e.ana.ID, Body: "Still jammed: marmalade", DefaultInboxID: e.settings.DefaultInboxID}); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after a contact reply")
		if got := listed(ana, store.ListQuery{Status: "all", Sort: "-activity"}); len(got) == 0 || got[0] != printer {
			// listIDs sorts IDs; ask for the first row alone instead.
			rows, _, err := st.ListTickets(ctx, st.DB, ana, store.ListQuery{Status: "all", Sort: "-activity", Size: 1})
			if err != nil || len(rows) != 1 || rows[0].ID != printer {
				t.Errorf("the ticket just answered is not first by activity: %v %v", rows, err)
			}
		}
		if _, err := store.AddStaffMessage(ctx, st.DB, store.StaffMessage{TicketID: printer, StaffID: 0, Kind: model.KindNote, Body: "internal: quince"}); err == nil {
			checkKeys(t, st, "after a note")
		}
		if got := listed(ana, store.ListQuery{Search: "quince"}); len(got) != 0 {
			t.Errorf("a word only in a note finds %v", got)
		}
		if st.Postgres() {
			// The portal's search index takes the reply's words at once:
			// nothing waits in GIN's pending list, which every search
			// would scan whole.
			var pending int
			if err := st.DB.NewRaw("SELECT gin_clean_pending_list('tickets_portal_terms_idx'::regclass)").Scan(ctx, &pending); err != nil {
				t.Fatal(err)
			}
			if pending != 0 {
				t.Errorf("the reply left %d pages in the search index's pending list", pending)
			}
		}
		if got := listed(ana, store.ListQuery{Search: "marmalade"}); !slices.Equal(got, []int64{printer}) {
			t.Errorf("a word of the reply finds %v, want [%d]", got, printer)
		}
	})

	t.Run("associations", func(t *testing.T) {
		gina := e.org(e.gina)
		if slices.Contains(listed(gina, store.ListQuery{}), printer) {
			t.Fatal("Gina sees Ana's ticket already")
		}
		if err := store.Associate(ctx, st.DB, printer, e.gina.ID, 0); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after adding a contact")
		if !slices.Contains(listed(e.own(e.gina), store.ListQuery{}), printer) {
			t.Error("an added contact does not see the ticket")
		}
		if err := store.Dissociate(ctx, st.DB, printer, e.gina.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := store.Associate(ctx, st.DB, printer, 0, e.gina.CompanyID); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after moving the ticket to another company")
		if !slices.Contains(listed(gina, store.ListQuery{}), printer) || slices.Contains(listed(e.own(e.gina), store.ListQuery{}), printer) {
			t.Error("a company added to the ticket does not give its contacts the organization view of it")
		}
		if err := store.Dissociate(ctx, st.DB, printer, 0, e.gina.CompanyID); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after removing the company")
		if slices.Contains(listed(gina, store.ListQuery{}), printer) {
			t.Error("a removed company still sees the ticket")
		}
	})

	t.Run("contact leaves the company", func(t *testing.T) {
		colleague := e.ticketID(t, "Request for SSO setup") // Ben's, Acme
		if !slices.Contains(listed(ana, store.ListQuery{}), colleague) {
			t.Fatal("Ana does not see Ben's ticket in the organization view")
		}
		c, err := store.ContactByID(ctx, st.DB, e.ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The portal's prepared read of the contact gives the same record,
		// company included.
		fast, err := st.Contact(ctx, e.ana.ID)
		if err != nil || fast.Email != c.Email || fast.Company == nil || c.Company == nil || fast.Company.Name != c.Company.Name {
			t.Fatalf("Contact: %+v, %v; ContactByID: %+v", fast, err, c)
		}
		if _, err := st.Contact(ctx, 987654); err != store.ErrNotFound {
			t.Errorf("Contact of nobody: %v", err)
		}
		if _, err := st.DB.NewUpdate().Model(c).Set("company_id = NULL").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		// The portal builds the viewer from the contact on each request;
		// without a company there is no organization view.
		if got := listed(store.Viewer{ContactID: c.ID}, store.ListQuery{}); slices.Contains(got, colleague) {
			t.Error("a contact who left the company still sees a colleague's ticket")
		}
		checkKeys(t, st, "after a contact left the company")
	})

	t.Run("filter rule change", func(t *testing.T) {
		ps, _, err := store.Settings(ctx, st.DB)
		if err != nil {
			t.Fatal(err)
		}
		ps.Filters = []model.FilterRule{{Property: "priority", Operator: model.OpNoneOf, Values: []string{"high"}}}
		if _, err := store.SaveSettings(ctx, st.DB, ps); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after a filter rule change")
		if slices.Contains(listed(e.own(e.ben), store.ListQuery{}), printer) || slices.Contains(listed(ana, store.ListQuery{}), printer) {
			t.Error("a ticket the new rule hides is still listed")
		}
		if _, err := st.VisibleTicket(ctx, st.DB, ana, printer); err != store.ErrNotFound {
			t.Errorf("VisibleTicket of a hidden ticket: %v", err)
		}
		ps.Filters = e.settings.Filters
		if _, err := store.SaveSettings(ctx, st.DB, ps); err != nil {
			t.Fatal(err)
		}
		checkKeys(t, st, "after the rule came back")
	})

	t.Run("concurrent changes keep the counts", func(t *testing.T) {
		var stages []model.Stage
		if err := st.DB.NewSelect().Model(&stages).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var tickets []int64
		if err := st.DB.NewRaw("SELECT ticket_id FROM ticket_companies WHERE company_id = ? ORDER BY ticket_id LIMIT 4", e.ana.CompanyID).Scan(ctx, &tickets); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 6 {
					id := tickets[(w+i)%len(tickets)]
					stage := stages[(w*7+i)%len(stages)]
					err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						switch (w + i) % 3 {
						case 0:
							return store.UpdateTicket(ctx, tx, id, store.TicketChange{PipelineID: stage.PipelineID, StageID: stage.ID, Priority: "normal"})
						case 1:
							return store.Associate(ctx, tx, id, e.gina.ID, e.gina.CompanyID)
						}
						return store.Dissociate(ctx, tx, id, e.gina.ID, e.gina.CompanyID)
					})
					if err != nil && !retryable(err) {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		checkKeys(t, st, "after concurrent changes")
	})

	t.Run("reindex repairs plain SQL", func(t *testing.T) {
		stage := firstSupportStage(t, e)
		// A ticket imported by plain SQL is hidden until reindexed.
		var id int64
		err := st.DB.NewRaw(`INSERT INTO tickets (subject, pipeline_id, stage_id, priority, category, source)
			VALUES ('Imported by hand', ?, ?, 'low', 'general', 'email') RETURNING id`, stage.PipelineID, stage.ID).Scan(ctx, &id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.NewRaw("INSERT INTO ticket_contacts (ticket_id, contact_id) VALUES (?, ?)", id, e.ben.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(listed(e.own(e.ben), store.ListQuery{}), id) {
			t.Error("a ticket written by plain SQL shows before a reindex")
		}
		if _, err := st.DB.NewRaw("UPDATE ticket_contacts SET last_activity_at = ?, subject_key = 'zzz'", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB.NewRaw("UPDATE visibility_counts SET n = n + 5").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var done, total int64
		if err := st.Reindex(ctx, func(d, n int64) { done, total = d, n }); err != nil {
			t.Fatal(err)
		}
		if done != total || total == 0 {
			t.Errorf("reindex progress %d of %d", done, total)
		}
		checkKeys(t, st, "after reindex")
		if !slices.Contains(listed(e.own(e.ben), store.ListQuery{}), id) {
			t.Error("reindex did not bring the imported ticket in")
		}
	})
}

// retryable tells a busy SQLite database, which a caller retries, from a
// real failure. On Postgres nothing is retryable: changes of one ticket
// queue on its row lock and never deadlock.
func retryable(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func rowIDs(rows []store.TicketRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}
