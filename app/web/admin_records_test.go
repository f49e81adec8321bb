package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/admin"
)

// The back office's records: contacts, companies, lists, pipelines and
// stages, inboxes and support forms, on both dialects. Every subtest
// builds its own server on a fresh database with the demo data.

func TestAdminRecordsSQLite(t *testing.T) {
	recSuite(t, func(t *testing.T) *store.Store { return testutil.SQLite(t) })
}

func TestAdminRecordsPostgres(t *testing.T) {
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	recSuite(t, func(t *testing.T) *store.Store { return testutil.Postgres(t) })
}

func recSuite(t *testing.T, newStore func(*testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"PagesAndAccess", testRecPages},
		{"ContactCreate", testRecContactCreate},
		{"ContactEdit", testRecContactEdit},
		{"ContactSearch", testRecContactSearch},
		{"ContactInPortalAtOnce", testRecContactPortal},
		{"ContactTimeline", testRecContactTimeline},
		{"ContactLists", testRecContactLists},
		{"Companies", testRecCompanies},
		{"Lists", testRecLists},
		{"Pipelines", testRecPipelines},
		{"StageClosed", testRecStageClosed},
		{"Inboxes", testRecInboxes},
		{"FormBuilder", testRecFormBuilder},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newHarnessOn(t, newStore(t)))
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "rec" so as not to collide with other tests.

// recStaff logs a demo staff user in through the back-office login form,
// then loads a page to pick up the new session's CSRF token.
func (h *harness) recStaff(email string) *client {
	h.t.Helper()
	c := h.client()
	if res, _ := c.get("/admin/login", false); res.StatusCode != http.StatusOK || c.csrf == "" {
		h.t.Fatalf("GET /admin/login: %d, token %q", res.StatusCode, c.csrf)
	}
	res, _ := c.post("/admin/login", url.Values{"email": {email}, "password": {demo.Password}}, false)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.HasPrefix(loc, "/admin/login") {
		h.t.Fatalf("staff login %s: %d, Location %q", email, res.StatusCode, loc)
	}
	c.csrf = ""
	if res, _ := c.get("/admin/contacts", false); res.StatusCode != http.StatusOK || c.csrf == "" {
		h.t.Fatalf("after login: %d, token %q", res.StatusCode, c.csrf)
	}
	return c
}

func recVals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func (h *harness) recCount(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (h *harness) recInt(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (h *harness) recContact(email string) *model.Contact {
	h.t.Helper()
	c, err := store.ContactByEmail(context.Background(), h.st.DB, email)
	if err != nil {
		h.t.Fatalf("contact %s: %v", email, err)
	}
	return c
}

// recAudits returns the audit entries of an action on a target, oldest first.
func (h *harness) recAudits(action, target string) []model.AuditEntry {
	h.t.Helper()
	var out []model.AuditEntry
	err := h.st.DB.NewSelect().Model(&out).Where("action = ?", action).Where("target = ?", target).
		Order("id").Scan(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// recLastAudit is the newest audit entry of an action, by staff.
func (h *harness) recLastAudit(action string) model.AuditEntry {
	h.t.Helper()
	var e model.AuditEntry
	err := h.st.DB.NewSelect().Model(&e).Where("action = ?", action).Order("id DESC").Limit(1).Scan(context.Background())
	if err != nil {
		h.t.Fatalf("no audit entry %s: %v", action, err)
	}
	if e.ActorType != "staff" || e.ActorID == nil {
		h.t.Fatalf("audit %s not by staff: %+v", action, e)
	}
	return e
}

var recTagRe = regexp.MustCompile(`<[^>]+>`)

func recText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(recTagRe.ReplaceAllString(s, " "))), " ")
}

// recFieldError is the text of the error shown at a field, by its id.
func recFieldError(body, id string) string {
	re := regexp.MustCompile(`(?s)<p id="` + regexp.QuoteMeta(id) + `-error"[^>]*>(.*?)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return recText(m[1])
}

// recInvalid checks that a field is marked invalid and shows want.
func recInvalid(t *testing.T, body, id, want string) {
	t.Helper()
	if got := recFieldError(body, id); !strings.Contains(got, want) {
		t.Errorf("field %s: error %q, want %q", id, got, want)
	}
	tag := regexp.MustCompile(`<(input|select|textarea)[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, id+"-error") {
		t.Errorf("field %s is not marked invalid: %s", id, tag)
	}
}

// recValue is the value of an input, by its id.
func recValue(body, id string) string {
	tag := regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	m := regexp.MustCompile(`\bvalue="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// recSelected is the selected option's value of a select, by its id.
func recSelected(body, id string) string {
	sel := regexp.MustCompile(`(?s)<select[^>]*\bid="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(body)
	m := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(sel)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func recT(h *harness, key string, args ...any) string { return h.srv.I18n.Locale("en").T(key, args...) }

// recFragment checks that an htmx answer is a fragment, not a page.
func recFragment(t *testing.T, body, id string) {
	t.Helper()
	if strings.Contains(body, "<html") || !strings.Contains(body, `id="`+id+`"`) {
		t.Errorf("not the %s fragment: %.200s", id, body)
	}
}

func recWant(t *testing.T, what string, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d", what, res.StatusCode, want)
	}
}

func recLocation(t *testing.T, what string, res *http.Response, prefix string) string {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s: %d to %q, want 303 to %s…", what, res.StatusCode, loc, prefix)
	}
	return loc
}

func recIDFrom(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	s := strings.TrimPrefix(loc, prefix)
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("no ID in %q", loc)
	}
	return id
}

// ---------------------------------------------------------------------------

func testRecPages(t *testing.T, h *harness) {
	ana := h.recContact(demo.AnaEmail)
	acme := *ana.CompanyID
	pages := []string{
		"/admin/contacts", "/admin/contacts/new", "/admin/contacts/" + recItoa(ana.ID),
		"/admin/companies", "/admin/companies/new", "/admin/companies/" + recItoa(acme),
		"/admin/lists", "/admin/lists/1", "/admin/pipelines", "/admin/inboxes",
		"/admin/forms", "/admin/forms/new", "/admin/forms/1",
	}

	// Anonymous visitors and customers go to the staff login.
	anon := h.client()
	customer := h.client()
	customer.login(demo.AnaEmail)
	for _, p := range pages {
		for name, c := range map[string]*client{"anonymous": anon, "customer": customer} {
			res, body := c.get(p, false)
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login?next="+url.QueryEscape(p)) {
				t.Errorf("%s GET %s: %d to %q", name, p, res.StatusCode, loc)
			}
			if strings.Contains(body, "Ana Álvarez") {
				t.Errorf("%s GET %s leaks data", name, p)
			}
			res, _ = c.get(p, true)
			if res.StatusCode != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/admin/login") {
				t.Errorf("%s htmx GET %s: %d, HX-Redirect %q", name, p, res.StatusCode, res.Header.Get("HX-Redirect"))
			}
		}
	}
	anon.get("/admin/login", false) // a token of the anonymous staff cookie
	before := h.recCount("SELECT count(*) FROM contacts")
	posts := []string{"/admin/contacts", "/admin/contacts/" + recItoa(ana.ID), "/admin/contacts/" + recItoa(ana.ID) + "/lists",
		"/admin/companies", "/admin/companies/1", "/admin/lists", "/admin/lists/1", "/admin/lists/1/members",
		"/admin/pipelines", "/admin/pipelines/1", "/admin/pipelines/1/move", "/admin/pipelines/1/stages",
		"/admin/stages/1", "/admin/stages/1/move", "/admin/inboxes", "/admin/inboxes/1", "/admin/forms", "/admin/forms/1"}
	for _, p := range posts {
		res, _ := anon.post(p, recVals("name", "Intruder", "email", "intruder@example.com", "disabled", "yes", "direction", "down", "status", "closed"), false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("anonymous POST %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if h.recCount("SELECT count(*) FROM contacts") != before || h.recCount("SELECT count(*) FROM audit_log WHERE action LIKE 'contact.%' OR action LIKE 'stage.%'") != 0 ||
		h.recCount("SELECT count(*) FROM contacts WHERE disabled = ?", true) != 0 {
		t.Error("an anonymous post changed data")
	}

	// Every page renders for an agent, with a heading and the nav links.
	agent := h.recStaff(demo.AgentEmail)
	for _, p := range pages {
		res, body := agent.get(p, false)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "<h1") || !strings.Contains(body, `href="/admin/pipelines"`) {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
		if res.Header.Get("Cache-Control") != "no-store" || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
			t.Errorf("GET %s: Cache-Control %q, Vary %q", p, res.Header.Get("Cache-Control"), res.Header.Get("Vary"))
		}
	}
	_, body := agent.get("/admin/contacts", false)
	for _, link := range []string{"/admin/contacts", "/admin/companies", "/admin/lists", "/admin/pipelines", "/admin/inboxes", "/admin/forms"} {
		if !strings.Contains(body, `<a href="`+link+`"`) {
			t.Errorf("no nav link to %s", link)
		}
	}
	// Lists answer htmx with their fragment.
	for p, id := range map[string]string{"/admin/contacts?q=acme": "contact-list", "/admin/companies?q=acme": "company-list"} {
		res, body := agent.get(p, true)
		recWant(t, p, res, http.StatusOK)
		recFragment(t, body, id)
	}
	// Missing records are 404.
	for _, p := range []string{"/admin/contacts/999999", "/admin/contacts/abc", "/admin/companies/999999", "/admin/lists/999999",
		"/admin/forms/999999", "/admin/contacts/-1"} {
		if res, _ := agent.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/admin/contacts/999999", "/admin/stages/999999", "/admin/pipelines/999999", "/admin/inboxes/999999"} {
		if res, _ := agent.post(p, recVals("name", "x", "email", "x@example.com", "status", "open"), false); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d", p, res.StatusCode)
		}
	}
}

