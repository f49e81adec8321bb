package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
)

// testSettings runs on an empty database, without the demo data.
func testSettings(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB

	ps, version, err := store.Settings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if version != 0 || !reflect.DeepEqual(ps, model.DefaultPortalSettings()) {
		t.Fatalf("empty database: version %d, %+v; want the defaults with version 0", version, ps)
	}

	ps.Enabled = true
	ps.Title = model.Text{"en": `Help "center" <b>&</b> ünïcode`, "es": "Ayuda «centro»"}
	ps.AccessLists = []int64{3, 1}
	ps.Filters = []model.FilterRule{
		{Property: "pipeline", Operator: model.OpIs, Values: []string{"1"}},
		{Property: "custom:product", Operator: model.OpNoneOf, Values: []string{"A", "B's"}},
		{Property: "priority", Operator: model.OpKnown, Values: []string{}},
	}
	ps.Menu = []model.MenuItem{{Label: model.Text{"en": "Help", "es": "Ayuda"}, URL: "/portal/tickets"}, {Label: model.PlainText("Status"), URL: "https://status.example.com"}}
	ps.Pages = map[string]model.PageText{
		"tickets": {Heading: model.Text{"en": "Your tickets", "es": "Tus tickets"}, Intro: model.PlainText("All your requests.")},
		"login":   {Heading: model.PlainText("Welcome")},
	}
	v, err := store.SaveSettings(ctx, db, ps)
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 {
		t.Errorf("first save: version %d, want 1", v)
	}
	got, version, err := store.Settings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if version != 1 || !reflect.DeepEqual(got, ps) {
		t.Errorf("after the first save: version %d\n%+v\nwant\n%+v", version, got, ps)
	}

	ps.Title = model.PlainText("Second title")
	ps.Filters = ps.Filters[:1]
	ps.Menu = nil
	ps.Pages["tickets"] = model.PageText{Heading: model.PlainText("Tickets"), Intro: model.PlainText("Changed.")}
	v, err = store.SaveSettings(ctx, db, ps)
	if err != nil {
		t.Fatal(err)
	}
	if v != 2 {
		t.Errorf("second save: version %d, want 2", v)
	}
	got, version, err = store.Settings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if version != 2 || !reflect.DeepEqual(got, ps) {
		t.Errorf("after the second save: version %d\n%+v\nwant\n%+v", version, got, ps)
	}
	if n := count(t, db, (*model.PortalSettingsRow)(nil), ""); n != 1 {
		t.Errorf("%d settings rows, want 1", n)
	}

	t.Run("concurrent saves get distinct versions", func(t *testing.T) {
		const n = 5
		var wg sync.WaitGroup
		versions := make([]int64, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				versions[i], errs[i] = store.SaveSettings(ctx, db, ps)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(versions)
		if !slices.Equal(versions, []int64{3, 4, 5, 6, 7}) {
			t.Errorf("versions %v, want 3 to 7", versions)
		}
		if _, version, _ := store.Settings(ctx, db); version != 7 {
			t.Errorf("version %d, want 7", version)
		}
	})
}

func testContacts(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	db := e.st.DB
	for _, email := range []string{demo.AnaEmail, "ANA@ACME.EXAMPLE", "  Ana@Acme.Example\t", "aNa@aCmE.eXaMpLe"} {
		c, err := store.ContactByEmail(ctx, db, email)
		if err != nil {
			t.Errorf("%q: %v", email, err)
			continue
		}
		if c.ID != e.ana.ID || c.Company == nil || c.Company.Name != "Acme Corp" {
			t.Errorf("%q: %+v (company %+v)", email, c, c.Company)
		}
	}
	if c, err := store.ContactByEmail(ctx, db, demo.CarlaEmail); err != nil || c.Company != nil {
		t.Errorf("Carla: %v, company %+v", err, c)
	}
	for _, email := range []string{"", "nobody@example.com", "%@acme.example", "_na@acme.example", "ana@acme.example x"} {
		_, err := store.ContactByEmail(ctx, db, email)
		mustNotFound(t, "ContactByEmail("+email+")", err)
	}
	if c, err := store.ContactByID(ctx, db, e.ben.ID); err != nil || c.Company == nil || *c.CompanyID != e.ben.CompanyID {
		t.Errorf("ContactByID(Ben): %+v, %v", c, err)
	}
	_, err := store.ContactByID(ctx, db, 987654)
	mustNotFound(t, "ContactByID(missing)", err)

	// A customer's request reads its contact with the settings' version,
	// scanned without bun: the same contact as bun reads, company and
	// all, with or without a company, a verified email, a disabled flag.
	benBefore, err := store.ContactByID(ctx, db, e.ben.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewUpdate().Model((*model.Contact)(nil)).Set("disabled = ?", true).Set("email_verified_at = NULL").Where("id = ?", e.ben.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	wantVersion, _, err := e.st.SettingsVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.NewSelect().Model((*model.Contact)(nil)).Column("id").Scan(ctx, &ids); err != nil || len(ids) < 3 {
		t.Fatalf("contacts: %v %v", ids, err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		want, err := store.ContactByID(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		got, version, stamp, err := e.st.ContactAndSettingsVersion(ctx, id)
		if err != nil {
			t.Fatalf("ContactAndSettingsVersion(%d): %v", id, err)
		}
		if version != wantVersion || stamp == "" {
			t.Errorf("contact %d: settings version %d %q, want %d", id, version, stamp, wantVersion)
		}
		if !sameContact(got, want) {
			t.Errorf("contact %d: %+v (company %+v), want %+v (company %+v)", id, got, got.Company, want, want.Company)
		}
		seen[fmt.Sprintf("company %v, verified %v, disabled %v", want.Company != nil, !want.EmailVerifiedAt.IsZero(), want.Disabled)] = true
	}
	for _, k := range []string{"company true, verified false, disabled true", "company false, verified true, disabled false", "company true, verified true, disabled false"} {
		if !seen[k] {
			t.Errorf("no contact with %s among %v", k, seen)
		}
	}
	_, _, _, err = e.st.ContactAndSettingsVersion(ctx, 987654)
	mustNotFound(t, "ContactAndSettingsVersion(missing)", err)
	if _, err := db.NewUpdate().Model(benBefore).Column("disabled", "email_verified_at").WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("unique email ignores case", func(t *testing.T) {
		before := count(t, db, (*model.Contact)(nil), "")
		for _, email := range []string{"Ana@ACME.example", demo.AnaEmail, "GINA@globex.example"} {
			err := store.CreateContact(ctx, db, &model.Contact{Email: email, Name: "Impostor"})
			if !isUniqueViolation(err) {
				t.Errorf("%q: %v, want a unique violation", email, err)
			}
		}
		if n := count(t, db, (*model.Contact)(nil), ""); n != before {
			t.Errorf("%d contacts, were %d", n, before)
		}
		c := &model.Contact{Email: "New.Person@Example.com", Name: "New Person"}
		if err := store.CreateContact(ctx, db, c); err != nil {
			t.Fatal(err)
		}
		got, err := store.ContactByEmail(ctx, db, "new.person@example.com")
		if err != nil || got.ID != c.ID || got.Email != "New.Person@Example.com" {
			t.Errorf("new contact: %+v, %v", got, err)
		}
	})

	t.Run("email with a non-ASCII capital", func(t *testing.T) {
		// Found by the address as typed, and with other ASCII case, on
		// both dialects.
		c := &model.Contact{Email: "Ándre.Ödegaard@Example.com", Name: "Ándre"}
		if err := store.CreateContact(ctx, db, c); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"Ándre.Ödegaard@Example.com", "ÁNDRE.ÖDEGAARD@EXAMPLE.COM", " Ándre.Ödegaard@example.com "} {
			got, err := store.ContactByEmail(ctx, db, email)
			if err != nil || got.ID != c.ID {
				t.Errorf("%q: %+v, %v", email, got, err)
			}
		}
	})

	t.Run("staff email ignores case", func(t *testing.T) {
		u, err := store.StaffByEmail(ctx, db, " ADMIN@Example.com ")
		if err != nil || u.Email != demo.AdminEmail || u.Role != model.RoleAdmin {
			t.Fatalf("StaffByEmail: %+v, %v", u, err)
		}
		if got, err := store.StaffByID(ctx, db, u.ID); err != nil || got.Email != u.Email {
			t.Errorf("StaffByID: %+v, %v", got, err)
		}
		err = store.CreateStaff(ctx, db, &model.StaffUser{Email: "Admin@EXAMPLE.com", Role: model.RoleAgent})
		if !isUniqueViolation(err) {
			t.Errorf("duplicate staff email: %v", err)
		}
		_, err = store.StaffByEmail(ctx, db, "nobody@example.com")
		mustNotFound(t, "StaffByEmail(missing)", err)
	})
}

// sameContact compares two contacts and their companies field by field,
// times as instants.
func sameContact(a, b *model.Contact) bool {
	if a.ID != b.ID || a.Email != b.Email || a.Name != b.Name || a.PasswordHash != b.PasswordHash || a.Language != b.Language ||
		a.Disabled != b.Disabled || !a.EmailVerifiedAt.Equal(b.EmailVerifiedAt.Time) || !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) ||
		(a.CompanyID == nil) != (b.CompanyID == nil) || (a.CompanyID != nil && *a.CompanyID != *b.CompanyID) || (a.Company == nil) != (b.Company == nil) {
		return false
	}
	if a.Company == nil {
		return true
	}
	ca, cb := a.Company, b.Company
	return ca.ID == cb.ID && ca.Name == cb.Name && ca.Domain == cb.Domain && ca.CreatedAt.Equal(cb.CreatedAt)
}
