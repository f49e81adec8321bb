package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/admin"
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

// admRun runs the subtests one after the other on one server, each from
// the demo settings.
func admRun(t *testing.T, h *harness, tests []struct {
	name string
	run  func(*testing.T, *harness)
}) {
	base := h.admState().s
	for _, tc := range tests {
		if _, err := store.SaveSettings(context.Background(), h.st.DB, base); err != nil {
			t.Fatal(err)
		}
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h.admIn(t)) })
	}
}

// admIn is the harness for a subtest: the same server, with failures
// reported to the subtest.
func (h *harness) admIn(t *testing.T) *harness {
	x := *h
	x.t = t
	return &x
}

// admIn is the same browser, its failures reported through h.
func (c *client) admIn(h *harness) *client {
	x := *c
	x.h = h
	return &x
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "adm" so as not to collide with other tests.

// admLogin logs a demo staff user in through the back-office login form.
// The client then sends the new session's CSRF token with its posts.
func (c *client) admLogin(email string) {
	c.h.t.Helper()
	if res, _ := c.get("/admin/login", false); res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("GET /admin/login: status %d", res.StatusCode)
	}
	if c.csrf == "" {
		c.h.t.Fatal("no CSRF token on the staff login page")
	}
	old := c.cookies[core.StaffCookie]
	res, _ := c.post("/admin/login", url.Values{"email": {email}, "password": {demo.Password}}, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/") {
		c.h.t.Fatalf("staff login %s: status %d, Location %q", email, res.StatusCode, res.Header.Get("Location"))
	}
	if c.cookies[core.StaffCookie] == old {
		c.h.t.Fatal("staff session ID not replaced at login")
	}
	c.csrf = c.admToken()
}

// admAs gives a browser a staff session the way the login does, without
// the password check: argon2 is slow under -race, and admLogin tests it.
func (h *harness) admAs(email string) *client {
	h.t.Helper()
	ctx := context.Background()
	u, err := store.StaffByEmail(ctx, h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	if err := h.srv.Sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindStaff, AccountID: u.ID, CreatedAt: now, LastSeen: now}, time.Hour); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	c.cookies[core.StaffCookie] = sid
	c.csrf = c.admToken()
	return c
}

// admToken is the CSRF token of the client's staff session, as the
// back-office pages show it.
func (c *client) admToken() string { return c.h.srv.CSRFFor(c.cookies[core.StaffCookie]) }

// admin returns a browser with a session of the demo admin.
func (h *harness) admin() *client {
	h.t.Helper()
	return h.admAs(demo.AdminEmail)
}

// admPost posts a section form with the staff session's CSRF token.
func (c *client) admPost(path string, form url.Values, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = append([]string(nil), v...)
	}
	if _, ok := f[core.CSRFField]; !ok {
		f.Set(core.CSRFField, c.admToken())
	}
	return c.post(path, f, htmx)
}

