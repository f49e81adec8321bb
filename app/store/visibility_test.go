package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

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
		if len(m.Attachments) != 1 || m.Attachments[0].ID == 0 {
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
			data, err := store.ReadAttachment(st.DB, a)
			if err != nil || a.ID != tc.id || len(data) == 0 || int64(len(data)) != a.Size || a.Filename == "" {
				t.Errorf("attachment #%d: id %d, %d bytes, size %d, name %q, %v", tc.id, a.ID, len(data), a.Size, a.Filename, err)
			}
		})
	}
}