func testRecContactCreate(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	globex := *h.recContact(demo.GinaEmail).CompanyID
	contacts := func() int { return h.recCount("SELECT count(*) FROM contacts") }
	before := contacts()

	// Bad input: 422, the error at the field, what was typed kept, nothing stored.
	for _, htmx := range []bool{false, true} {
		res, body := c.post("/admin/contacts", recVals("name", "", "email", "not-an-email", "company", strconv.FormatInt(globex, 10), "language", "es"), htmx)
		recWant(t, "invalid contact", res, http.StatusUnprocessableEntity)
		recInvalid(t, body, "name", recT(h, "form.required"))
		recInvalid(t, body, "email", recT(h, "form.email_invalid"))
		if recValue(body, "email") != "not-an-email" || recSelected(body, "company") != strconv.FormatInt(globex, 10) || recSelected(body, "language") != "es" {
			t.Errorf("typed values lost (htmx=%v)", htmx)
		}
		if htmx {
			recFragment(t, body, "contact-form")
		} else if !strings.Contains(body, "<html") {
			t.Error("a plain post gets the whole page")
		}
	}
	res, body := c.post("/admin/contacts", recVals("name", "X", "email", "x@example.com", "company", "999999", "language", "xx"), false)
	recWant(t, "unknown company and language", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "company", recT(h, "form.invalid"))
	recInvalid(t, body, "language", recT(h, "form.invalid"))

	// A taken email, in any case, is refused at the field.
	res, body = c.post("/admin/contacts", recVals("name", "Other Ana", "email", "  ANA@Acme.Example "), false)
	recWant(t, "duplicate email", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "email", recT(h, "records.email_taken"))
	if recValue(body, "name") != "Other Ana" {
		t.Error("the name typed was lost")
	}
	res, body = c.post("/admin/contacts", recVals("name", "", "email", demo.BenEmail), true)
	recWant(t, "empty name and a taken email", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.required"))
	recInvalid(t, body, "email", recT(h, "records.email_taken"))
	if contacts() != before || h.recCount("SELECT count(*) FROM audit_log WHERE action = 'contact.create'") != 0 {
		t.Fatal("a refused contact was stored")
	}

	// Created; extra fields are ignored.
	res, _ = c.post("/admin/contacts", recVals("name", "Dora Díaz", "email", "Dora@Initech.example", "company", strconv.FormatInt(globex, 10),
		"language", "es", "password_hash", "$argon2id$forged", "id", "4242", "role", "admin", "email_verified_at", "2020-01-01", "disabled", "no"), false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/contacts/"), "/admin/contacts/")
	dora := h.recContact("dora@initech.example")
	if dora.ID != id || dora.ID == 4242 || dora.Name != "Dora Díaz" || dora.Email != "dora@initech.example" || dora.CompanyID == nil ||
		*dora.CompanyID != globex || dora.Language != "es" || dora.Disabled || dora.PasswordHash != "" || !dora.EmailVerifiedAt.IsZero() {
		t.Fatalf("created contact: %+v", dora)
	}
	e := h.recLastAudit("contact.create")
	if e.Target != "contact:"+recItoa(id) || !strings.Contains(e.After, `"dora@initech.example"`) || strings.Contains(e.After, "argon") {
		t.Errorf("audit: %+v", e)
	}
	// htmx gets HX-Redirect, not a page in the fragment.
	res, _ = c.post("/admin/contacts", recVals("name", "Eve", "email", "eve@example.com"), true)
	if res.StatusCode != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/admin/contacts/") {
		t.Errorf("htmx create: %d %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	if contacts() != before+2 {
		t.Errorf("%d contacts, want %d", contacts(), before+2)
	}
}

func testRecContactEdit(t *testing.T, h *harness) {
	c := h.recStaff(demo.AdminEmail)
	ana := h.recContact(demo.AnaEmail)
	path := "/admin/contacts/" + recItoa(ana.ID)
	globex := *h.recContact(demo.GinaEmail).CompanyID

	// The form shows what is stored.
	_, body := c.get(path, false)
	if recValue(body, "name") != ana.Name || recValue(body, "email") != ana.Email || recSelected(body, "company") != recItoa(*ana.CompanyID) {
		t.Fatal("the form does not show the stored contact")
	}

	// Bad input and a taken email: 422, nothing saved.
	res, body := c.post(path, recVals("name", "Ana typed", "email", demo.BenEmail, "company", recItoa(globex)), true)
	recWant(t, "taken email", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "contact-form")
	recInvalid(t, body, "email", recT(h, "records.email_taken"))
	if recValue(body, "name") != "Ana typed" || recValue(body, "email") != demo.BenEmail || recSelected(body, "company") != recItoa(globex) {
		t.Error("typed values lost")
	}
	res, body = c.post(path, recVals("name", strings.Repeat("a", 201), "email", demo.AnaEmail), false)
	recWant(t, "long name", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.too_long"))
	if got := h.recContact(demo.AnaEmail); got.Name != ana.Name || *got.CompanyID != *ana.CompanyID || len(h.recAudits("contact.update", "contact:"+recItoa(ana.ID))) != 0 {
		t.Fatal("a refused edit was saved")
	}

	// Saved; extra fields ignored; the email may change case.
	res, body = c.post(path, recVals("name", "Ana Álvarez Ruiz", "email", "ANA@acme.example", "company", recItoa(globex), "language", "es",
		"password_hash", "forged", "id", "1", "role", "admin", "created_at", "2000-01-01"), true)
	recWant(t, "edit", res, http.StatusOK)
	recFragment(t, body, "contact-form")
	if !strings.Contains(body, recT(h, "settings.saved")) {
		t.Error("no saved notice")
	}
	got := h.recContact(demo.AnaEmail)
	if got.ID != ana.ID || got.Name != "Ana Álvarez Ruiz" || got.Email != "ana@acme.example" || *got.CompanyID != globex ||
		got.Language != "es" || got.PasswordHash != ana.PasswordHash || !got.CreatedAt.Equal(ana.CreatedAt) {
		t.Fatalf("edited contact: %+v", got)
	}
	audits := h.recAudits("contact.update", "contact:"+recItoa(ana.ID))
	if len(audits) != 1 || !strings.Contains(audits[0].Before, `"Ana Álvarez"`) || !strings.Contains(audits[0].After, `"Ana Álvarez Ruiz"`) ||
		strings.Contains(audits[0].Before+audits[0].After, "argon") {
		t.Fatalf("audit: %+v", audits)
	}
	// Plain form: 303 back to the page, which says saved.
	res, _ = c.post(path, recVals("name", "Ana Álvarez", "email", demo.AnaEmail, "company", recItoa(*ana.CompanyID)), false)
	loc := recLocation(t, "plain edit", res, path+"?saved=1")
	_, body = c.get(loc, false)
	if !strings.Contains(body, recT(h, "settings.saved")) || recValue(body, "name") != "Ana Álvarez" {
		t.Error("after a plain save")
	}
	if got := h.recContact(demo.AnaEmail); got.Language != "" || got.CompanyID == nil || *got.CompanyID != *ana.CompanyID {
		t.Errorf("language and company after the plain save: %+v", got)
	}
}

func testRecContactSearch(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	ctx := context.Background()
	for i := range 30 {
		if _, err := store.AddContact(ctx, h.st.DB, store.ContactFields{Name: "Zed " + strconv.Itoa(100+i), Email: "zed" + strconv.Itoa(i) + "@zeta.example"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.AddContact(ctx, h.st.DB, store.ContactFields{Name: `"><img src=x onerror=alert(1)>`, Email: "xss@example.com"}); err != nil {
		t.Fatal(err)
	}
	res, body := c.get("/admin/contacts?q=ZETA", false)
	recWant(t, "search", res, http.StatusOK)
	if !strings.Contains(body, recT(h, "records.contacts_count", 30)) || strings.Count(body, `href="/admin/contacts/`) < 25 ||
		!strings.Contains(body, `href="/admin/contacts?page=2&amp;q=ZETA"`) {
		t.Errorf("search page 1: %s", recText(body)[:300])
	}
	_, body = c.get("/admin/contacts?q=ZETA&page=2", true)
	recFragment(t, body, "contact-list")
	if !strings.Contains(body, "Zed 129") || strings.Contains(body, "Zed 100<") || !strings.Contains(body, recT(h, "tickets.page_of", 2, 2)) {
		t.Error("search page 2")
	}
	_, body = c.get("/admin/contacts?q=%25", false)
	if !strings.Contains(body, recT(h, "records.contacts_count", 0)) || !strings.Contains(body, recT(h, "records.no_match")) {
		t.Error("% is literal")
	}
	_, body = c.get("/admin/contacts?q=xss", false)
	if strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("a name is not shown as inert text")
	}
	_, body = c.get("/admin/contacts?q="+url.QueryEscape(`"><b>q`), false)
	if strings.Contains(body, `"><b>q`) {
		t.Error("the search term is not escaped")
	}
	res, _ = c.get("/admin/contacts?page=999999999", false)
	recWant(t, "a huge page", res, http.StatusOK)
}

func testRecContactPortal(t *testing.T, h *harness) {
	ana := h.recContact(demo.AnaEmail)
	vpn := h.recInt("SELECT id FROM tickets WHERE subject = ?", "Acme VPN certificate renewal")
	portal := h.client()
	portal.login(demo.AnaEmail)
	if res, _ := portal.get("/portal/tickets/"+recItoa(vpn), false); res.StatusCode != http.StatusOK {
		t.Fatalf("Ana sees Acme's ticket before: %d", res.StatusCode)
	}

	c := h.recStaff(demo.AdminEmail)
	path := "/admin/contacts/" + recItoa(ana.ID)
	// No company: the company's tickets are gone on her next request.
	res, _ := c.post(path, recVals("name", ana.Name, "email", ana.Email, "company", "0"), false)
	recLocation(t, "remove company", res, path)
	if res, _ := portal.get("/portal/tickets/"+recItoa(vpn), false); res.StatusCode != http.StatusNotFound {
		t.Errorf("Acme's ticket after the company was removed: %d", res.StatusCode)
	}
	if res, _ := portal.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("Ana is still logged in: %d", res.StatusCode)
	}
	// Disabled: logged out on her next request, and her login refused.
	res, _ = c.post(path, recVals("name", ana.Name, "email", ana.Email, "disabled", "yes"), false)
	recLocation(t, "disable", res, path)
	if !h.recContact(demo.AnaEmail).Disabled {
		t.Fatal("not disabled")
	}
	res, _ = portal.get("/portal/tickets", false)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/portal/login") {
		t.Errorf("disabled contact's next request: %d to %q", res.StatusCode, loc)
	}
	_, body := c.get(path, false)
	if !strings.Contains(body, recT(h, "records.status_disabled")) {
		t.Error("the page does not say disabled")
	}
	e := h.recLastAudit("contact.update")
	if !strings.Contains(e.After, `"disabled":true`) || !strings.Contains(e.Before, `"disabled":false`) {
		t.Errorf("audit: %+v", e)
	}
}

func testRecContactTimeline(t *testing.T, h *harness) {
	ctx := context.Background()
	ana := h.recContact(demo.AnaEmail)
	c := h.recStaff(demo.AgentEmail)
	path := "/admin/contacts/" + recItoa(ana.ID)

	// A customer reply in the portal, an agent's internal note, a consent
	// record and a form submission.
	portal := h.client()
	portal.login(demo.AnaEmail)
	own := h.recInt(`SELECT t.id FROM tickets AS t JOIN ticket_contacts AS tc ON tc.ticket_id = t.id JOIN pipelines AS p ON p.id = t.pipeline_id
		WHERE tc.contact_id = ? AND p.name = 'Support pipeline' AND t.closed = ? ORDER BY t.id LIMIT 1`, ana.ID, false)
	portal.multipart("/portal/tickets/"+recItoa(own)+"/replies", [][2]string{{"body", "Portal reply for the timeline"}}, nil, false)
	if h.recCount("SELECT count(*) FROM messages WHERE author_contact_id = ? AND body = ?", ana.ID, "Portal reply for the timeline") != 1 {
		t.Fatal("the portal reply was not stored")
	}
	res, _ := c.post("/admin/tickets/"+recItoa(own)+"/notes", recVals("body", "Secret internal note"), false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: %d", res.StatusCode)
	}
	v := &model.ConsentVersion{Notice: "n", Label: "l"}
	if err := store.AddConsentVersion(ctx, h.st.DB, v); err != nil {
		t.Fatal(err)
	}
	if err := store.AddConsentRecord(ctx, h.st.DB, &model.ConsentRecord{ContactID: ana.ID, VersionID: v.ID, IP: "192.0.2.9"}); err != nil {
		t.Fatal(err)
	}
	f, err := store.FormByID(ctx, h.st.DB, h.recInt("SELECT min(id) FROM forms"))
	if err != nil {
		t.Fatal(err)
	}
	formTicket, err := store.CreateFormTicket(ctx, h.st.DB, store.Submission{Form: f, Contact: ana, IdempotencyKey: "timeline-web-test-0001",
		Subject: "Submitted through the form", Description: "Form body"})
	if err != nil {
		t.Fatal(err)
	}

	res, body := c.get(path, false)
	recWant(t, "contact page", res, http.StatusOK)
	section := regexp.MustCompile(`(?s)<section id="contact-timeline".*?</section>`).FindString(body)
	text := recText(section)
	for _, want := range []string{
		recT(h, "records.tl_email"), "Portal reply for the timeline", recT(h, "records.channel_portal"),
		recT(h, "records.tl_ticket"), recT(h, "records.tl_form"), f.Name, "Submitted through the form",
		recT(h, "records.tl_consent"), recT(h, "records.consent_version", v.ID), "192.0.2.9", recT(h, "records.tl_registered"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	if strings.Contains(body, "Secret internal note") {
		t.Error("an internal note is on the contact's page")
	}
	for _, id := range []int64{own, formTicket} {
		if !strings.Contains(section, `href="/admin/tickets/`+recItoa(id)+`"`) {
			t.Errorf("no link to ticket #%d", id)
		}
	}
	// Every ticket of Ana's is on it, linked.
	var ids []int64
	if err := h.st.DB.NewRaw("SELECT ticket_id FROM ticket_contacts WHERE contact_id = ?", ana.ID).Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !strings.Contains(section, `href="/admin/tickets/`+recItoa(id)+`"`) {
			t.Errorf("ticket #%d is not on the timeline", id)
		}
	}
	// Newest first, registration last.
	times := regexp.MustCompile(`<time[^>]*datetime="([^"]+)"`).FindAllStringSubmatch(section, -1)
	for i := 1; i < len(times); i++ {
		if times[i][1] > times[i-1][1] {
			t.Fatalf("not newest first: %s after %s", times[i][1], times[i-1][1])
		}
	}
	if strings.LastIndex(text, recT(h, "records.tl_registered")) < strings.LastIndex(text, recT(h, "records.tl_ticket")) {
		t.Error("registration is not the oldest entry")
	}
	// A new ticket for this contact, prefilled.
	link := `href="/admin/tickets/new?contact=ana%40acme.example"`
	if !strings.Contains(body, link) {
		t.Fatalf("no new-ticket link %s", link)
	}
	_, body = c.get("/admin/tickets/new?contact=ana%40acme.example", false)
	if recValue(body, "contact_email") != demo.AnaEmail {
		t.Error("the new ticket form is not prefilled")
	}
}

func testRecContactLists(t *testing.T, h *harness) {
	ctx := context.Background()
	carla := h.recContact(demo.CarlaEmail)
	vip, err := store.AddList(ctx, h.st.DB, "VIP")
	if err != nil {
		t.Fatal(err)
	}
	c := h.recStaff(demo.AgentEmail)
	path := "/admin/contacts/" + recItoa(carla.ID) + "/lists"
	member := func() int {
		return h.recCount("SELECT count(*) FROM list_members WHERE list_id = ? AND contact_id = ?", vip.ID, carla.ID)
	}

	res, body := c.post(path, recVals("action", "add", "list", ""), true)
	recWant(t, "no list", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "contact-lists")
	recInvalid(t, body, "contact-list-add", recT(h, "records.choose_list"))
	res, _ = c.post(path, recVals("action", "add", "list", "999999"), false)
	recWant(t, "unknown list", res, http.StatusUnprocessableEntity)

	res, body = c.post(path, recVals("action", "add", "list", recItoa(vip.ID), "contact_id", "1"), true)
	recWant(t, "add", res, http.StatusOK)
	recFragment(t, body, "contact-lists")
	if member() != 1 || !strings.Contains(body, `href="/admin/lists/`+recItoa(vip.ID)+`"`) {
		t.Fatal("not added")
	}
	if h.recCount("SELECT count(*) FROM list_members WHERE list_id = ? AND contact_id = 1", vip.ID) != 0 && carla.ID != 1 {
		t.Error("an extra contact_id field was used")
	}
	e := h.recLastAudit("list.member_add")
	if e.Target != "list:"+recItoa(vip.ID) || !strings.Contains(e.After, demo.CarlaEmail) {
		t.Errorf("audit: %+v", e)
	}
	res, _ = c.post(path, recVals("action", "remove", "list", recItoa(vip.ID)), false)
	recLocation(t, "remove", res, "/admin/contacts/"+recItoa(carla.ID))
	if member() != 0 || len(h.recAudits("list.member_remove", "list:"+recItoa(vip.ID))) != 1 {
		t.Fatal("not removed, or not audited")
	}
}

func testRecCompanies(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	companies := func() int { return h.recCount("SELECT count(*) FROM companies") }
	before := companies()

	res, body := c.post("/admin/companies", recVals("name", " ", "domain", "not a domain"), false)
	recWant(t, "invalid company", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.required"))
	recInvalid(t, body, "domain", recT(h, "records.domain_invalid"))
	if recValue(body, "domain") != "not a domain" || companies() != before {
		t.Fatal("typed domain lost, or a company stored")
	}
	res, _ = c.post("/admin/companies", recVals("name", "Initech", "domain", "https://Initech.example/", "id", "77"), false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/companies/"), "/admin/companies/")
	co, err := store.CompanyByID(context.Background(), h.st.DB, id)
	if err != nil || co.Name != "Initech" || co.Domain != "initech.example" || companies() != before+1 {
		t.Fatalf("created: %+v %v", co, err)
	}
	if e := h.recLastAudit("company.create"); e.Target != "company:"+recItoa(id) {
		t.Errorf("audit: %+v", e)
	}

	path := "/admin/companies/" + recItoa(id)
	res, body = c.post(path, recVals("name", "", "domain", "initech.example"), true)
	recWant(t, "invalid edit", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "company-form")
	recInvalid(t, body, "name", recT(h, "form.required"))
	res, body = c.post(path, recVals("name", "Initech Ltd", "domain", ""), true)
	recWant(t, "edit", res, http.StatusOK)
	if co, _ := store.CompanyByID(context.Background(), h.st.DB, id); co.Name != "Initech Ltd" || co.Domain != "" {
		t.Fatalf("edited: %+v", co)
	}
	if e := h.recLastAudit("company.update"); !strings.Contains(e.Before, `"Initech"`) || !strings.Contains(e.After, `"Initech Ltd"`) {
		t.Errorf("audit: %+v", e)
	}

	// Search, and a company's page with its contacts and tickets.
	_, body = c.get("/admin/companies?q=globex", false)
	if !strings.Contains(body, "Globex") || strings.Contains(body, ">Acme Corp<") {
		t.Error("search by name")
	}
	acme := *h.recContact(demo.AnaEmail).CompanyID
	_, body = c.get("/admin/companies/"+recItoa(acme), false)
	for _, want := range []string{"Ana Álvarez", "Ben Brown", "Acme VPN certificate renewal"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("Acme's page lacks %q", want)
		}
	}
	n := h.recCount("SELECT count(*) FROM ticket_companies WHERE company_id = ?", acme)
	if !strings.Contains(body, recT(h, "records.tickets_count", n)) {
		t.Errorf("Acme's page does not count %d tickets", n)
	}
	if n > admin.RecordsPageSize {
		_, body2 := c.get("/admin/companies/"+recItoa(acme)+"?page=2", false)
		if !strings.Contains(body2, recT(h, "tickets.page_of", 2, (n+admin.RecordsPageSize-1)/admin.RecordsPageSize)) {
			t.Error("company tickets page 2")
		}
	}
}

func testRecLists(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	res, body := c.post("/admin/lists", recVals("name", ""), true)
	recWant(t, "empty name", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "list-create")
	recInvalid(t, body, "name", recT(h, "form.required"))
	if h.recCount("SELECT count(*) FROM lists") != 1 {
		t.Fatal("a list was stored")
	}
	res, _ = c.post("/admin/lists", recVals("name", "Beta testers"), false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/lists/"), "/admin/lists/")
	path := "/admin/lists/" + recItoa(id)
	h.recLastAudit("list.create")

	res, body = c.post(path, recVals("name", strings.Repeat("x", 101)), false)
	recWant(t, "long name", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.too_long"))
	res, body = c.post(path, recVals("name", "Beta"), true)
	recWant(t, "rename", res, http.StatusOK)
	recFragment(t, body, "list-rename")
	if l, _ := store.ListByID(context.Background(), h.st.DB, id); l.Name != "Beta" {
		t.Fatalf("renamed: %+v", l)
	}
	if e := h.recLastAudit("list.rename"); !strings.Contains(e.Before, "Beta testers") || !strings.Contains(e.After, `"Beta"`) {
		t.Errorf("audit: %+v", e)
	}

	// Members: add by email (any case), unknown refused, remove.
	members := path + "/members"
	res, body = c.post(members, recVals("action", "add", "email", "nobody@example.com"), true)
	recWant(t, "unknown email", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "list-members")
	recInvalid(t, body, "member-email", recT(h, "backoffice.no_such_contact"))
	if recValue(body, "member-email") != "nobody@example.com" {
		t.Error("typed email lost")
	}
	res, body = c.post(members, recVals("action", "add", "email", "GINA@globex.example"), true)
	recWant(t, "add", res, http.StatusOK)
	gina := h.recContact(demo.GinaEmail)
	if !strings.Contains(body, demo.GinaEmail) || h.recCount("SELECT count(*) FROM list_members WHERE list_id = ?", id) != 1 {
		t.Fatal("not added")
	}
	res, _ = c.post(members, recVals("action", "add", "email", demo.GinaEmail), false)
	recLocation(t, "add twice", res, path)
	if n := len(h.recAudits("list.member_add", "list:"+recItoa(id))); n != 1 {
		t.Errorf("%d audit entries for one membership", n)
	}
	_, body = c.get(path, false)
	if !strings.Contains(body, `href="/admin/contacts/`+recItoa(gina.ID)+`"`) || !strings.Contains(body, recT(h, "records.members_count", 1)) {
		t.Error("the list page does not show its member")
	}
	res, _ = c.post(members, recVals("action", "remove", "contact", recItoa(gina.ID)), false)
	recLocation(t, "remove", res, path)
	if h.recCount("SELECT count(*) FROM list_members WHERE list_id = ?", id) != 0 || len(h.recAudits("list.member_remove", "list:"+recItoa(id))) != 1 {
		t.Fatal("not removed")
	}
	_, body = c.get("/admin/lists", false)
	if !strings.Contains(body, `href="/admin/lists/`+recItoa(id)+`"`) {
		t.Error("the lists page does not link the list")
	}
}

func testRecPipelines(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	pipelines := func() int { return h.recCount("SELECT count(*) FROM pipelines") }
	before := pipelines()

	res, body := c.post("/admin/pipelines", recVals("name", "", "first_stage", ""), false)
	recWant(t, "invalid pipeline", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.required"))
	recInvalid(t, body, "first_stage", recT(h, "form.required"))
	res, body = c.post("/admin/pipelines", recVals("name", "Onboarding", "first_stage", ""), true)
	recWant(t, "no first stage", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "pipeline-create")
	if recValue(body, "name") != "Onboarding" || pipelines() != before {
		t.Fatal("typed name lost, or a pipeline stored")
	}
	res, _ = c.post("/admin/pipelines", recVals("name", "Onboarding", "first_stage", "Kick-off"), false)
	loc := recLocation(t, "create", res, "/admin/pipelines#pipeline-")
	id := recIDFrom(t, loc, "/admin/pipelines#pipeline-")
	p, err := store.PipelineByID(ctx, h.st.DB, id)
	if err != nil || p.Name != "Onboarding" || len(p.Stages) != 1 || p.Stages[0].Name != "Kick-off" || p.Stages[0].IsClosed {
		t.Fatalf("created: %+v %v", p, err)
	}
	h.recLastAudit("pipeline.create")
	card := "pipeline-" + recItoa(id)

	// Rename: htmx gets the card back.
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", ""), true)
	recWant(t, "empty rename", res, http.StatusUnprocessableEntity)
	recFragment(t, body, card)
	recInvalid(t, body, card+"-name", recT(h, "form.required"))
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", "Customer onboarding"), true)
	recWant(t, "rename", res, http.StatusOK)
	recFragment(t, body, card)
	if !strings.Contains(body, "Customer onboarding") || !strings.Contains(body, recT(h, "records.pipeline_saved")) {
		t.Error("renamed card")
	}
	// Without JavaScript, a failed rename shows the whole page with that card as typed.
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", strings.Repeat("n", 101)), false)
	recWant(t, "long rename", res, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "<html") || !strings.Contains(body, `id="pipeline-create"`) {
		t.Error("a plain failed rename gets the page")
	}
	recInvalid(t, body, card+"-name", recT(h, "form.too_long"))

	// Stages: add, validation, reorder.
	res, body = c.post("/admin/pipelines/"+recItoa(id)+"/stages", recVals("name", "", "status", "maybe"), true)
	recWant(t, "invalid stage", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, card+"-stage", recT(h, "form.required"))
	recInvalid(t, body, card+"-stage-status", recT(h, "form.invalid"))
	for _, st := range []struct{ name, status string }{{"Training", "open"}, {"Live", "closed"}} {
		res, _ = c.post("/admin/pipelines/"+recItoa(id)+"/stages", recVals("name", st.name, "status", st.status, "pipeline_id", "1"), false)
		recLocation(t, "add stage", res, "/admin/pipelines#"+card)
	}
	names := func() string {
		p, err := store.PipelineByID(ctx, h.st.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range p.Stages {
			n := s.Name
			if s.IsClosed {
				n += "*"
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "Kick-off,Training,Live*" {
		t.Fatalf("stages: %s", got)
	}
	if n := len(h.recAudits("stage.create", "stage:"+recItoa(h.recInt("SELECT id FROM stages WHERE name = 'Live'")))); n != 1 {
		t.Errorf("%d audit entries for a new stage", n)
	}
	live := h.recInt("SELECT id FROM stages WHERE name = 'Live'")
	kick := h.recInt("SELECT id FROM stages WHERE name = 'Kick-off'")
	res, _ = c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "up"), false)
	recLocation(t, "move up", res, "/admin/pipelines#"+card)
	if got := names(); got != "Kick-off,Live*,Training" {
		t.Fatalf("after moving Live up: %s", got)
	}
	c.post("/admin/stages/"+recItoa(kick)+"/move", recVals("direction", "down"), false)
	if got := names(); got != "Live*,Kick-off,Training" {
		t.Fatalf("after moving Kick-off down: %s", got)
	}
	c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "up"), false) // at the top: nothing
	if got := names(); got != "Live*,Kick-off,Training" {
		t.Fatalf("moving the first stage up: %s", got)
	}
	if res, _ := c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "sideways"), false); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad direction: %d", res.StatusCode)
	}
	if n := len(h.recAudits("stage.move", "stage:"+recItoa(live))) + len(h.recAudits("stage.move", "stage:"+recItoa(kick))); n != 2 {
		t.Errorf("%d stage.move audit entries, want 2", n)
	}
	// The page lists stages in their order, with move buttons.
	_, body = c.get("/admin/pipelines", false)
	iLive, iKick := strings.Index(body, `id="stage-`+recItoa(live)+`-name"`), strings.Index(body, `id="stage-`+recItoa(kick)+`-name"`)
	if iLive < 0 || iKick < iLive || !strings.Contains(body, `action="/admin/stages/`+recItoa(kick)+`/move"`) {
		t.Error("the page does not show the new order")
	}

	// Pipelines move too.
	order := func() string {
		ps, _ := store.Pipelines(ctx, h.st.DB)
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	res, _ = c.post("/admin/pipelines/"+recItoa(id)+"/move", recVals("direction", "up"), false)
	recLocation(t, "move pipeline", res, "/admin/pipelines#"+card)
	if got := order(); got != "Support pipeline,Customer onboarding,Internal IT" {
		t.Fatalf("pipelines after moving up: %s", got)
	}
	h.recLastAudit("pipeline.move")
}

func testRecStageClosed(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	stage := h.recInt("SELECT id FROM stages WHERE name = 'Waiting on customer'")
	pipeline := h.recInt("SELECT pipeline_id FROM stages WHERE id = ?", stage)
	card := "pipeline-" + recItoa(pipeline)
	inStage := h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ?", stage)
	closed := func() int {
		return h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", stage, true)
	}
	otherClosed := h.recCount("SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", stage, true)
	if inStage == 0 || closed() != 0 {
		t.Fatal("the demo has open tickets waiting on the customer")
	}
	// One of Ana's tickets in the stage, to see it read-only in the portal.
	ana := h.recContact(demo.AnaEmail)
	own := h.recInt("SELECT t.id FROM tickets AS t JOIN ticket_contacts AS tc ON tc.ticket_id = t.id WHERE tc.contact_id = ? AND t.stage_id = ? ORDER BY t.id LIMIT 1",
		ana.ID, stage)
	replyForm := `action="/portal/tickets/` + recItoa(own) + `/replies"`
	portal := h.client()
	portal.login(demo.AnaEmail)
	if _, body := portal.get("/portal/tickets/"+recItoa(own), false); !strings.Contains(body, replyForm) {
		t.Fatal("an open ticket takes replies in the portal")
	}

	// Bad input changes nothing.
	res, body := c.post("/admin/stages/"+recItoa(stage), recVals("name", "", "status", "closed"), true)
	recWant(t, "empty stage name", res, http.StatusUnprocessableEntity)
	recFragment(t, body, card)
	recInvalid(t, body, "stage-"+recItoa(stage)+"-name", recT(h, "form.required"))
	if recSelected(body, "stage-"+recItoa(stage)+"-status") != "closed" {
		t.Error("the typed status was lost")
	}
	if closed() != 0 {
		t.Fatal("a refused change closed tickets")
	}

	// Closing the stage closes its tickets, in the same change.
	res, body = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on them", "status", "closed"), true)
	recWant(t, "close stage", res, http.StatusOK)
	recFragment(t, body, card)
	if !strings.Contains(body, recT(h, "records.stage_saved_tickets", inStage)) {
		t.Errorf("no notice of %d tickets changed", inStage)
	}
	if closed() != inStage || h.recCount("SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", stage, true) != otherClosed {
		t.Fatalf("tickets.closed does not mirror the stage: %d of %d closed", closed(), inStage)
	}
	st, _ := store.StageByID(ctx, h.st.DB, stage)
	if !st.IsClosed || st.Name != "Waiting on them" {
		t.Fatalf("stage: %+v", st)
	}
	e := h.recLastAudit("stage.update")
	var after map[string]any
	_ = json.Unmarshal([]byte(e.After), &after)
	if after["closed"] != true || after["tickets_changed"] != float64(inStage) || !strings.Contains(e.Before, `"closed":false`) {
		t.Errorf("audit: %+v", e)
	}
	if _, body := portal.get("/portal/tickets/"+recItoa(own), false); strings.Contains(body, replyForm) {
		t.Error("a ticket in a closed stage still takes replies in the portal")
	}

	// Reopened with a plain form.
	res, _ = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on customer", "status", "open"), false)
	recLocation(t, "reopen", res, "/admin/pipelines#"+card)
	if closed() != 0 {
		t.Fatal("reopening left tickets closed")
	}

	// The last open stage of a pipeline can't close.
	triage := h.recInt("SELECT id FROM stages WHERE name = 'Triage'")
	res, body = c.post("/admin/stages/"+recItoa(triage), recVals("name", "Triage", "status", "closed"), false)
	recWant(t, "close the last open stage", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "stage-"+recItoa(triage)+"-status", recT(h, "records.last_open_stage"))
	if st, _ := store.StageByID(ctx, h.st.DB, triage); st.IsClosed {
		t.Fatal("the last open stage was closed")
	}
	if h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", triage, true) != 0 {
		t.Fatal("tickets closed with a refused change")
	}
}

func testRecInboxes(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	res, body := c.post("/admin/inboxes", recVals("name", "   "), true)
	recWant(t, "empty name", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "inbox-create")
	recInvalid(t, body, "name", recT(h, "form.required"))
	if h.recCount("SELECT count(*) FROM inboxes") != 2 {
		t.Fatal("an inbox was stored")
	}
	res, _ = c.post("/admin/inboxes", recVals("name", "Sales"), false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/inboxes#inbox-"), "/admin/inboxes#inbox-")
	h.recLastAudit("inbox.create")
	row := "inbox-" + recItoa(id)

	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", ""), true)
	recWant(t, "empty rename", res, http.StatusUnprocessableEntity)
	recFragment(t, body, row)
	recInvalid(t, body, row+"-name", recT(h, "form.required"))
	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", strings.Repeat("s", 101)), false)
	recWant(t, "long rename", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, row+"-name", recT(h, "form.too_long"))
	if recValue(body, row+"-name") != strings.Repeat("s", 101) {
		t.Error("the typed name was lost")
	}
	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", "Sales team"), true)
	recWant(t, "rename", res, http.StatusOK)
	recFragment(t, body, row)
	if in, _ := store.InboxByID(context.Background(), h.st.DB, id); in.Name != "Sales team" {
		t.Fatalf("renamed: %+v", in)
	}
	if e := h.recLastAudit("inbox.rename"); !strings.Contains(e.Before, `"Sales"`) || !strings.Contains(e.After, `"Sales team"`) {
		t.Errorf("audit: %+v", e)
	}
	res, _ = c.post("/admin/inboxes/"+recItoa(id), recVals("name", "Sales"), false)
	recLocation(t, "plain rename", res, "/admin/inboxes#"+row)
	_, body = c.get("/admin/inboxes", false)
	if recValue(body, row+"-name") != "Sales" {
		t.Error("the page does not show the renamed inbox")
	}
}

func testRecFormBuilder(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	inbox := h.recInt("SELECT min(id) FROM inboxes")
	pipeline := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	forms := func() int { return h.recCount("SELECT count(*) FROM forms") }
	before := forms()
	audits := func() int { return h.recCount("SELECT count(*) FROM audit_log WHERE action LIKE 'form.%'") }

	base := func(kv ...string) url.Values {
		v := recVals("name", "Bug report", "inbox", recItoa(inbox), "pipeline", recItoa(pipeline), "allow_attachments", "yes")
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	row := func(v url.Values, property, custom, label, required string) url.Values {
		v.Add("field_property", property)
		v.Add("field_custom", custom)
		v.Add("field_label", label)
		v.Add("field_required", required)
		return v
	}

	// "Add a field" re-renders with one more row and saves nothing.
	v := row(row(base(), "subject", "", "Title", "yes"), "custom", "browser", "Browser", "no")
	v.Set("add", "yes")
	res, body := c.post("/admin/forms", v, true)
	recWant(t, "add a field", res, http.StatusOK)
	recFragment(t, body, "form-editor")
	if strings.Count(body, `name="field_property"`) != 3 || recValue(body, "field-custom-1") != "browser" || recValue(body, "name") != "Bug report" {
		t.Errorf("after add: %d rows", strings.Count(body, `name="field_property"`))
	}
	if forms() != before || audits() != 0 {
		t.Fatal("adding a row saved the form")
	}

	// Validation: a subject field is required, no duplicates, custom names.
	res, body = c.post("/admin/forms", row(row(base(), "description", "", "Body", "yes"), "custom", "Bad Name!", "Other", "no"), true)
	recWant(t, "no subject", res, http.StatusUnprocessableEntity)
	if !strings.Contains(recFieldError(body, "fields"), recT(h, "records.subject_field_required")) {
		t.Error("no error for the missing subject field")
	}
	recInvalid(t, body, "field-custom-1", recT(h, "records.custom_name_invalid"))
	if recValue(body, "field-custom-1") != "bad name!" || recValue(body, "field-label-1") != "Other" {
		t.Error("typed rows lost")
	}
	res, body = c.post("/admin/forms", row(row(row(base(), "subject", "", "Title", "yes"), "subject", "", "Again", "no"), "custom", "x", "", "no"), false)
	recWant(t, "duplicate", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-1", recT(h, "records.field_duplicate"))
	recInvalid(t, body, "field-label-2", recT(h, "form.required"))
	res, body = c.post("/admin/forms", row(row(row(base(), "subject", "", "Title", "yes"), "custom", "os", "OS", "no"), "custom", "os", "OS again", "no"), true)
	recWant(t, "duplicate custom", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-custom-2", recT(h, "records.field_duplicate"))
	v = row(base(), "subject", "", "Title", "yes")
	v.Set("inbox", "0")
	v.Set("pipeline", "999999")
	res, body = c.post("/admin/forms", v, true)
	recWant(t, "no inbox", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "inbox", recT(h, "records.inbox_required"))
	recInvalid(t, body, "pipeline", recT(h, "form.invalid"))
	res, body = c.post("/admin/forms", row(row(base(), "subject", "", "Title", "yes"), "", "", "Typed label", "no"), true)
	recWant(t, "a row with no property", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-1", recT(h, "records.field_property_required"))
	if recValue(body, "field-label-1") != "Typed label" {
		t.Error("a row with no property was dropped with its label")
	}
	res, body = c.post("/admin/forms", row(base(), "stage", "", "Stage", "no"), true)
	recWant(t, "unknown property", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-0", recT(h, "form.invalid"))
	if forms() != before || audits() != 0 {
		t.Fatal("an invalid form was saved")
	}

	// Created; empty rows dropped; the subject always required; extra fields ignored.
	v = row(row(row(row(base("id", "1", "fields", `[{"property":"x"}]`), "subject", "", "Title", "no"), "", "", "", "no"), "custom", "browser", "Browser", "yes"), "priority", "", "How bad?", "no")
	res, _ = c.post("/admin/forms", v, false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/forms/"), "/admin/forms/")
	f, err := store.FormByID(ctx, h.st.DB, id)
	if err != nil || id == 1 || f.Name != "Bug report" || f.InboxID != inbox || f.PipelineID != pipeline || !f.AllowAttachments || len(f.Fields) != 3 {
		t.Fatalf("created: %+v %v", f, err)
	}
	want := []model.FormField{{Property: "subject", Label: "Title", Required: true}, {Property: "custom:browser", Label: "Browser", Required: true},
		{Property: "priority", Label: "How bad?"}}
	for i, w := range want {
		if f.Fields[i] != w {
			t.Errorf("field %d: %+v, want %+v", i, f.Fields[i], w)
		}
	}
	if e := h.recLastAudit("form.create"); e.Target != "form:"+recItoa(id) || !strings.Contains(e.After, "custom:browser") {
		t.Errorf("audit: %+v", e)
	}

	// The builder shows the stored form; edited.
	_, body = c.get("/admin/forms/"+recItoa(id), false)
	if recSelected(body, "field-property-1") != "custom" || recValue(body, "field-custom-1") != "browser" || recSelected(body, "field-required-1") != "yes" {
		t.Error("the builder does not show the stored fields")
	}
	path := "/admin/forms/" + recItoa(id)
	v = row(row(recVals("name", "Bug reports", "inbox", recItoa(inbox), "pipeline", recItoa(pipeline)), "subject", "", "Summary", "yes"), "category", "", "Area", "no")
	v.Set("add", "yes")
	res, body = c.post(path, v, false)
	recWant(t, "add on edit", res, http.StatusOK)
	if strings.Count(body, `name="field_property"`) != 3 {
		t.Error("add on edit")
	}
	if f2, _ := store.FormByID(ctx, h.st.DB, id); f2.Name != "Bug report" {
		t.Fatal("adding a row saved the edit")
	}
	v.Del("add")
	row(v, "custom", "os", "OS", "no")
	v.Add("field_remove", "2") // the row just added goes again
	res, body = c.post(path, v, true)
	recWant(t, "edit", res, http.StatusOK)
	recFragment(t, body, "form-editor")
	f2, _ := store.FormByID(ctx, h.st.DB, id)
	if f2.Name != "Bug reports" || f2.AllowAttachments || len(f2.Fields) != 2 || f2.Fields[1].Property != "category" {
		t.Fatalf("edited: %+v", f2)
	}
	if e := h.recLastAudit("form.update"); !strings.Contains(e.Before, "custom:browser") || strings.Contains(e.After, "custom:browser") {
		t.Errorf("audit: %+v", e)
	}
	_, body = c.get("/admin/forms", false)
	if !strings.Contains(body, `href="/admin/forms/`+recItoa(id)+`"`) || !strings.Contains(body, "Bug reports") {
		t.Error("the forms page does not list the form")
	}
}
