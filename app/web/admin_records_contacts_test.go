package web

import (
	"context"
	"net/http"
	"net/url"
	"portico/app/demo"
	"portico/app/store"
	"strconv"
	"strings"
	"testing"
)

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
	// Her sessions end with the save, before any request of hers: every
	// instance reads them from the one session store.
	if se, err := h.srv.Sessions.Get(context.Background(), portal.sid()); se != nil || err != nil {
		t.Errorf("the disabled contact's session outlived the save: %+v %v", se, err)
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
