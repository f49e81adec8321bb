package web

import (
	"context"
	"html"
	"net/http"
	"os"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/core"
)

// The settings page, /admin/portal, on both database dialects. One server
// on a fresh database with the demo data serves the subtests in turn; the
// demo settings are restored before each.

func TestAdminSettingsSQLite(t *testing.T) {
	t.Parallel()
	admSettingsSuite(t, testutil.SQLite(t))
}

func TestAdminSettingsPostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	admSettingsSuite(t, testutil.Postgres(t))
}

func admSettingsSuite(t *testing.T, st *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"Sections", testAdmSections},
		{"PlainForms", testAdmPlainForms},
		{"Consent", testAdmConsent},
		{"Switch", testAdmSwitch},
		{"ChangesApplyAtOnce", testAdmLive},
		{"Filters", testAdmFilters},
		{"AccessControl", testAdmAccessControl},
		{"ExtraFields", testAdmExtraFields},
		{"Uploads", testAdmUploads},
		{"ConcurrentSaves", testAdmConcurrent},
		{"Injection", testAdmInjection},
		{"PreviewAsContact", testAdmPreviewAsContact},
		{"PreviewRefused", testAdmPreviewRefused},
	}
	admRun(t, newHarnessOn(t, st), tests)
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "adm" so as not to collide with other tests.

// ---------------------------------------------------------------------------
// 1 and 6. Each section saves alone with htmx, refuses what is invalid
// without storing anything, and audits what it saves.

// ---------------------------------------------------------------------------
// 2. Without JavaScript a save redirects to the page, which says "saved",
// and an error answers the whole page.

// ---------------------------------------------------------------------------
// 3. Consent: a new version on every save, sanitized, shown at once on the
// registration page.

// ---------------------------------------------------------------------------
// 4. The switch refuses to turn on while the checklist is incomplete.

// ---------------------------------------------------------------------------
// 5. Changes reach the portal with the next request.

// ---------------------------------------------------------------------------
// 7. Filter rules: the count of visible tickets, and "add a rule".

// ---------------------------------------------------------------------------
// 8. Who may open and change the settings.

// ---------------------------------------------------------------------------
// 8. Extra fields in a section's post change nothing outside it.

// ---------------------------------------------------------------------------
// Logo and favicon uploads: raster images only, kept in the settings.

// ---------------------------------------------------------------------------
// Markup typed into settings is shown as inert text, in the portal and in
// the back office (its fields and its audit log).

// ---------------------------------------------------------------------------
// Two admins saving different sections at the same moment both keep their
// change: a save never writes back a stale copy of the other sections.

// ---------------------------------------------------------------------------
// 10. Two instances on one Postgres database and one Redis: a change made
// on one is live on the other, and a staff session works on both.