// admRaw posts a form exactly as given: no CSRF token is added.
func (c *client) admRaw(path string, form url.Values, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// admFile is one file field of a multipart form.
type admFile struct {
	field, name string
	data        []byte
}

// admMultipart posts a multipart form, as the branding section does, with
// the staff session's CSRF token.
func (c *client) admMultipart(path string, fields [][2]string, files []admFile, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField(core.CSRFField, c.admToken())
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			c.h.t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		c.h.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// admState is the stored settings, as JSON, with their version, plus the
// counts of rows a settings save writes.
type admState struct {
	s        model.PortalSettings
	json     string
	version  int64
	audit    int
	consents int
}

func (h *harness) admState() admState {
	h.t.Helper()
	s, v, err := store.Settings(context.Background(), h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		h.t.Fatal(err)
	}
	return admState{s: s, json: string(b), version: v,
		audit:    h.count("SELECT count(*) FROM audit_log"),
		consents: h.count("SELECT count(*) FROM consent_versions")}
}

// admSame fails the test when anything a save writes has changed.
func admSame(t *testing.T, what string, before, after admState) {
	t.Helper()
	if before.json != after.json {
		t.Errorf("%s: settings changed:\nbefore %s\nafter  %s", what, before.json, after.json)
	}
	if before.version != after.version {
		t.Errorf("%s: settings version %d → %d", what, before.version, after.version)
	}
	if before.audit != after.audit {
		t.Errorf("%s: audit rows %d → %d", what, before.audit, after.audit)
	}
	if before.consents != after.consents {
		t.Errorf("%s: consent versions %d → %d", what, before.consents, after.consents)
	}
}

// admSet changes the stored settings directly, as another admin would.
func (h *harness) admSet(change func(*model.PortalSettings)) {
	h.t.Helper()
	s := h.admState().s
	change(&s)
	if _, err := store.SaveSettings(context.Background(), h.st.DB, s); err != nil {
		h.t.Fatal(err)
	}
}

// admLastAudit is the newest audit log entry.
func (h *harness) admLastAudit() model.AuditEntry {
	h.t.Helper()
	var e model.AuditEntry
	if err := h.st.DB.NewSelect().Model(&e).Order("id DESC").Limit(1).Scan(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return e
}

func (h *harness) admStaffID(email string) int64 {
	h.t.Helper()
	u, err := store.StaffByEmail(context.Background(), h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

// admT is an English text of the interface, so that the tests follow
// wording changes.
func (h *harness) admT(key string, args ...any) string {
	return h.srv.I18n.Locale("en").T(key, args...)
}

// admHas reports whether the page shows the text, as the template escapes it.
func admHas(body, text string) bool {
	return strings.Contains(body, text) || strings.Contains(html.UnescapeString(body), text)
}

var (
	admSectionRe = regexp.MustCompile(`<section id="([a-z_-]+)"`)
	admControlRe = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	admTitleRe   = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	admThemeRe   = regexp.MustCompile(`href="(/portal/theme\.css\?v=[^"]*)"`)
	admHXTokenRe = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)
)

// admFragment checks that the body is the one section alone, not a page.
func admFragment(t *testing.T, body, section string) {
	t.Helper()
	if strings.Contains(body, "<html") {
		t.Errorf("%s: a whole page came back instead of the fragment", section)
	}
	var ids []string
	for _, m := range admSectionRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 1 || ids[0] != section {
		t.Errorf("%s: fragment holds sections %v", section, ids)
	}
}

// admAttr is one attribute's value in a tag, unescaped.
func admAttr(tag, name string) (string, bool) {
	m := regexp.MustCompile(`\s` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// admInvalid checks that the field (a control's id, or the name of a radio
// or checkbox group) is marked invalid and points at its error paragraph,
// which is there.
func admInvalid(t *testing.T, body, field string) {
	t.Helper()
	if !strings.Contains(body, `<p id="`+field+`-error"`) {
		t.Errorf("no error paragraph %s-error", field)
	}
	for _, tag := range admControlRe.FindAllString(body, -1) {
		id, _ := admAttr(tag, "id")
		name, _ := admAttr(tag, "name")
		if id != field && name != field {
			continue
		}
		inv, _ := admAttr(tag, "aria-invalid")
		desc, _ := admAttr(tag, "aria-describedby")
		if inv == "true" && core.Contains(strings.Fields(desc), field+"-error") {
			return
		}
	}
	t.Errorf("field %s is not marked aria-invalid with aria-describedby=%s-error", field, field)
}

// admValue is what a text input or textarea with the id shows.
func admValue(body, id string) (string, bool) {
	if m := regexp.MustCompile(`(?s)<textarea\b[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1]), true
	}
	for _, tag := range admControlRe.FindAllString(body, -1) {
		if v, _ := admAttr(tag, "id"); v == id && strings.HasPrefix(tag, "<input") {
			return admAttr(tag, "value")
		}
	}
	return "", false
}

func admTitle(body string) string {
	m := admTitleRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// admOwn copies the fields that belong to one section from src to dst.
func admOwn(section string, dst *model.PortalSettings, src model.PortalSettings) {
	switch section {
	case "switch":
		dst.Enabled = src.Enabled
	case "general":
		dst.Title, dst.Slug, dst.BaseURL, dst.Language, dst.Languages = src.Title, src.Slug, src.BaseURL, src.Language, src.Languages
		dst.PreviousSlugs = src.PreviousSlugs
	case "access":
		dst.Access, dst.AccessLists, dst.SSOAccess, dst.SSOLists = src.Access, src.AccessLists, src.SSOAccess, src.SSOLists
	case "pages":
		dst.Pages = src.Pages
	case "consent":
		dst.ConsentVersionID = src.ConsentVersionID
	case "filters":
		dst.Filters = src.Filters
	case "permissions":
		dst.Permission = src.Permission
	case "inbox":
		dst.DefaultInboxID = src.DefaultInboxID
	case "branding":
		dst.PrimaryColor, dst.AccentColor, dst.Font, dst.ShowStageNames = src.PrimaryColor, src.AccentColor, src.Font, src.ShowStageNames
		dst.LogoURL, dst.FaviconURL, dst.Menu = src.LogoURL, src.FaviconURL, src.Menu
	case "form":
		dst.FormID = src.FormID
	case "sessions":
		dst.IdleTimeoutSec, dst.MaxLifetimeHours = src.IdleTimeoutSec, src.MaxLifetimeHours
	}
}

// admOnlyOwn fails the test when a save of the section changed a field
// that belongs to another section.
func admOnlyOwn(t *testing.T, section string, before, after model.PortalSettings) {
	t.Helper()
	want := admin.CloneSettings(before)
	admOwn(section, &want, after)
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("saving %s changed other sections:\nwant %s\ngot  %s", section, a, b)
	}
}

// admIDs are the demo records the sections refer to.
type admIDs struct {
	list, support, billing, form, supportPipeline int64
}

func (h *harness) admIDs() admIDs {
	h.t.Helper()
	ctx := context.Background()
	var ids admIDs
	lists, err := store.Lists(ctx, h.st.DB)
	if err != nil || len(lists) == 0 {
		h.t.Fatalf("lists: %v %v", lists, err)
	}
	ids.list = lists[0].ID
	inboxes, err := store.Inboxes(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, in := range inboxes {
		switch in.Name {
		case "Support":
			ids.support = in.ID
		case "Billing":
			ids.billing = in.ID
		}
	}
	forms, err := store.Forms(ctx, h.st.DB)
	if err != nil || len(forms) == 0 {
		h.t.Fatalf("forms: %v %v", forms, err)
	}
	ids.form = forms[0].ID
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(st.Filters) != 1 || st.Filters[0].Property != "pipeline" {
		h.t.Fatalf("demo filter rules: %+v", st.Filters)
	}
	ids.supportPipeline, _ = strconv.ParseInt(st.Filters[0].Values[0], 10, 64)
	if ids.support == 0 || ids.billing == 0 || ids.supportPipeline == 0 {
		h.t.Fatalf("demo ids: %+v", ids)
	}
	return ids
}

func admForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func admJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ---------------------------------------------------------------------------
// 1 and 6. Each section saves alone with htmx, refuses what is invalid
// without storing anything, and audits what it saves.

func testAdmSections(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.client()
	admin.admLogin(demo.AdminEmail)
	adminID := h.admStaffID(demo.AdminEmail)
	long := strings.Repeat("x", 121)
	pid := strconv.FormatInt(ids.supportPipeline, 10)

	type step struct {
		name    string
		section string
		form    url.Values
		// For a valid step: the check of the stored settings.
		check func(model.PortalSettings) bool
		// For an invalid step: the field with the error, and what the
		// input typedID (field when empty) shows ("" to skip). An error
		// about the whole group (too many rows) has no control to mark.
		field, typed, typedID string
		group                 bool
	}
	rows := func(n int, kv ...string) url.Values {
		v := url.Values{}
		for range n {
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
		}
		return v
	}
	steps := []step{
		{name: "switch off", section: "switch", form: admForm("enabled", "off"),
			check: func(s model.PortalSettings) bool { return !s.Enabled }},
		{name: "switch on, base URL missing", section: "switch", form: admForm("enabled", "on"), field: "enabled"},

		{name: "general bare domain", section: "general", field: "base_url", typed: "example.com",
			form: admForm("title", "Acme", "slug", "portal", "base_url", "example.com", "language", "en", "languages", "en")},
		{name: "general javascript URL", section: "general", field: "base_url", typed: "javascript:alert(1)",
			form: admForm("title", "Acme", "slug", "portal", "base_url", "javascript:alert(1)", "language", "en")},
		{name: "general slug with a space", section: "general", field: "slug", typed: "Bad Slug",
			form: admForm("title", "Acme", "slug", "Bad Slug", "base_url", "https://help.acme.example", "language", "en")},
		{name: "general unknown language", section: "general", field: "language",
			form: admForm("title", "Acme", "slug", "portal", "base_url", "", "language", "xx")},
		{name: "general no title", section: "general", field: "title",
			form: admForm("title", "  ", "slug", "portal", "base_url", "https://help.acme.example", "language", "en")},
		{name: "general", section: "general",
			form: admForm("title", "Acme Help Center", "slug", "help-center", "base_url", "https://help.acme.example/",
				"language", "es", "languages", "en", "languages", "xx"),
			check: func(s model.PortalSettings) bool {
				return s.Title == "Acme Help Center" && s.Slug == "help-center" && s.BaseURL == "https://help.acme.example" &&
					s.Language == "es" && reflect.DeepEqual(s.Languages, []string{"es", "en"})
			}},

		{name: "access lists without a list", section: "access", field: "access_lists",
			form: admForm("access", "lists", "sso_access", "all")},
		{name: "access unknown list", section: "access", field: "access_lists",
			form: admForm("access", "lists", "access_lists", "999999", "sso_access", "all")},
		{name: "access unknown mode", section: "access", field: "access",
			form: admForm("access", "everyone", "sso_access", "all")},
		{name: "access unknown SSO mode", section: "access", field: "sso_access",
			form: admForm("access", "registration", "sso_access", "none")},
		{name: "access", section: "access",
			form: admForm("access", "lists", "access_lists", fmt.Sprint(ids.list), "sso_access", "lists", "sso_lists", fmt.Sprint(ids.list)),
			check: func(s model.PortalSettings) bool {
				return s.Access == model.AccessLists && reflect.DeepEqual(s.AccessLists, []int64{ids.list}) &&
					s.SSOAccess == "lists" && reflect.DeepEqual(s.SSOLists, []int64{ids.list})
			}},

		{name: "pages heading too long", section: "pages", field: "login_heading", typed: long,
			form: admForm("login_heading", long, "login_intro", "Hello")},
		{name: "pages", section: "pages", form: admForm("login_heading", "Welcome back", "login_intro", "Use your work email."),
			check: func(s model.PortalSettings) bool {
				return len(s.Pages) == 1 && s.Pages["login"] == model.PageText{Heading: "Welcome back", Intro: "Use your work email."}
			}},

		{name: "consent empty notice", section: "consent", field: "notice", form: admForm("notice", "", "label", "I agree")},
		{name: "consent notice only a script", section: "consent", field: "notice",
			form: admForm("notice", "<script>alert(1)</script>", "label", "I agree")},
		{name: "consent empty label", section: "consent", field: "label", form: admForm("notice", "We keep your data.", "label", "")},
		{name: "consent", section: "consent", form: admForm("notice", "We keep your data safe.", "label", "I agree to this"),
			check: func(s model.PortalSettings) bool { return s.ConsentVersionID != 0 }},

		{name: "filters bad operator", section: "filters", field: "operator-0", typed: "high", typedID: "value-0",
			form: admForm("property", "priority", "operator", "like", "value", "high")},
		{name: "filters missing value", section: "filters", field: "value-1",
			form: admForm("property", "pipeline", "operator", "is", "value", pid, "property", "priority", "operator", "is", "value", " ")},
		{name: "filters 21 rules", section: "filters", field: "filters", group: true,
			form: rows(21, "property", "priority", "operator", "is_not", "value", "low")},
		{name: "filters unknown property", section: "filters", field: "property-0",
			form: admForm("property", "password_hash", "operator", "is", "value", "x")},
		{name: "filters", section: "filters",
			form: admForm("property", "pipeline", "operator", "is", "value", pid,
				"property", "", "operator", "is", "value", "",
				"property", "priority", "operator", "any_of", "value", "high, urgent"),
			check: func(s model.PortalSettings) bool {
				return admJSON(s.Filters) == admJSON([]model.FilterRule{
					{Property: "pipeline", Operator: model.OpIs, Values: []string{pid}},
					{Property: "priority", Operator: model.OpAnyOf, Values: []string{"high", "urgent"}}})
			}},

		{name: "permissions unknown", section: "permissions", field: "permission", form: admForm("permission", "everyone")},
		{name: "permissions", section: "permissions", form: admForm("permission", "contact"),
			check: func(s model.PortalSettings) bool { return s.Permission == model.PermissionContact }},

		{name: "inbox nonexistent", section: "inbox", field: "default_inbox_id", form: admForm("default_inbox_id", "999999")},
		{name: "inbox not a number", section: "inbox", field: "default_inbox_id", form: admForm("default_inbox_id", "1 OR 1=1")},
		{name: "inbox", section: "inbox", form: admForm("default_inbox_id", fmt.Sprint(ids.billing)),
			check: func(s model.PortalSettings) bool { return s.DefaultInboxID == ids.billing }},

		{name: "branding colour name", section: "branding", field: "primary_color", typed: "blue",
			form: admForm("primary_color", "blue", "accent_color", "#0f766e", "font", "system")},
		{name: "branding javascript menu link", section: "branding", field: "menu_url-0", typed: "javascript:alert(1)",
			form: admForm("primary_color", "#112233", "accent_color", "#0f766e", "menu_label", "Evil", "menu_url", "javascript:alert(1)")},
		{name: "branding 11 menu entries", section: "branding", field: "menu", group: true,
			form: rows(11, "menu_label", "Docs", "menu_url", "/docs", "primary_color", "#112233", "accent_color", "#0f766e")},
		{name: "branding protocol-relative menu link", section: "branding", field: "menu_url-1", typed: "//evil.example",
			form: admForm("primary_color", "#112233", "accent_color", "#0f766e", "menu_label", "Docs", "menu_url", "/docs",
				"menu_label", "Evil", "menu_url", "//evil.example")},
		{name: "branding", section: "branding",
			form: admForm("primary_color", "#112233", "accent_color", "#AABBCC", "font", "serif", "show_stage_names", "yes",
				"menu_label", "Docs", "menu_url", "https://docs.acme.example", "menu_label", "", "menu_url", "",
				"menu_label", "Tickets", "menu_url", "/portal/tickets"),
			check: func(s model.PortalSettings) bool {
				return s.PrimaryColor == "#112233" && s.AccentColor == "#aabbcc" && s.Font == "serif" && s.ShowStageNames &&
					reflect.DeepEqual(s.Menu, []model.MenuItem{{Label: "Docs", URL: "https://docs.acme.example"}, {Label: "Tickets", URL: "/portal/tickets"}})
			}},

		{name: "form nonexistent", section: "form", field: "form_id", form: admForm("form_id", "999999")},
		{name: "form none", section: "form", form: admForm("form_id", "0"),
			check: func(s model.PortalSettings) bool { return s.FormID == 0 }},
		{name: "form", section: "form", form: admForm("form_id", fmt.Sprint(ids.form)),
			check: func(s model.PortalSettings) bool { return s.FormID == ids.form }},

		{name: "sessions idle 2 minutes", section: "sessions", field: "idle_minutes", typed: "2",
			form: admForm("idle_minutes", "2", "lifetime_hours", "8")},
		{name: "sessions idle 2000 minutes", section: "sessions", field: "idle_minutes", typed: "2000",
			form: admForm("idle_minutes", "2000", "lifetime_hours", "8")},
		{name: "sessions lifetime shorter than idle", section: "sessions", field: "lifetime_hours", typed: "1",
			form: admForm("idle_minutes", "120", "lifetime_hours", "1")},
		{name: "sessions", section: "sessions", form: admForm("idle_minutes", "45", "lifetime_hours", "8"),
			check: func(s model.PortalSettings) bool { return s.IdleTimeoutSec == 45*60 && s.MaxLifetimeHours == 8 }},

		// With the base URL set, the switch goes back on.
		{name: "switch on", section: "switch", form: admForm("enabled", "on"),
			check: func(s model.PortalSettings) bool { return s.Enabled }},
	}

	saved := map[string]bool{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			res, body := admin.admPost("/admin/portal/"+st.section, st.form, true)
			after := h.admState()
			admFragment(t, body, st.section)
			if st.check == nil {
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", res.StatusCode)
				}
				if st.group {
					if !strings.Contains(body, `<p id="`+st.field+`-error"`) {
						t.Errorf("no error paragraph %s-error", st.field)
					}
				} else {
					admInvalid(t, body, st.field)
				}
				if !admHas(body, h.admT("settings.not_saved")) || admHas(body, "✓ "+h.admT("settings.saved")) {
					t.Error("no \"not saved\" notice, or a \"saved\" one")
				}
				if st.typed != "" {
					id := st.typedID
					if id == "" {
						id = st.field
					}
					if got, ok := admValue(body, id); !ok || !strings.EqualFold(got, st.typed) {
						t.Errorf("field %s shows %q (found %v), want what was typed, %q", id, got, ok, st.typed)
					}
				}
				admSame(t, st.name, before, after)
				return
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200; errors %v", res.StatusCode, fieldErrors(body))
			}
			if !admHas(body, h.admT("settings.saved")) || strings.Contains(body, `aria-invalid="true"`) {
				t.Error("no \"saved\" notice, or a field marked invalid")
			}
			if !st.check(after.s) {
				t.Errorf("not stored as posted: %s", after.json)
			}
			if after.version <= before.version {
				t.Errorf("settings version %d → %d", before.version, after.version)
			}
			admOnlyOwn(t, st.section, before.s, after.s)
			// 6. One audit entry, by this admin, with both states.
			if after.audit != before.audit+1 {
				t.Fatalf("audit rows %d → %d", before.audit, after.audit)
			}
			e := h.admLastAudit()
			if e.Action != "settings."+st.section || e.ActorType != "staff" || e.ActorID == nil || *e.ActorID != adminID {
				t.Errorf("audit entry %+v", e)
			}
			if e.Before == e.After || e.Before != before.json || e.After != after.json {
				t.Errorf("audit before/after:\n%s\n%s\nwant\n%s\n%s", e.Before, e.After, before.json, after.json)
			}
			saved[st.section] = true
		})
	}
	for _, sec := range settingsSections {
		if !saved[sec] {
			t.Errorf("section %s was never saved", sec)
		}
	}

	// The page lists the changes in its audit log.
	res, body := admin.get("/admin/portal", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/portal: %d", res.StatusCode)
	}
	audit := body[strings.Index(body, `<section id="audit"`):]
	for _, sec := range settingsSections {
		if !strings.Contains(audit, ">settings."+sec+"<") {
			t.Errorf("audit log on the page lacks settings.%s", sec)
		}
	}
	if !strings.Contains(audit, fmt.Sprintf("#%d", adminID)) {
		t.Error("audit log on the page doesn't name the admin")
	}
	// The page's own forms carry the token the tests send.
	if admin.csrf != admin.admToken() {
		t.Error("the settings page's CSRF token isn't the staff session's")
	}
}

// ---------------------------------------------------------------------------
// 2. Without JavaScript a save redirects to the page, which says "saved",
// and an error answers the whole page.

func testAdmPlainForms(t *testing.T, h *harness) {
	admin := h.admin()
	before := h.admState()
	res, body := admin.admPost("/admin/portal/general", admForm("title", "Plain Title", "slug", "portal",
		"base_url", "https://help.acme.example", "language", "en"), false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if u, err := url.Parse(loc); err != nil || u.Path != "/admin/portal" || u.Query().Get("saved") != "general" {
		t.Fatalf("Location %q", loc)
	}
	if got := h.admState(); got.s.Title != "Plain Title" || got.version <= before.version {
		t.Errorf("not saved: %s", got.json)
	}
	// Following the redirect shows the notice in the saved section only.
	res, body = admin.get(loc, false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, res.StatusCode)
	}
	saved := "✓ " + h.admT("settings.saved")
	if n := strings.Count(html.UnescapeString(body), saved); n != 1 {
		t.Errorf("page after a plain save shows the saved notice %d times, want 1", n)
	} else if g := body[strings.Index(body, `<section id="general"`):]; !admHas(g[:strings.Index(g, "</section>")], saved) {
		t.Error("the saved notice isn't in the general section")
	}

	cases := []struct {
		section, field, typed string
		form                  url.Values
	}{
		{"general", "base_url", "example.com", admForm("title", "Other", "slug", "portal", "base_url", "example.com", "language", "en")},
		{"sessions", "idle_minutes", "2000", admForm("idle_minutes", "2000", "lifetime_hours", "8")},
		{"consent", "notice", "", admForm("notice", "", "label", "Typed label")},
	}
	for _, tc := range cases {
		t.Run(tc.section, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			res, body := admin.admPost("/admin/portal/"+tc.section, tc.form, false)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(body, "<html") || !strings.Contains(body, `<section id="audit"`) {
				t.Error("not the whole page")
			}
			for _, sec := range settingsSections {
				if !strings.Contains(body, `<section id="`+sec+`"`) {
					t.Errorf("page lacks section %s", sec)
				}
			}
			admInvalid(t, body, tc.field)
			if tc.typed != "" {
				if got, _ := admValue(body, tc.field); got != tc.typed {
					t.Errorf("%s shows %q, want %q", tc.field, got, tc.typed)
				}
			}
			if tc.section == "consent" {
				if got, _ := admValue(body, "label"); got != "Typed label" {
					t.Errorf("label shows %q", got)
				}
			}
			// The other sections show what is stored.
			if got, _ := admValue(body, "title"); tc.section != "general" && got != "Plain Title" {
				t.Errorf("general section shows title %q, want the stored one", got)
			}
			if got, _ := admValue(body, "idle_minutes"); tc.section != "sessions" && got != "30" {
				t.Errorf("sessions section shows %q minutes, want the stored 30", got)
			}
			admSame(t, tc.section, before, h.admState())
		})
	}
}

// ---------------------------------------------------------------------------
// 3. Consent: a new version on every save, sanitized, shown at once on the
// registration page.

func testAdmConsent(t *testing.T, h *harness) {
	admin := h.admin()
	notice := `<p onclick="steal()">We keep <a href="https://acme.example/privacy" onclick="x()">your data</a> safe.</p>` +
		`<script>alert(1)</script><img src=x onerror=alert(1)>`
	for i, label := range []string{"I accept the Acme privacy notice", "I accept the new Acme notice"} {
		before := h.admState()
		res, body := admin.admPost("/admin/portal/consent", admForm("notice", notice, "label", label), true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("save %d: status %d, errors %v", i, res.StatusCode, fieldErrors(body))
		}
		after := h.admState()
		if after.consents != before.consents+1 {
			t.Fatalf("save %d: consent versions %d → %d", i, before.consents, after.consents)
		}
		var maxID int64
		if err := h.st.DB.QueryRowContext(context.Background(), "SELECT max(id) FROM consent_versions").Scan(&maxID); err != nil {
			t.Fatal(err)
		}
		if after.s.ConsentVersionID != maxID || after.s.ConsentVersionID == before.s.ConsentVersionID {
			t.Fatalf("save %d: settings point at consent version %d, newest is %d", i, after.s.ConsentVersionID, maxID)
		}
		v, err := store.ConsentVersion(context.Background(), h.st.DB, maxID)
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(v.Notice)
		for _, bad := range []string{"<script", "onclick", "onerror", "<img", "alert(1)"} {
			if strings.Contains(low, bad) {
				t.Errorf("stored notice keeps %q: %s", bad, v.Notice)
			}
		}
		if !strings.Contains(v.Notice, `<a href="https://acme.example/privacy"`) || !strings.Contains(v.Notice, "your data</a>") {
			t.Errorf("stored notice lost its link: %s", v.Notice)
		}
		if v.Label != label {
			t.Errorf("stored label %q", v.Label)
		}
		// The section shows the saved version, sanitized, in its textarea.
		if got, _ := admValue(body, "notice"); got != v.Notice {
			t.Errorf("section shows notice %q, want %q", got, v.Notice)
		}
		if !admHas(body, h.admT("settings.consent_version", maxID)) {
			t.Errorf("section doesn't name consent version %d", maxID)
		}

		// An anonymous visitor sees the new label at once.
		visitor := h.client()
		res, page := visitor.get("/portal/register", false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("register page: %d", res.StatusCode)
		}
		if !admHas(page, label) {
			t.Errorf("register page lacks the new label %q", label)
		}
		if i == 1 && admHas(page, "I accept the Acme privacy notice") {
			t.Error("register page still shows the old label")
		}
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "onerror=alert") {
			t.Error("register page shows the unsafe notice")
		}
		// The sanitized notice is HTML: its link is a link, not text.
		if !strings.Contains(page, `<a href="https://acme.example/privacy"`) || strings.Contains(page, "&lt;a href=") {
			t.Error("register page doesn't show the notice's link as a link (escaped HTML instead)")
		}
	}
}

// ---------------------------------------------------------------------------
// 4. The switch refuses to turn on while the checklist is incomplete.

func testAdmSwitch(t *testing.T, h *harness) {
	admin := h.admin()
	customer := h.client()
	general := func(base string) {
		t.Helper()
		res, body := admin.admPost("/admin/portal/general", admForm("title", "Acme", "slug", "portal",
			"base_url", base, "language", "en", "languages", "en"), true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("general with base_url %q: status %d, errors %v", base, res.StatusCode, fieldErrors(body))
		}
	}
	toggle := func(v string) (*http.Response, string) {
		t.Helper()
		return admin.admPost("/admin/portal/switch", admForm("enabled", v), true)
	}

	if res, body := toggle("off"); res.StatusCode != http.StatusOK || !admHas(body, h.admT("settings.saved")) {
		t.Fatalf("switch off: %d", res.StatusCode)
	}
	if h.admState().s.Enabled {
		t.Fatal("still on")
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off: /portal/login answers %d, want 503", res.StatusCode)
	}
	if res, _ := customer.get("/portal/register", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off: /portal/register answers %d, want 503", res.StatusCode)
	}

	general("")
	before := h.admState()
	res, body := toggle("on")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("switch on without base URL: status %d, want 422", res.StatusCode)
	}
	admFragment(t, body, "switch")
	admInvalid(t, body, "enabled")
	if !admHas(body, h.admT("settings.missing_base_url")) || !strings.Contains(body, `href="#general"`) {
		t.Error("checklist doesn't name the missing base URL")
	}
	if admHas(body, h.admT("settings.missing_inbox")) || admHas(body, h.admT("settings.missing_consent")) {
		t.Error("checklist names something that is not missing")
	}
	admSame(t, "refused switch", before, h.admState())
	if h.admState().s.Enabled {
		t.Fatal("portal switched on with a missing base URL")
	}

	general("https://help.acme.example")
	res, body = toggle("on")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("switch on: status %d, errors %v", res.StatusCode, fieldErrors(body))
	}
	if !admHas(body, h.admT("settings.checklist_done")) {
		t.Error("complete checklist not shown as done")
	}
	if !h.admState().s.Enabled {
		t.Fatal("not switched on")
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusOK {
		t.Errorf("portal on: /portal/login answers %d", res.StatusCode)
	}

	// Anything but "on" is off; the switch reads nothing else.
	if res, _ := admin.admPost("/admin/portal/switch", admForm("enabled", "yes", "base_url", ""), true); res.StatusCode != http.StatusOK {
		t.Fatalf("switch enabled=yes: %d", res.StatusCode)
	}
	if s := h.admState().s; s.Enabled || s.BaseURL != "https://help.acme.example" {
		t.Errorf("after enabled=yes: enabled %v, base URL %q", s.Enabled, s.BaseURL)
	}
	if res, _ := customer.get("/portal/login", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("portal off again: /portal/login answers %d", res.StatusCode)
	}
}

// ---------------------------------------------------------------------------
// 5. Changes reach the portal with the next request.

func testAdmLive(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.admin()
	visitor := h.client()
	ana := h.client()
	ana.as(demo.AnaEmail)

	// Title.
	if res, body := admin.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "portal",
		"base_url", "", "language", "en", "languages", "en", "languages", "es"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("general: %d %v", res.StatusCode, fieldErrors(body))
	}
	for _, tc := range []struct {
		who  *client
		path string
	}{{visitor, "/portal/login"}, {visitor, "/portal/register"}, {ana, "/portal/tickets"}, {ana, "/portal/tickets/new"}} {
		_, body := tc.who.get(tc.path, false)
		if title := admTitle(body); !strings.HasSuffix(title, "Acme Help Center") {
			t.Errorf("%s: <title> %q", tc.path, title)
		}
	}

	// System page texts.
	if res, body := admin.admPost("/admin/portal/pages", admForm("login_heading", "Welcome to Acme",
		"login_intro", "Use your work email.", "register_heading", "Join Acme"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("pages: %d %v", res.StatusCode, fieldErrors(body))
	}
	if _, body := visitor.get("/portal/login", false); h1(body) != "Welcome to Acme" || !admHas(body, "Use your work email.") {
		t.Errorf("login page heading %q after saving the page texts", h1(body))
	}
	if _, body := visitor.get("/portal/register", false); h1(body) != "Join Acme" {
		t.Errorf("register page heading %q after saving the page texts", h1(body))
	}

	// Branding: the stylesheet's URL carries the settings version.
	theme := func() (string, string) {
		t.Helper()
		_, body := visitor.get("/portal/login", false)
		m := admThemeRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no theme stylesheet on the login page")
		}
		href := html.UnescapeString(m[1])
		res, css := visitor.get(href, false)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("%s: %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
		}
		return href, css
	}
	href1, css1 := theme()
	if !strings.Contains(css1, "--brand:37 99 235") {
		t.Errorf("demo theme: %s", css1)
	}
	if res, body := admin.admMultipart("/admin/portal/branding", [][2]string{
		{"primary_color", "#112233"}, {"accent_color", "#ff8800"}, {"font", "system"},
	}, nil, true); res.StatusCode != http.StatusOK {
		t.Fatalf("branding: %d %v", res.StatusCode, fieldErrors(body))
	}
	href2, css2 := theme()
	if href2 == href1 {
		t.Errorf("theme URL unchanged after a branding change: %s", href1)
	}
	if !strings.Contains(css2, "--brand:17 34 51") || !strings.Contains(css2, "--accent:255 136 0") {
		t.Errorf("new theme: %s", css2)
	}
	// The demo menu is gone with the branding save, which posted none.
	if _, body := visitor.get("/portal/login", false); strings.Contains(body, "https://status.example.com") {
		t.Error("removed menu entry still shown")
	}

	// Self-registration off.
	if _, body := visitor.get("/portal/login", false); !strings.Contains(body, `href="/portal/register"`) {
		t.Fatal("demo login page has no registration link")
	}
	if res, body := admin.admPost("/admin/portal/access", admForm("access", "lists",
		"access_lists", fmt.Sprint(ids.list), "sso_access", "all"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("access: %d %v", res.StatusCode, fieldErrors(body))
	}
	if res, _ := visitor.get("/portal/register", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("/portal/register with registration off: %d, want 404", res.StatusCode)
	}
	if res, _ := visitor.post("/portal/register", admForm("name", "Eve", "email", "eve@example.com",
		"password", "a long passphrase", "consent", "yes"), false); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /portal/register with registration off: %d, want 404", res.StatusCode)
	}
	_, body := visitor.get("/portal/login", false)
	if strings.Contains(body, `href="/portal/register"`) || admHas(body, h.admT("login.register_link")) {
		t.Error("login page still offers registration")
	}
	// Ana is on the list and keeps her access.
	if res, _ := ana.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Errorf("Ana on the access list: %d", res.StatusCode)
	}

	// Idle timeout: a session idle longer than the new timeout is over.
	if res, body := admin.admPost("/admin/portal/sessions", admForm("idle_minutes", "5", "lifetime_hours", "12"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("sessions: %d %v", res.StatusCode, fieldErrors(body))
	}
	se, err := h.srv.Sessions.Get(context.Background(), ana.sid())
	if err != nil || se == nil {
		t.Fatalf("Ana's session: %v %v", se, err)
	}
	se.LastSeen = se.LastSeen.Add(-6 * time.Minute)
	if err := h.srv.Sessions.Put(context.Background(), ana.sid(), se, time.Hour); err != nil {
		t.Fatal(err)
	}
	if res, _ := ana.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
		t.Errorf("session idle 6 minutes with a 5-minute timeout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// ---------------------------------------------------------------------------
// 7. Filter rules: the count of visible tickets, and "add a rule".

var admCountRe = regexp.MustCompile(`(\d+)\D+(\d+)`)

func testAdmFilters(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.admin()
	pid := strconv.FormatInt(ids.supportPipeline, 10)
	prefix, _, _ := strings.Cut(h.admT("settings.filters_count"), "%d")
	count := func(body string) (int, int) {
		t.Helper()
		text := html.UnescapeString(body)
		i := strings.Index(text, prefix)
		if i < 0 {
			t.Fatalf("no %q in the filters section", prefix)
		}
		m := admCountRe.FindStringSubmatch(text[i+len(prefix):])
		if m == nil {
			t.Fatal("no counts")
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		return a, b
	}
	total := h.count("SELECT count(*) FROM tickets")
	inPipeline := h.count("SELECT count(*) FROM tickets WHERE pipeline_id = ?", ids.supportPipeline)
	highInPipeline := h.count("SELECT count(*) FROM tickets WHERE pipeline_id = ? AND priority = 'high'", ids.supportPipeline)
	if highInPipeline == 0 || highInPipeline == inPipeline || inPipeline == total {
		t.Fatalf("demo data can't tell the rules apart: %d high of %d in pipeline, %d in all", highInPipeline, inPipeline, total)
	}

	_, page := admin.get("/admin/portal", false)
	if v, n := count(page); v != inPipeline || n != total {
		t.Errorf("page: visible %d of %d, want %d of %d", v, n, inPipeline, total)
	}

	// "Add a rule" shows one more, empty, row and saves nothing.
	before := h.admState()
	res, body := admin.admPost("/admin/portal/filters", admForm("property", "pipeline", "operator", "is", "value", pid, "add", "yes"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add: status %d", res.StatusCode)
	}
	admFragment(t, body, "filters")
	if n := strings.Count(body, `name="property"`); n != 2 {
		t.Errorf("add: %d rule rows, want 2", n)
	}
	if got, ok := admValue(body, "value-1"); !ok || got != "" {
		t.Errorf("add: new row's value %q (found %v)", got, ok)
	}
	if admHas(body, "✓ "+h.admT("settings.saved")) {
		t.Error("add: says saved")
	}
	if v, n := count(body); v != inPipeline || n != total {
		t.Errorf("add: the empty row changed the count to %d of %d, want %d of %d", v, n, inPipeline, total)
	}
	admSame(t, "add a rule", before, h.admState())

	// Saving a second rule narrows the count.
	res, body = admin.admPost("/admin/portal/filters", admForm("property", "pipeline", "operator", "is", "value", pid,
		"property", "priority", "operator", "is", "value", "high"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save: %d %v", res.StatusCode, fieldErrors(body))
	}
	if v, n := count(body); v != highInPipeline || n != total {
		t.Errorf("after saving priority is high: %d of %d, want %d of %d", v, n, highInPipeline, total)
	}
	_, page = admin.get("/admin/portal", false)
	if v, _ := count(page); v != highInPipeline {
		t.Errorf("page after save: %d visible, want %d", v, highInPipeline)
	}
	// The portal applies it: Ana's list only holds high-priority tickets.
	ana := h.client()
	ana.as(demo.AnaEmail)
	_, list := ana.get("/portal/tickets?status=all", false)
	for _, id := range rowIDs(list) {
		if p := h.count("SELECT count(*) FROM tickets WHERE id = ? AND priority = 'high'", id); p != 1 {
			t.Errorf("ticket #%d shown despite the priority rule", id)
		}
	}

	// No rules at all: everything is visible.
	if res, body = admin.admPost("/admin/portal/filters", admForm(), true); res.StatusCode != http.StatusOK {
		t.Fatalf("clear: %d", res.StatusCode)
	}
	if v, n := count(body); v != total || n != total {
		t.Errorf("no rules: %d of %d, want all %d", v, n, total)
	}
	if s := h.admState().s; len(s.Filters) != 0 {
		t.Errorf("rules after clearing: %+v", s.Filters)
	}
}

// ---------------------------------------------------------------------------
// 8. Who may open and change the settings.

func testAdmAccessControl(t *testing.T, h *harness) {
	general := admForm("title", "Hijacked", "slug", "portal", "base_url", "", "language", "en")

	t.Run("anonymous", func(t *testing.T) {
		h := h.admIn(t)
		anon := h.client()
		res, _ := anon.get("/admin/portal", false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login?next=%2Fadmin%2Fportal" {
			t.Errorf("GET: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.get("/admin/login", false) // a staff cookie and its token
		before := h.admState()
		res, _ = anon.admPost("/admin/portal/general", general, true)
		if hx := res.Header.Get("HX-Redirect"); !strings.HasPrefix(hx, "/admin/login") || strings.Contains(hx, "next=") {
			t.Errorf("htmx POST: %d, HX-Redirect %q", res.StatusCode, hx)
		}
		res, _ = anon.admPost("/admin/portal/general", general, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("plain POST: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.admPost("/admin/portal/preview", admForm("email", demo.AnaEmail), false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("preview POST: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		admSame(t, "anonymous", before, h.admState())
	})

	t.Run("customer session is no staff session", func(t *testing.T) {
		h := h.admIn(t)
		c := h.client()
		c.login(demo.AnaEmail)
		res, _ := c.get("/admin/portal", false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("customer on /admin/portal: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The customer's own token is no good in the back office.
		before := h.admState()
		f := admForm("title", "Hijacked", "slug", "portal", "language", "en")
		f.Set(core.CSRFField, h.srv.CSRFFor(c.sid()))
		if res, _ := c.post("/admin/portal/general", f, true); res.StatusCode != http.StatusForbidden {
			t.Errorf("customer token on an admin POST: %d, want 403", res.StatusCode)
		}
		admSame(t, "customer", before, h.admState())
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
			t.Errorf("customer still in the portal: %d", res.StatusCode)
		}
	})

	t.Run("staff session is no customer session", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		res, _ := admin.get("/portal/tickets", false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
			t.Errorf("staff on /portal/tickets: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The staff cookie sent as the portal's is not a customer either.
		c := h.client()
		c.cookies[core.SessionCookie] = admin.cookies[core.StaffCookie]
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("staff session ID in the portal cookie: %d", res.StatusCode)
		}
	})

	t.Run("agent without settings permission", func(t *testing.T) {
		h := h.admIn(t)
		agent := h.admAs(demo.AgentEmail)
		before := h.admState()
		if res, body := agent.get("/admin/portal", false); res.StatusCode != http.StatusForbidden || admHas(body, h.admT("settings.general_title")) {
			t.Errorf("GET /admin/portal: %d", res.StatusCode)
		}
		for _, htmx := range []bool{true, false} {
			if res, _ := agent.admPost("/admin/portal/general", general, htmx); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST general (htmx %v): %d, want 403", htmx, res.StatusCode)
			}
		}
		if res, _ := agent.admPost("/admin/portal/switch", admForm("enabled", "off"), true); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST switch: %d, want 403", res.StatusCode)
		}
		admSame(t, "agent", before, h.admState())
		if !h.admState().s.Enabled {
			t.Error("agent switched the portal off")
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		before := h.admState()
		for _, tc := range []struct {
			name, token string
		}{
			{"no", ""},
			{"a wrong", "AAAA" + admin.admToken()[4:]},
			{"another session's", h.srv.CSRFFor(auth.NewSessionID())},
		} {
			f := admForm("title", "Forged", "slug", "portal", "language", "en")
			if tc.token != "" {
				f.Set(core.CSRFField, tc.token)
			}
			for _, htmx := range []bool{true, false} {
				if res, _ := admin.admRaw("/admin/portal/general", f, htmx); res.StatusCode != http.StatusForbidden {
					t.Errorf("%s token (htmx %v): %d, want 403", tc.name, htmx, res.StatusCode)
				}
			}
		}
		// A GET never changes anything.
		admin.get("/admin/portal/general?title=Forged&slug=portal&language=en", false)
		admSame(t, "CSRF", before, h.admState())
		// The token may come as htmx's header instead.
		req := httptest.NewRequest(http.MethodPost, "/admin/portal/permissions", strings.NewReader("permission=contact"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set(core.CSRFHeader, admin.admToken())
		if res, _ := admin.do(req); res.StatusCode != http.StatusOK {
			t.Errorf("token in the header: %d", res.StatusCode)
		}
	})

	t.Run("unknown section", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		before := h.admState()
		for _, sec := range []string{"preview_end", "enabled", "..%2Fswitch", "SWITCH"} {
			if res, _ := admin.admPost("/admin/portal/"+sec, admForm("enabled", "off"), true); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", sec, res.StatusCode)
			}
		}
		admSame(t, "unknown section", before, h.admState())
	})

	t.Run("logout", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		old := admin.cookies[core.StaffCookie]
		if res, _ := admin.admPost("/admin/logout", nil, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		c := h.client()
		c.cookies[core.StaffCookie] = old
		if res, _ := c.get("/admin/portal", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("old staff cookie after logout: %d", res.StatusCode)
		}
	})
}

// ---------------------------------------------------------------------------
// 8. Extra fields in a section's post change nothing outside it.

func testAdmExtraFields(t *testing.T, h *harness) {
	admin := h.admin()
	if res, _ := admin.admPost("/admin/portal/switch", admForm("enabled", "off"), true); res.StatusCode != http.StatusOK {
		t.Fatal("switch off")
	}
	extras := []string{
		"enabled", "on", "consent_version_id", "999", "ConsentVersionID", "999", "title", "Hijacked",
		"primary_color", "#000000", "access", "lists", "permission", "company", "default_inbox_id", "1",
		"form_id", "1", "idle_minutes", "1440", "logo_url", "javascript:alert(1)", "require_verification", "on",
		"filters", `[{"property":"x"}]`, "id", "2", "version", "99",
	}
	cases := []struct {
		section string
		own     []string
	}{
		{"general", []string{"title", "Own title", "slug", "portal", "base_url", "https://help.acme.example", "language", "en"}},
		{"consent", []string{"notice", "Own notice", "label", "Own label"}},
		{"permissions", []string{"permission", "contact"}},
		{"sessions", []string{"idle_minutes", "20", "lifetime_hours", "6"}},
		{"pages", []string{"register_heading", "Join us"}},
		{"switch", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.section, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			f := admForm(extras...)
			for i := 0; i+1 < len(tc.own); i += 2 {
				f.Del(tc.own[i])
			}
			for k, v := range admForm(tc.own...) {
				f[k] = v
			}
			if tc.section == "switch" {
				f.Set("enabled", "off")
			}
			res, body := admin.admPost("/admin/portal/"+tc.section, f, true)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d %v", res.StatusCode, fieldErrors(body))
			}
			after := h.admState()
			admOnlyOwn(t, tc.section, before.s, after.s)
			if after.s.Enabled || after.s.ConsentVersionID == 999 || after.s.Title == "Hijacked" || after.s.LogoURL != "" {
				t.Errorf("an extra field was stored: %s", after.json)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Logo and favicon uploads: raster images only, kept in the settings.

func testAdmUploads(t *testing.T, h *harness) {
	admin := h.admin()
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	brand := [][2]string{{"primary_color", "#2563eb"}, {"accent_color", "#0f766e"}, {"font", "system"}}

	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>`)},
		{"logo.png", []byte(`<html><script>alert(1)</script></html>`)},
		{"big.png", append(pngData.Bytes(), make([]byte, 300<<10)...)},
	} {
		before := h.admState()
		res, body := admin.admMultipart("/admin/portal/branding", brand, []admFile{{"logo", tc.name, tc.data}}, true)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.StatusCode)
			continue
		}
		admInvalid(t, body, "logo")
		admSame(t, tc.name, before, h.admState())
	}

	res, body := admin.admMultipart("/admin/portal/branding", brand, []admFile{{"logo", "logo.png", pngData.Bytes()}}, true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("png logo: %d %v", res.StatusCode, fieldErrors(body))
	}
	s := h.admState().s
	if !strings.HasPrefix(s.LogoURL, "data:image/png;base64,") {
		t.Fatalf("logo stored as %.40q", s.LogoURL)
	}
	if e := h.admLastAudit(); strings.Contains(e.After, "base64") {
		t.Error("audit log keeps the image bytes")
	}
	if !strings.Contains(body, `<img src="data:image/png;base64,`) {
		t.Error("branding section doesn't show the uploaded logo")
	}
	if _, page := h.client().get("/portal/login", false); !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Error("portal doesn't show the uploaded logo")
	}
	// Saving the section again without a file keeps the logo; "remove"
	// drops it.
	admin.admMultipart("/admin/portal/branding", brand, nil, true)
	if h.admState().s.LogoURL != s.LogoURL {
		t.Error("logo lost on a save without a file")
	}
	admin.admMultipart("/admin/portal/branding", append(brand, [2]string{"remove_logo", "yes"}), nil, true)
	if h.admState().s.LogoURL != "" {
		t.Error("logo not removed")
	}
}

// ---------------------------------------------------------------------------
// Markup typed into settings is shown as inert text, in the portal and in
// the back office (its fields and its audit log).

func testAdmInjection(t *testing.T, h *harness) {
	admin := h.admin()
	const img = `"><img src=x onerror=alert(1)>`
	const hx = `<b hx-get="/admin/portal" hx-trigger="load">x</b>`
	saves := []struct {
		section string
		form    url.Values
	}{
		{"general", admForm("title", "Acme "+img, "slug", "portal", "language", "en", "languages", "en")},
		{"pages", admForm("login_heading", "Hi "+hx, "login_intro", "<script>alert(1)</script>"+img)},
		{"branding", admForm("primary_color", "#2563eb", "accent_color", "#0f766e",
			"menu_label", "Docs "+img, "menu_url", `/docs"><script>alert(1)</script>`)},
	}
	for _, sv := range saves {
		if res, body := admin.admPost("/admin/portal/"+sv.section, sv.form, true); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", sv.section, res.StatusCode, fieldErrors(body))
		}
	}
	if s := h.admState().s; !strings.Contains(s.Title, "<img") {
		t.Fatalf("title stored as %q: the test needs it as typed", s.Title)
	}
	bad := []string{"<img src=x", "<script>alert(1)", "<b hx-get", `hx-trigger="load"`}
	_, login := h.client().get("/portal/login", false)
	_, settings := admin.get("/admin/portal", false)
	_, fragment := admin.admPost("/admin/portal/general", admForm("title", "Acme "+img, "slug", "Bad Slug", "language", "en"), true)
	for name, body := range map[string]string{"portal login": login, "settings page": settings, "422 fragment": fragment} {
		for _, b := range bad {
			if strings.Contains(body, b) {
				t.Errorf("%s contains live markup %q", name, b)
			}
		}
	}
	if !strings.Contains(login, "Acme &#34;&gt;&lt;img") && !strings.Contains(login, "Acme &quot;&gt;&lt;img") {
		t.Error("portal login page doesn't show the title as text")
	}
	if got, _ := admValue(settings, "title"); got != "Acme "+img {
		t.Errorf("settings page title field shows %q", got)
	}
}

