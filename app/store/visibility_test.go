package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

func testVisibility(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	snap := takeSnapshot(t, st.DB)

	printer := e.ticketID(t, "Printer shows error E42")  // Ana
	invoice := e.ticketID(t, "Invoice address change")   // Ana
	vpn := e.ticketID(t, "Acme VPN certificate renewal") // Ben, Acme
	phone := e.ticketID(t, "Phone call: renewal quote")  // Ana, no thread
	itVPN := e.ticketID(t, "[IT] VPN access request")    // Ana, Internal IT
	itLaptop := e.ticketID(t, "[IT] Laptop replacement for Ana")
	rate := e.ticketID(t, "API rate limit errors")                // Gina, Globex
	receipt := e.ticketID(t, "Receipt needed for expense report") // Carla

	type want struct {
		has, hasNot []int64
	}
	cases := []struct {
		name string
		v    store.Viewer
		want want
	}{
		{"ana own", e.own(e.ana), want{
			has:    []int64{printer, invoice, phone},
			hasNot: []int64{vpn, itVPN, itLaptop, rate, receipt},
		}},
		{"ana org", e.org(e.ana), want{
			has:    []int64{printer, invoice, phone, vpn},
			hasNot: []int64{itVPN, itLaptop, rate, receipt},
		}},
		{"ana without filters", store.Viewer{ContactID: e.ana.ID, LiveRules: true}, want{
			has:    []int64{printer, itVPN, itLaptop},
			hasNot: []int64{vpn, rate},
		}},
		{"ben own", e.own(e.ben), want{
			has:    []int64{vpn},
			hasNot: []int64{printer, invoice, phone},
		}},
		{"ben org", e.org(e.ben), want{
			has:    []int64{vpn, printer, invoice, phone},
			hasNot: []int64{itVPN, itLaptop, rate},
		}},
		{"gina org", e.org(e.gina), want{
			has:    []int64{rate},
			hasNot: []int64{printer, invoice, vpn, phone, receipt},
		}},
		{"gina org without filters", store.Viewer{ContactID: e.gina.ID, CompanyID: e.gina.CompanyID, LiveRules: true}, want{
			has:    []int64{rate},
			hasNot: []int64{printer, invoice, vpn, phone, itVPN, itLaptop},
		}},
		{"carla has no company", store.Viewer{ContactID: e.carla.ID, Filters: e.settings.Filters}, want{
			has:    []int64{receipt},
			hasNot: []int64{printer, vpn, rate},
		}},
		{"nobody", store.Viewer{}, want{hasNot: []int64{printer, vpn, rate, receipt}}},
		{"company alone is no one", store.Viewer{CompanyID: e.ana.CompanyID}, want{hasNot: []int64{printer, vpn}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := listIDs(t, st, tc.v, store.ListQuery{})
			if exp := snap.visible(tc.v, "all"); !slices.Equal(got, exp) {
				t.Errorf("ListTickets: %v\nwant %v", got, exp)
			}
			for _, id := range tc.want.has {
				if !slices.Contains(got, id) {
					t.Errorf("list lacks #%d", id)
				}
				d, err := st.VisibleTicket(ctx, st.DB, tc.v, id)
				if err != nil {
					t.Errorf("VisibleTicket(#%d): %v", id, err)
				} else if d.ID != id || d.StageName == "" || d.PipelineName == "" {
					t.Errorf("VisibleTicket(#%d): %+v", id, d)
				}
			}
			for _, id := range tc.want.hasNot {
				if slices.Contains(got, id) {
					t.Errorf("list shows #%d", id)
				}
				d, err := st.VisibleTicket(ctx, st.DB, tc.v, id)
				mustNotFound(t, fmt.Sprintf("VisibleTicket(#%d)", id), err)
				if d != nil {
					t.Errorf("VisibleTicket(#%d) returned %+v", id, d)
				}
			}
			// A missing ID answers the same.
			_, err := st.VisibleTicket(ctx, st.DB, tc.v, 987654)
			mustNotFound(t, "VisibleTicket(missing)", err)

			// The counts agree with the lists, for each status.
			open, closed, err := st.CountTickets(ctx, st.DB, tc.v, "")
			if err != nil {
				t.Fatal(err)
			}
			wantOpen, wantClosed := len(snap.visible(tc.v, "open")), len(snap.visible(tc.v, "closed"))
			if open != wantOpen || closed != wantClosed {
				t.Errorf("CountTickets: %d open, %d closed; want %d, %d", open, closed, wantOpen, wantClosed)
			}
			for status, n := range map[string]int{"open": wantOpen, "closed": wantClosed, "all": wantOpen + wantClosed} {
				if ids := listIDs(t, st, tc.v, store.ListQuery{Status: status}); len(ids) != n {
					t.Errorf("status %s: %d tickets, want %d", status, len(ids), n)
				}
			}
		})
	}

	t.Run("gina never sees acme", func(t *testing.T) {
		for _, v := range []store.Viewer{e.org(e.gina), {ContactID: e.gina.ID, CompanyID: e.gina.CompanyID}} {
			for _, id := range listIDs(t, st, v, store.ListQuery{}) {
				if slices.Contains(snap.companies[id], e.ana.CompanyID) {
					t.Errorf("Gina sees Acme ticket #%d", id)
				}
			}
			// Nor through a search for their words, nor by ID.
			for _, term := range []string{"VPN", "Printer", "#" + itoa(vpn), itoa(printer)} {
				for _, id := range listIDs(t, st, v, store.ListQuery{Search: term}) {
					if slices.Contains(snap.companies[id], e.ana.CompanyID) {
						t.Errorf("search %q: Gina sees Acme ticket #%d", term, id)
					}
				}
			}
		}
	})

	t.Run("counts with search stay within view", func(t *testing.T) {
		// "VPN" matches Acme tickets; Gina's counts must not include them.
		open, closed, err := st.CountTickets(ctx, st.DB, e.org(e.gina), "VPN")
		if err != nil {
			t.Fatal(err)
		}
		if open+closed != len(listIDs(t, st, e.org(e.gina), store.ListQuery{Search: "VPN"})) {
			t.Errorf("Gina's VPN counts %d+%d disagree with her list", open, closed)
		}
		open, closed, err = st.CountTickets(ctx, st.DB, e.org(e.ana), "VPN")
		if err != nil {
			t.Fatal(err)
		}
		if open+closed == 0 {
			t.Error("Ana's organization view finds no VPN ticket")
		}
	})

	t.Run("the filter rule hides the IT pipeline", func(t *testing.T) {
		for _, v := range []store.Viewer{e.own(e.ana), e.org(e.ana), e.org(e.ben)} {
			rows, _, err := st.ListTickets(ctx, st.DB, v, store.ListQuery{Status: "all", Size: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if strings.HasPrefix(r.Subject, "[IT]") {
					t.Errorf("contact %d sees %q", v.ContactID, r.Subject)
				}
			}
		}
	})
}

func testVisibleAttachment(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	printer := e.ticketID(t, "Printer shows error E42")    // Ana's, Acme
	syncJob := e.ticketID(t, "Sync job fails every night") // Ben's, Acme
	itVPN := e.ticketID(t, "[IT] VPN access request")      // Ana's, hidden by the filter

	attachmentOf := func(t *testing.T, ticketID int64, filename string) *model.Attachment {
		t.Helper()
		a := new(model.Attachment)
		err := st.DB.NewSelect().Model(a).Where("ticket_id = ?", ticketID).Where("filename = ?", filename).Scan(ctx)
		if err != nil {
			t.Fatalf("%s on #%d: %v", filename, ticketID, err)
		}
		return a
	}
	screenshot := attachmentOf(t, printer, "screenshot.png")
	log := attachmentOf(t, syncJob, "error-log.txt")

	// addMessage stores a message with one attachment on the ticket's
	// latest thread and returns the attachment's ID.
	addMessage := func(t *testing.T, ticketID int64, kind, filename string) int64 {
		t.Helper()
		var threadID int64
		err := st.DB.NewSelect().Model((*model.Thread)(nil)).Column("id").Where("ticket_id = ?", ticketID).
			Order("id DESC").Limit(1).Scan(ctx, &threadID)
		if err != nil {
			t.Fatal(err)
		}
		m := &model.Message{
			ThreadID: threadID, TicketID: ticketID, Kind: kind, Direction: model.DirectionOutgoing,
			Channel: "internal", Body: "staff only: " + filename,
		}
		err = store.InsertMessage(ctx, st.DB, m, []store.Upload{{Filename: filename, ContentType: "text/plain", Data: []byte("secret")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].ID == 0 || m.Attachments[0].Data != nil {
			t.Fatalf("InsertMessage attachments: %+v", m.Attachments)
		}
		return m.Attachments[0].ID
	}
	note := addMessage(t, printer, model.KindNote, "note-diagnostics.txt")
	comment := addMessage(t, printer, model.KindComment, "comment-diagnostics.txt")
	itFile := addMessage(t, itVPN, model.KindPublic, "vpn-profile.txt")

	noFilters := func(p person) store.Viewer {
		return store.Viewer{ContactID: p.ID, CompanyID: p.CompanyID, LiveRules: true}
	}
	cases := []struct {
		name string
		v    store.Viewer
		id   int64
		ok   bool
	}{
		{"owner", e.own(e.ana), screenshot.ID, true},
		{"company colleague", e.org(e.ben), screenshot.ID, true},
		{"colleague without company view", e.own(e.ben), screenshot.ID, false},
		{"other company", e.org(e.gina), screenshot.ID, false},
		{"no company", e.org(e.carla), screenshot.ID, false},
		{"nobody", store.Viewer{}, screenshot.ID, false},
		{"colleague's file in org view", e.org(e.ana), log.ID, true},
		{"colleague's file in own view", e.own(e.ana), log.ID, false},
		{"other company's file", e.org(e.gina), log.ID, false},
		{"note attachment, owner", noFilters(e.ana), note, false},
		{"note attachment, colleague", noFilters(e.ben), note, false},
		{"comment attachment, owner", noFilters(e.ana), comment, false},
		{"ticket hidden by the filter rule", e.org(e.ana), itFile, false},
		{"same ticket without the filter rule", noFilters(e.ana), itFile, true},
		{"missing", noFilters(e.ana), 987654, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := st.VisibleAttachment(ctx, st.DB, tc.v, tc.id)
			if !tc.ok {
				mustNotFound(t, "VisibleAttachment", err)
				if a != nil {
					t.Errorf("returned %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != tc.id || len(a.Data) == 0 || int64(len(a.Data)) != a.Size || a.Filename == "" {
				t.Errorf("attachment #%d: id %d, %d bytes, size %d, name %q", tc.id, a.ID, len(a.Data), a.Size, a.Filename)
			}
		})
	}
}

func testFilterRules(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	st := e.st
	// Every demo ticket has a priority, a category and a source: add one
	// with none of them (stored as empty text) so that "unknown" has
	// something to find, and "is_not" something to keep.
	stage := firstSupportStage(t, e)
	probe := &model.Ticket{Subject: "Filter rule probe", PipelineID: stage.PipelineID, StageID: stage.ID,
		Properties: map[string]string{"product": ""}}
	if err := store.CreateTicket(ctx, st.DB, probe, []int64{e.ana.ID}, []int64{e.ana.CompanyID}); err != nil {
		t.Fatal(err)
	}
	snap := takeSnapshot(t, st.DB)
	base := store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID, LiveRules: true}
	all := snap.visible(base, "all")

	// IDs the rules use, taken from the tickets themselves.
	var supportPipeline, itPipeline, billingInbox, someStage int64
	for _, id := range all {
		tk := snap.tickets[id]
		switch {
		case strings.HasPrefix(tk.Subject, "[IT]"):
			itPipeline = tk.PipelineID
		case tk.Subject == "Printer shows error E42":
			supportPipeline, someStage = tk.PipelineID, tk.StageID
		case tk.Category == "billing" && tk.InboxID != nil:
			billingInbox = *tk.InboxID
		}
	}
	if supportPipeline == 0 || itPipeline == 0 || billingInbox == 0 || someStage == 0 {
		t.Fatalf("demo data lacks a pipeline, inbox or stage: %d %d %d %d", supportPipeline, itPipeline, billingInbox, someStage)
	}
	rule := func(property, op string, values ...string) model.FilterRule {
		return model.FilterRule{Property: property, Operator: op, Values: values}
	}
	printer, api := "Label printer", "Portico API"

	cases := []struct {
		name  string
		rules []model.FilterRule
		// want bounds the result on top of the Go model, so that a case
		// can't pass by matching everything or nothing by accident: "some"
		// (but not all), "none" or "all".
		want string
	}{
		{"priority is", []model.FilterRule{rule("priority", model.OpIs, "high")}, "some"},
		{"priority is_not", []model.FilterRule{rule("priority", model.OpIsNot, "high")}, "some"},
		{"priority any_of", []model.FilterRule{rule("priority", model.OpAnyOf, "high", "urgent")}, "some"},
		{"priority none_of", []model.FilterRule{rule("priority", model.OpNoneOf, "high", "urgent")}, "some"},
		{"priority known", []model.FilterRule{rule("priority", model.OpKnown)}, "some"},
		{"priority unknown", []model.FilterRule{rule("priority", model.OpUnknown)}, "some"},
		{"category unknown", []model.FilterRule{rule("category", model.OpUnknown)}, "some"},
		{"source known", []model.FilterRule{rule("source", model.OpKnown)}, "some"},
		{"category is", []model.FilterRule{rule("category", model.OpIs, "billing")}, "some"},
		{"category none_of", []model.FilterRule{rule("category", model.OpNoneOf, "billing", "it")}, "some"},
		{"source is phone", []model.FilterRule{rule("source", model.OpIs, model.SourcePhone)}, "some"},
		{"source any_of", []model.FilterRule{rule("source", model.OpAnyOf, model.SourceEmail, model.SourceForm)}, "some"},
		{"pipeline is", []model.FilterRule{rule("pipeline", model.OpIs, itoa(supportPipeline))}, "some"},
		{"pipeline is_not", []model.FilterRule{rule("pipeline", model.OpIsNot, itoa(supportPipeline))}, "some"},
		{"pipeline none_of", []model.FilterRule{rule("pipeline", model.OpNoneOf, itoa(itPipeline))}, "some"},
		{"stage any_of", []model.FilterRule{rule("stage", model.OpAnyOf, itoa(someStage), "987654")}, "some"},
		{"stage known", []model.FilterRule{rule("stage", model.OpKnown)}, "all"},
		{"inbox is", []model.FilterRule{rule("inbox", model.OpIs, itoa(billingInbox))}, "some"},
		{"inbox is_not", []model.FilterRule{rule("inbox", model.OpIsNot, itoa(billingInbox))}, "some"},
		{"inbox known", []model.FilterRule{rule("inbox", model.OpKnown)}, "some"},
		{"inbox unknown", []model.FilterRule{rule("inbox", model.OpUnknown)}, "some"},
		{"inbox none_of", []model.FilterRule{rule("inbox", model.OpNoneOf, itoa(billingInbox))}, "some"},
		{"custom is", []model.FilterRule{rule("custom:product", model.OpIs, printer)}, "some"},
		{"custom is_not", []model.FilterRule{rule("custom:product", model.OpIsNot, printer)}, "some"},
		{"custom any_of", []model.FilterRule{rule("custom:product", model.OpAnyOf, printer, api)}, "some"},
		{"custom none_of", []model.FilterRule{rule("custom:product", model.OpNoneOf, printer, api)}, "some"},
		{"custom known", []model.FilterRule{rule("custom:product", model.OpKnown)}, "some"},
		{"custom unknown", []model.FilterRule{rule("custom:product", model.OpUnknown)}, "some"},
		{"custom with no such key, known", []model.FilterRule{rule("custom:colour", model.OpKnown)}, "none"},
		{"custom with no such key, unknown", []model.FilterRule{rule("custom:colour", model.OpUnknown)}, "all"},
		{"is with no value", []model.FilterRule{rule("priority", model.OpIs)}, "none"},
		{"is empty text", []model.FilterRule{rule("priority", model.OpIs, "")}, "none"},
		{"is_not empty text", []model.FilterRule{rule("category", model.OpIsNot, "")}, "all"},
		{"any_of with no values", []model.FilterRule{rule("priority", model.OpAnyOf)}, "none"},
		{"none_of with no values", []model.FilterRule{rule("priority", model.OpNoneOf)}, "all"},
		{"two rules together", []model.FilterRule{
			rule("pipeline", model.OpIs, itoa(supportPipeline)),
			rule("custom:product", model.OpAnyOf, printer, api),
		}, "some"},
		{"unknown property", []model.FilterRule{rule("colour", model.OpKnown)}, "none"},
		{"unknown property with is_not", []model.FilterRule{rule("colour", model.OpIsNot, "red")}, "none"},
		{"empty custom name", []model.FilterRule{rule("custom:", model.OpUnknown)}, "none"},
		{"property with SQL", []model.FilterRule{rule("priority = priority OR 1=1 --", model.OpKnown)}, "none"},
		{"unknown operator", []model.FilterRule{rule("priority", "like", "%")}, "none"},
		{"value with SQL", []model.FilterRule{rule("priority", model.OpIs, "high' OR '1'='1")}, "none"},
		{"custom name with SQL", []model.FilterRule{rule(`custom:product') OR ('1'='1`, model.OpKnown)}, "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := base
			v.Filters = tc.rules
			got := listIDs(t, st, v, store.ListQuery{})
			exp := snap.visible(v, "all")
			if !slices.Equal(got, exp) {
				t.Errorf("got %v\nwant %v", got, exp)
			}
			switch {
			case tc.want == "some" && (len(got) == 0 || len(got) == len(all)),
				tc.want == "none" && len(got) != 0,
				tc.want == "all" && len(got) != len(all):
				t.Errorf("%d of %d tickets pass, want %s", len(got), len(all), tc.want)
			}
			open, closed, err := st.CountTickets(ctx, st.DB, v, "")
			if err != nil {
				t.Fatal(err)
			}
			if open+closed != len(exp) {
				t.Errorf("CountTickets: %d+%d, want %d", open, closed, len(exp))
			}
			// Saved, the same rules reach the visibility keys, and the
			// portal's viewer (no live rules) sees the same tickets.
			checkSavedRules(t, e, tc.rules, exp)
			// VisibleTicket applies the same rules: check a few tickets
			// each way.
			shown, hidden := 0, 0
			for _, id := range all {
				passes := slices.Contains(exp, id)
				if passes && shown < 3 || !passes && hidden < 3 {
					_, err := st.VisibleTicket(ctx, st.DB, v, id)
					if passes {
						shown++
						if err != nil {
							t.Errorf("VisibleTicket(#%d): %v", id, err)
						}
					} else {
						hidden++
						mustNotFound(t, fmt.Sprintf("VisibleTicket(#%d)", id), err)
					}
				}
			}
		})
	}
}

// errRollback undoes a test's transaction.
var errRollback = errors.New("rollback")

// checkSavedRules saves the rules in a transaction that it rolls back, and
// checks that the portal's view (rules from the visibility keys) lists
// exactly want, with counts to match.
func checkSavedRules(t *testing.T, e *demoEnv, rules []model.FilterRule, want []int64) {
	t.Helper()
	ctx := context.Background()
	err := e.st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ps := e.settings
		ps.Filters = rules
		if _, err := store.SaveSettings(ctx, tx, ps); err != nil {
			return err
		}
		v := store.Viewer{ContactID: e.ana.ID, CompanyID: e.ana.CompanyID}
		rows, total, err := e.st.ListTickets(ctx, tx, v, store.ListQuery{Status: "all", Size: 1000})
		if err != nil {
			return err
		}
		got := []int64{}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || total != len(want) {
			t.Errorf("saved rules: got %v (total %d)\nwant %v", got, total, want)
		}
		open, closed, err := e.st.CountTickets(ctx, tx, v, "")
		if err != nil {
			return err
		}
		if open+closed != len(want) {
			t.Errorf("saved rules: CountTickets %d+%d, want %d", open, closed, len(want))
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
