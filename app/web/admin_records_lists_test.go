package web

import (
	"context"
	"html"
	"net/http"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/admin"
	"regexp"
	"strings"
	"testing"
)

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
	v := &model.ConsentVersion{Notice: model.PlainText("n"), Label: model.PlainText("l")}
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
