package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// The same suite runs on both dialects, so that a query that only works on
// one of them fails here rather than in production.
func TestStoreSQLite(t *testing.T)   { runStoreSuite(t, testutil.SQLite(t)) }
func TestStorePostgres(t *testing.T) { runStoreSuite(t, testutil.Postgres(t)) }

func runStoreSuite(t *testing.T, st *store.Store) {
	// The two dialects run side by side, each on its own database.
	t.Parallel()
	// The first subtests share one store with the demo data and run in
	// order; they only add records that no other subtest looks at. Those
	// that change demo records get a fresh store of their own and run in
	// parallel once the others are done.
	e := loadDemo(t, st)

	t.Run("MigrateAgain", func(t *testing.T) { testMigrateAgain(t, e.st) })
	t.Run("Visibility", func(t *testing.T) { testVisibility(t, e) })
	t.Run("Attachments", func(t *testing.T) { testVisibleAttachment(t, e) })
	t.Run("FilterRules", func(t *testing.T) { testFilterRules(t, e) })
	t.Run("Search", func(t *testing.T) { testSearch(t, e) })
	t.Run("SearchLiteral", func(t *testing.T) { testSearchLiteral(t, e) })
	t.Run("SearchSorts", func(t *testing.T) { testSearchSorts(t, e) })
	t.Run("Sorting", func(t *testing.T) { testSorting(t, e) })
	t.Run("SortingSubject", func(t *testing.T) { testSortingSubject(t, e) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, e) })
	t.Run("LatestThreadMessages", func(t *testing.T) { testLatestThreadMessages(t, e) })
	t.Run("Contacts", func(t *testing.T) { testContacts(t, e) })
	t.Run("StageLabels", func(t *testing.T) { testStageLabels(t, e) })

	t.Run("MigrateConcurrently", func(t *testing.T) {
		t.Parallel()
		testMigrateConcurrently(t, st)
	})
	t.Run("Replies", func(t *testing.T) {
		t.Parallel()
		testReplies(t, loadDemo(t, freshLike(t, st)))
	})
	t.Run("Forms", func(t *testing.T) {
		t.Parallel()
		testForms(t, loadDemo(t, freshLike(t, st)))
	})
	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		testSettings(t, freshLike(t, st))
	})
	t.Run("OldTexts", func(t *testing.T) {
		t.Parallel()
		testOldTexts(t, freshLike(t, st))
	})
	t.Run("OlderThread", func(t *testing.T) {
		t.Parallel()
		testOlderThread(t, loadDemo(t, freshLike(t, st)))
	})
	t.Run("VisibilityKeys", func(t *testing.T) {
		t.Parallel()
		testVisibilityKeys(t, loadDemo(t, freshLike(t, st)))
	})
}

// freshLike returns a new migrated store, empty, of the same dialect as st.
func freshLike(t *testing.T, st *store.Store) *store.Store {
	t.Helper()
	if st.Postgres() {
		return testutil.Postgres(t)
	}
	return testutil.SQLite(t)
}

// person is a demo contact.
type person struct {
	ID, CompanyID int64
}

// demoEnv is a store holding the demo data, with the records tests name.
type demoEnv struct {
	st                    *store.Store
	settings              model.PortalSettings
	ana, ben, gina, carla person
	// billingInbox is the demo inbox that is neither the default inbox
	// nor the form's, for tests that must tell inboxes apart.
	billingInbox int64
}

func loadDemo(t *testing.T, st *store.Store) *demoEnv {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	ps, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Filters) == 0 || ps.DefaultInboxID == 0 || ps.FormID == 0 {
		t.Fatalf("demo settings lack what the tests need: %+v", ps)
	}
	e := &demoEnv{st: st, settings: ps}
	e.ana = e.person(t, demo.AnaEmail)
	e.ben = e.person(t, demo.BenEmail)
	e.gina = e.person(t, demo.GinaEmail)
	e.carla = e.person(t, demo.CarlaEmail)
	if err := st.DB.NewSelect().Model((*model.Inbox)(nil)).Column("id").Where("name = ?", "Billing").
		Scan(ctx, &e.billingInbox); err != nil {
		t.Fatal(err)
	}
	if e.billingInbox == ps.DefaultInboxID {
		t.Fatal("the Billing inbox is the default inbox")
	}
	if e.ana.CompanyID == 0 || e.ana.CompanyID != e.ben.CompanyID || e.gina.CompanyID == 0 ||
		e.gina.CompanyID == e.ana.CompanyID || e.carla.CompanyID != 0 {
		t.Fatalf("demo companies: ana %+v ben %+v gina %+v carla %+v", e.ana, e.ben, e.gina, e.carla)
	}
	return e
}

func (e *demoEnv) person(t *testing.T, email string) person {
	t.Helper()
	c, err := store.ContactByEmail(context.Background(), e.st.DB, email)
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	p := person{ID: c.ID}
	if c.CompanyID != nil {
		p.CompanyID = *c.CompanyID
	}
	return p
}

// own is the contact's view of their own tickets, with the saved portal
// filters, as the portal asks for it.
func (e *demoEnv) own(p person) store.Viewer {
	return store.Viewer{ContactID: p.ID}
}

// org is the contact's view with company tickets, with the portal filters.
func (e *demoEnv) org(p person) store.Viewer {
	return store.Viewer{ContactID: p.ID, CompanyID: p.CompanyID}
}

// ticketID finds a ticket by its exact subject.
func (e *demoEnv) ticketID(t *testing.T, subject string) int64 {
	t.Helper()
	var id int64
	err := e.st.DB.NewSelect().Model((*model.Ticket)(nil)).Column("id").
		Where("subject = ?", subject).Scan(context.Background(), &id)
	if err != nil {
		t.Fatalf("ticket %q: %v", subject, err)
	}
	return id
}