// ---------------------------------------------------------------------------
// Two admins saving different sections at the same moment both keep their
// change: a save never writes back a stale copy of the other sections.

func testAdmConcurrent(t *testing.T, h *harness) {
	a, b := h.admin(), h.admin()
	for i := range 6 {
		title := fmt.Sprintf("Title %d", i)
		perm := []string{model.PermissionContact, model.PermissionCompany}[i%2]
		idle := 10 + i
		before := h.admState()
		var wg sync.WaitGroup
		codes := make([]int, 3)
		post := func(k int, c *client, section string, f url.Values) {
			defer wg.Done()
			res, _ := c.admPost("/admin/portal/"+section, f, true)
			codes[k] = res.StatusCode
		}
		wg.Add(3)
		go post(0, a, "general", admForm("title", title, "slug", "portal", "language", "en", "languages", "en"))
		go post(1, b, "permissions", admForm("permission", perm))
		go post(2, a.admIn(h), "sessions", admForm("idle_minutes", fmt.Sprint(idle), "lifetime_hours", "12"))
		wg.Wait()
		after := h.admState()
		if !reflect.DeepEqual(codes, []int{200, 200, 200}) {
			t.Fatalf("round %d: statuses %v", i, codes)
		}
		if after.s.Title != title || after.s.Permission != perm || after.s.IdleTimeoutSec != idle*60 {
			t.Errorf("round %d: a save was lost: title %q (want %q), permission %q (want %q), idle %d (want %d)",
				i, after.s.Title, title, after.s.Permission, perm, after.s.IdleTimeoutSec, idle*60)
		}
		if after.version != before.version+3 || after.audit != before.audit+3 {
			t.Errorf("round %d: version %d → %d, audit %d → %d, want +3 each", i, before.version, after.version, before.audit, after.audit)
		}
	}
}

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

	// The title changed on A shows on B's next page.
	res, body := onA.admPost("/admin/portal/general", admForm("title", "Acme Help Center", "slug", "portal",
		"base_url", "https://help.acme.example", "language", "en", "languages", "en"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save on A: %d %v", res.StatusCode, fieldErrors(body))
	}
	if _, body := visitorB.get("/portal/login", false); !strings.HasSuffix(admTitle(body), "Acme Help Center") {
		t.Errorf("B's <title> %q after the change on A", admTitle(body))
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