func TestSettingsLiveAcrossInstancesPostgresRedis(t *testing.T) {
	t.Parallel()
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	rc, prefix := testutil.Redis(t)
	dbURL := testutil.PostgresURL(t)
	open := func() *store.Store {
		t.Helper()
		st, err := store.Open(dbURL, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(context.Background(), testutil.Migrations(t)); err != nil {
			t.Fatal(err)
		}
		return st
	}
	shared := func() harnessOpt {
		return withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
			&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})
	}
	a := newHarnessOn(t, open(), shared())
	b := newHarnessOn(t, open(), shared()) // the demo is there already
	if n := b.count("SELECT count(*) FROM staff_users WHERE email = ?", demo.AdminEmail); n != 1 {
		t.Fatalf("demo admin rows: %d", n)
	}

	// One browser behind a load balancer: the same cookies, either instance.
	onA := a.client()
	onA.admLogin(demo.AdminEmail)
	onB := b.client()
	onB.cookies = onA.cookies
	visitorA, visitorB := a.client(), b.client()
	// A logged-in customer, too: their requests read the settings'
	// version with their contact, in one statement.
	customerA := a.client()
	customerA.login(demo.AnaEmail)
	customerB := b.client()
	customerB.cookies = customerA.cookies

	// The title changed on A shows on B's next page.
	res, body := onA.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "portal",
		"base_url", "https://help.acme.example", "language", "en", "languages", "en"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save on A: %d %v", res.StatusCode, fieldErrors(body))
	}
	if _, body := visitorB.get("/portal/login", false); !strings.HasSuffix(admTitle(body), "Acme Help Center") {
		t.Errorf("B's <title> %q after the change on A", admTitle(body))
	}
	if _, body := customerB.get("/portal/tickets", false); !strings.HasSuffix(admTitle(body), "Acme Help Center") {
		t.Errorf("B's <title> for a customer %q after the change on A", admTitle(body))
	}
	// A new slug saved on B moves the customer's next request on A.
	if res, body := onB.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "help",
		"base_url", "https://help.acme.example", "language", "en", "languages", "en"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("slug on B: %d %v", res.StatusCode, fieldErrors(body))
	}
	if res, _ := customerA.get("/portal/tickets", false); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/help/tickets" {
		t.Errorf("a customer on A after the new slug on B: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := customerA.get("/help/tickets", false); res.StatusCode != http.StatusOK || !strings.Contains(body, demo.AnaEmail) {
		t.Errorf("a customer on A under the new slug: %d", res.StatusCode)
	}
	if res, body := onA.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "portal",
		"base_url", "https://help.acme.example", "language", "en", "languages", "en"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("slug back on A: %d %v", res.StatusCode, fieldErrors(body))
	}
	if res, _ := customerB.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("a customer on B after the slug went back on A: %d", res.StatusCode)
	}

	// The staff session made on A is valid on B, with the same token.
	res, body = onB.get("/admin/portal", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, demo.AdminEmail) {
		t.Fatalf("A's staff session on B: %d", res.StatusCode)
	}
	if onB.csrf != onA.admToken() {
		t.Error("B shows another CSRF token for the same session")
	}
	// A change on B: the theme served by A follows, and so does the switch.
	_, page := visitorA.get("/portal/login", false)
	themeBefore := admThemeRe.FindStringSubmatch(page)
	if res, body := onB.admMultipart("/admin/portal/branding", [][2]string{{"primary_color", "#112233"}, {"accent_color", "#445566"}}, nil, true); res.StatusCode != http.StatusOK {
		t.Fatalf("branding on B: %d %v", res.StatusCode, fieldErrors(body))
	}
	_, page = visitorA.get("/portal/login", false)
	themeAfter := admThemeRe.FindStringSubmatch(page)
	if themeBefore == nil || themeAfter == nil || themeBefore[1] == themeAfter[1] {
		t.Fatalf("A's theme URL %v → %v", themeBefore, themeAfter)
	}
	if _, css := visitorA.get(html.UnescapeString(themeAfter[1]), false); !strings.Contains(css, "--brand:17 34 51") {
		t.Errorf("A's theme after B's change: %s", css)
	}
	if res, _ := onB.admPost("/admin/portal/switch", admForm("enabled", "off"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("switch off on B: %d", res.StatusCode)
	}
	if res, _ := visitorA.get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("A with the portal switched off on B: %d", res.StatusCode)
	}
	if res, body := onA.admPost("/admin/portal/switch", admForm("enabled", "on"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("switch on on A: %d %v", res.StatusCode, fieldErrors(body))
	}
	if res, _ := visitorB.get("/portal/login", false); res.StatusCode != http.StatusOK {
		t.Errorf("B with the portal switched on on A: %d", res.StatusCode)
	}

	// A preview started on A is seen on B.
	if res, _ := onA.admPost("/admin/portal/preview", admForm("email", demo.AnaEmail), false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("preview on A: %d", res.StatusCode)
	}
	if _, body := onB.get("/portal/tickets", false); !admHas(body, b.admT("layout.preview")) || !strings.Contains(body, demo.AnaEmail) {
		t.Error("A's preview not shown on B")
	}

	// Logging out on B ends the session on A.
	old := onA.cookies[core.StaffCookie]
	if res, _ := onB.admPost("/admin/logout", nil, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on B: %d", res.StatusCode)
	}
	stale := a.client()
	stale.cookies[core.StaffCookie] = old
	if res, _ := stale.get("/admin/portal", false); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Errorf("A after logout on B: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}