// ticket loads one ticket as stored.
func ticket(t *testing.T, db bun.IDB, id int64) *model.Ticket {
	t.Helper()
	tk := new(model.Ticket)
	if err := db.NewSelect().Model(tk).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatalf("ticket #%d: %v", id, err)
	}
	return tk
}

// listIDs returns the IDs of every ticket of the list, sorted, checking
// that the reported total matches.
func listIDs(t *testing.T, st *store.Store, v store.Viewer, lq store.ListQuery) []int64 {
	t.Helper()
	if lq.Status == "" {
		lq.Status = "all"
	}
	lq.Size, lq.Page = 1000, 1
	rows, total, err := st.ListTickets(context.Background(), st.DB, v, lq)
	if err != nil {
		t.Fatalf("ListTickets(%+v): %v", lq, err)
	}
	if total != len(rows) {
		t.Fatalf("ListTickets(%+v): total %d, %d rows", lq, total, len(rows))
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

// count counts the rows of a model's table that match the conditions.
func count(t *testing.T, db bun.IDB, rec any, where string, args ...any) int {
	t.Helper()
	q := db.NewSelect().Model(rec)
	if where != "" {
		q = q.Where(where, args...)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// isUniqueViolation recognises a unique constraint failure on either
// dialect.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "unique")
}

// snapshot is every ticket with its associations, read straight from the
// tables, so that tests can work out independently what a viewer must see.
type snapshot struct {
	tickets   map[int64]model.Ticket
	contacts  map[int64][]int64  // ticket ID → contact IDs, participants left out
	shared    map[int64][]int64  // ticket ID → participants' contact IDs
	companies map[int64][]int64  // ticket ID → company IDs
	saved     []model.FilterRule // the saved filter rules
}

func takeSnapshot(t *testing.T, db bun.IDB) snapshot {
	t.Helper()
	ctx := context.Background()
	var tickets []model.Ticket
	if err := db.NewSelect().Model(&tickets).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var tcs []model.TicketContact
	if err := db.NewSelect().Model(&tcs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var tcos []model.TicketCompany
	if err := db.NewSelect().Model(&tcos).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	ps, _, err := store.Settings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{tickets: map[int64]model.Ticket{}, contacts: map[int64][]int64{}, shared: map[int64][]int64{}, companies: map[int64][]int64{}, saved: ps.Filters}
	for _, tk := range tickets {
		s.tickets[tk.ID] = tk
	}
	for _, a := range tcs {
		// A participant sees the ticket under "Shared with me", not in
		// the lists this models.
		if a.Shared {
			s.shared[a.TicketID] = append(s.shared[a.TicketID], a.ContactID)
			continue
		}
		s.contacts[a.TicketID] = append(s.contacts[a.TicketID], a.ContactID)
	}
	for _, a := range tcos {
		s.companies[a.TicketID] = append(s.companies[a.TicketID], a.CompanyID)
	}
	return s
}

// visible is what the viewer may see, worked out in Go.
func (s snapshot) visible(v store.Viewer, status string) []int64 {
	out := []int64{}
	if v.ContactID == 0 {
		return out
	}
	for id, tk := range s.tickets {
		ok := slices.Contains(s.contacts[id], v.ContactID) ||
			(v.CompanyID != 0 && slices.Contains(s.companies[id], v.CompanyID))
		// A portal viewer gets the saved rules; a preview its own.
		rules := s.saved
		if v.LiveRules || len(v.Filters) > 0 {
			rules = v.Filters
		}
		for _, r := range rules {
			ok = ok && rulePasses(tk, r)
		}
		switch status {
		case "open":
			ok = ok && !tk.Closed
		case "closed":
			ok = ok && tk.Closed
		}
		if ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// ruleValue is the value of a filter property on a ticket; "" means the
// property is unknown. valid is false for a property rules can't name.
func ruleValue(tk model.Ticket, property string) (value string, valid bool) {
	switch property {
	case "pipeline":
		return itoa(tk.PipelineID), true
	case "stage":
		return itoa(tk.StageID), true
	case "inbox":
		if tk.InboxID == nil {
			return "", true
		}
		return itoa(*tk.InboxID), true
	case "priority":
		return tk.Priority, true
	case "category":
		return tk.Category, true
	case "source":
		return tk.Source, true
	}
	if name, ok := strings.CutPrefix(property, "custom:"); ok && name != "" {
		return tk.Properties[name], true
	}
	return "", false
}

// rulePasses is the meaning of a filter rule, written in Go.
func rulePasses(tk model.Ticket, r model.FilterRule) bool {
	v, valid := ruleValue(tk, r.Property)
	if !valid {
		return false
	}
	known := v != ""
	firstValue := ""
	if len(r.Values) > 0 {
		firstValue = r.Values[0]
	}
	switch r.Operator {
	case model.OpIs:
		return known && v == firstValue
	case model.OpIsNot:
		return !known || v != firstValue
	case model.OpAnyOf:
		return known && slices.Contains(r.Values, v)
	case model.OpNoneOf:
		return !known || !slices.Contains(r.Values, v)
	case model.OpKnown:
		return known
	case model.OpUnknown:
		return !known
	}
	return false
}

// mustNotFound fails unless err is store.ErrNotFound itself, not wrapped:
// a hidden record must answer exactly like a missing one.
func mustNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if err != store.ErrNotFound { //nolint:errorlint // identity is the point
		t.Errorf("%s: error %v, want store.ErrNotFound", what, err)
	}
}
