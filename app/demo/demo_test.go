package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
)

// openStore returns a migrated SQLite store in a temporary directory.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx, os.DirFS("../../db/migrations")); err != nil {
		t.Fatal(err)
	}
	return st
}

// loadedStore returns a store on which Load ran twice, as two starts would.
func loadedStore(t *testing.T) *store.Store {
	t.Helper()
	st := openStore(t)
	ctx := context.Background()
	for range 2 {
		if err := Load(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func count(t *testing.T, st *store.Store, rec any, where ...string) int {
	t.Helper()
	q := st.DB.NewSelect().Model(rec)
	for _, w := range where {
		q = q.Where(w)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func contactID(t *testing.T, st *store.Store, email string) (id, companyID int64) {
	t.Helper()
	c, err := store.ContactByEmail(context.Background(), st.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	if c.CompanyID != nil {
		companyID = *c.CompanyID
	}
	return c.ID, companyID
}

func ticketBySubject(t *testing.T, st *store.Store, subject string) *model.Ticket {
	t.Helper()
	tk := new(model.Ticket)
	if err := st.DB.NewSelect().Model(tk).Where("subject = ?", subject).Scan(context.Background()); err != nil {
		t.Fatalf("ticket %q: %v", subject, err)
	}
	return tk
}

// portalSubjects lists every ticket subject the viewer sees in the portal.
func portalSubjects(t *testing.T, st *store.Store, v store.Viewer) []string {
	t.Helper()
	rows, total, err := st.ListTickets(context.Background(), st.DB, v, store.ListQuery{Status: "all", Size: 500})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(rows) {
		t.Fatalf("total %d, rows %d", total, len(rows))
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Subject)
	}
	return out
}

func TestLoadIsIdempotent(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	tickets := count(t, st, (*model.Ticket)(nil))
	messages := count(t, st, (*model.Message)(nil))
	if err := Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, (*model.Ticket)(nil)); n != tickets {
		t.Errorf("tickets after second load: %d, want %d", n, tickets)
	}
	if n := count(t, st, (*model.Message)(nil)); n != messages {
		t.Errorf("messages after second load: %d, want %d", n, messages)
	}
	if n := count(t, st, (*model.StaffUser)(nil)); n != 2 {
		t.Errorf("staff users: %d, want 2", n)
	}
	if n := count(t, st, (*model.Contact)(nil)); n != 4 {
		t.Errorf("contacts: %d, want 4", n)
	}
	if tickets < 40 {
		t.Errorf("tickets: %d, want at least 40", tickets)
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	snapshot := func(st *store.Store) []string {
		var rows []struct {
			ID             int64     `bun:"id"`
			Subject        string    `bun:"subject"`
			CreatedAt      time.Time `bun:"created_at"`
			LastActivityAt time.Time `bun:"last_activity_at"`
		}
		err := st.DB.NewSelect().TableExpr("tickets").Column("id", "subject", "created_at", "last_activity_at").
			Order("id").Scan(context.Background(), &rows)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, strings.Join([]string{
				r.Subject, r.CreatedAt.UTC().Format(time.RFC3339), r.LastActivityAt.UTC().Format(time.RFC3339),
			}, "|"))
		}
		return out
	}
	a, b := snapshot(loadedStore(t)), snapshot(loadedStore(t))
	if !slices.Equal(a, b) {
		t.Fatalf("two loads differ:\n%v\n%v", a, b)
	}
}

func TestTicketTimes(t *testing.T) {
	st := loadedStore(t)
	var tickets []model.Ticket
	if err := st.DB.NewSelect().Model(&tickets).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, tk := range tickets {
		if tk.LastActivityAt.Before(tk.CreatedAt) || !tk.LastActivityAt.Before(Base) {
			t.Errorf("#%d: created %v, last activity %v", tk.ID, tk.CreatedAt, tk.LastActivityAt)
		}
		if i > 0 && !tk.CreatedAt.After(tickets[i-1].CreatedAt) {
			t.Errorf("#%d is not newer than #%d", tk.ID, tickets[i-1].ID)
		}
		stage := new(model.Stage)
		if err := st.DB.NewSelect().Model(stage).Where("id = ?", tk.StageID).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if tk.Closed != stage.IsClosed || tk.PipelineID != stage.PipelineID {
			t.Errorf("#%d: closed %v in stage %q of pipeline %d", tk.ID, tk.Closed, stage.Name, tk.PipelineID)
		}
	}
	outside := count(t, st, (*model.Message)(nil),
		"created_at < (SELECT t.created_at FROM tickets AS t WHERE t.id = message.ticket_id) OR "+
			"created_at > (SELECT t.last_activity_at FROM tickets AS t WHERE t.id = message.ticket_id)")
	if outside != 0 {
		t.Errorf("%d messages outside their ticket's lifetime", outside)
	}
}

func TestSpecialTickets(t *testing.T) {
	st := loadedStore(t)
	ctx := context.Background()

	noThread := "NOT EXISTS (SELECT 1 FROM threads AS th WHERE th.ticket_id = ticket.id)"
	if n := count(t, st, (*model.Ticket)(nil), "source = 'phone'", noThread); n != 1 {
		t.Errorf("phone tickets with no thread: %d, want 1", n)
	}
	if n := count(t, st, (*model.Ticket)(nil), noThread); n != 1 {
		t.Errorf("tickets with no thread: %d, want 1", n)
	}
	if tk := ticketBySubject(t, st, "Phone call: renewal quote"); tk.Source != model.SourcePhone {
		t.Errorf("phone ticket source %q", tk.Source)
	}

	inv := ticketBySubject(t, st, "Invoice address change")
	if n := count(t, st, (*model.Thread)(nil), "ticket_id = "+itoa(inv.ID)); n != 2 {
		t.Errorf("threads of %q: %d, want 2", inv.Subject, n)
	}
	msgs, err := store.LatestThreadMessages(ctx, st.DB, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	for _, m := range msgs {
		shown.WriteString(m.Body + "\n")
	}
	if !strings.Contains(shown.String(), "newer thread") || strings.Contains(shown.String(), "older thread") {
		t.Errorf("portal messages of %q:\n%s", inv.Subject, shown.String())
	}

	if n := count(t, st, (*model.Message)(nil), "kind = 'note'", "body LIKE 'INTERNAL NOTE:%'"); n < 1 {
		t.Error("no internal note")
	}
	if n := count(t, st, (*model.Message)(nil), "kind = 'comment'", "body LIKE 'INTERNAL COMMENT:%'"); n < 1 {
		t.Error("no internal comment")
	}
	if n := count(t, st, (*model.Message)(nil), "body LIKE 'INTERNAL%'", "kind = 'public'"); n != 0 {
		t.Errorf("%d public messages look internal", n)
	}

	var atts []model.Attachment
	if err := st.DB.NewSelect().Model(&atts).Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if len(atts) < 2 {
		t.Fatalf("attachments: %d, want at least 2", len(atts))
	}
	types := map[string]string{}
	for _, a := range atts {
		types[a.Filename] = a.ContentType
		data, err := store.ReadAttachment(st.DB, &a)
		if err != nil || a.Size != int64(len(data)) || a.Size == 0 {
			t.Errorf("%s: size %d, %d bytes, %v", a.Filename, a.Size, len(data), err)
		}
	}
	if types["screenshot.png"] != "image/png" || !strings.HasPrefix(types["error-log.txt"], "text/plain") {
		t.Errorf("attachment types: %v", types)
	}
	printer := ticketBySubject(t, st, "Printer shows error E42")
	if n := count(t, st, (*model.Attachment)(nil), "ticket_id = "+itoa(printer.ID), "filename = 'screenshot.png'"); n != 1 {
		t.Errorf("screenshot on the printer ticket: %d, want 1", n)
	}
}

// TestTicketIDs keeps the IDs named in the ticket table's comments true.
func TestTicketIDs(t *testing.T) {
	st := loadedStore(t)
	want := map[string]int64{
		"Sync job fails every night":   21,
		"Printer shows error E42":      22,
		"Invoice address change":       25,
		"Acme VPN certificate renewal": 26,
		"Phone call: renewal quote":    31,
	}
	for subject, id := range want {
		if got := ticketBySubject(t, st, subject).ID; got != id {
			t.Errorf("%q is #%d, want #%d", subject, got, id)
		}
	}
}

func TestPortalVisibility(t *testing.T) {
	st := loadedStore(t)
	ctx := context.Background()
	settings, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !settings.Enabled || settings.Permission != model.PermissionCompany || len(settings.Filters) != 1 ||
		settings.FormID == 0 || settings.ConsentVersionID == 0 || settings.DefaultInboxID == 0 {
		t.Fatalf("settings: %+v", settings)
	}

	ana, acme := contactID(t, st, AnaEmail)
	mine := portalSubjects(t, st, store.Viewer{ContactID: ana, Filters: settings.Filters})
	org := portalSubjects(t, st, store.Viewer{ContactID: ana, CompanyID: acme, Filters: settings.Filters})
	if len(mine) < 8 || len(mine) >= len(org) {
		t.Errorf("Ana sees %d own tickets and %d organization tickets", len(mine), len(org))
	}
	const vpn = "Acme VPN certificate renewal"
	if slices.Contains(mine, vpn) || !slices.Contains(org, vpn) {
		t.Errorf("%q: in my tickets %v, in organization tickets %v", vpn, slices.Contains(mine, vpn), slices.Contains(org, vpn))
	}
	for _, s := range append(slices.Clone(mine), org...) {
		if strings.HasPrefix(s, "[IT]") {
			t.Errorf("Ana sees %q", s)
		}
	}
	// Without the filter rule the IT tickets are there: the rule is what hides them.
	all := portalSubjects(t, st, store.Viewer{ContactID: ana, LiveRules: true})
	if n := len(all) - len(mine); n < 2 {
		t.Errorf("the filter rule hides %d of Ana's tickets, want at least 2", n)
	}

	// Nothing internal reaches the messages the portal shows, for anyone.
	var ids []int64
	if err := st.DB.NewSelect().Model((*model.Ticket)(nil)).Column("id").Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		msgs, err := store.LatestThreadMessages(ctx, st.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if strings.Contains(m.Body, "INTERNAL") {
				t.Errorf("#%d shows %q", id, m.Body)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
