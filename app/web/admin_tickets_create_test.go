package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"portico/app/demo"
	"portico/app/model"
	"strconv"
	"strings"
	"testing"
)

func testBtPhoneTicket(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	s := func(id int64) string { return strconv.FormatInt(id, 10) }
	support := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	firstOpen := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ? ORDER BY position, id LIMIT 1", support, false)
	closedStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ?", support, true)
	billing := h.recInt("SELECT id FROM inboxes WHERE name = 'Billing'")
	ana := h.recContact(demo.AnaEmail)
	tickets := func() int { return h.recCount("SELECT count(*) FROM tickets") }

	res, body := c.get("/admin/tickets/new?contact="+url.QueryEscape(demo.AnaEmail), false)
	recWant(t, "new ticket form", res, http.StatusOK)
	if recValue(body, "contact_email") != demo.AnaEmail || recSelected(body, "source") != model.SourcePhone {
		t.Errorf("form not prefilled: contact %q, source %q", recValue(body, "contact_email"), recSelected(body, "source"))
	}

	// Validation: nothing is created.
	n0 := tickets()
	res, body = c.post("/admin/tickets", recVals("subject", "Call", "pipeline", s(support), "source", "phone"), false)
	recWant(t, "no contact, no company", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "contact_email", recT(h, "backoffice.contact_or_company"))
	res, body = c.post("/admin/tickets", recVals("subject", "Call", "contact_email", "nobody@example.com", "pipeline", s(support), "source", "phone"), false)
	recWant(t, "unknown contact", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "contact_email", recT(h, "backoffice.no_such_contact"))
	if recValue(body, "subject") != "Call" {
		t.Error("the typed subject is not kept")
	}
	res, body = c.post("/admin/tickets", recVals("subject", "", "contact_email", demo.AnaEmail, "pipeline", s(support)), false)
	recWant(t, "no subject", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "subject", recT(h, "form.required"))
	if res, _ := c.post("/admin/tickets", recVals("subject", "Call", "contact_email", demo.AnaEmail, "pipeline", "999999"), false); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown pipeline: %d", res.StatusCode)
	}
	if tickets() != n0 {
		t.Fatal("a refused phone ticket was stored")
	}

	// Create, with extra fields that must be ignored.
	res, _ = c.post("/admin/tickets", recVals("subject", "Phone call: printer quote", "contact_email", demo.AnaEmail,
		"pipeline", s(support), "stage_id", s(closedStage), "stage", s(closedStage), "closed", "true", "owner_id", "1", "owner", "1",
		"inbox_id", s(billing), "inbox", s(billing)), false)
	loc := recLocation(t, "create", res, "/admin/tickets/")
	id := recIDFrom(t, loc, "/admin/tickets/")
	if tickets() != n0+1 {
		t.Fatal("no ticket created")
	}
	tk := h.btTicket(id)
	if tk.Subject != "Phone call: printer quote" || tk.Source != model.SourcePhone || tk.PipelineID != support ||
		tk.StageID != firstOpen || tk.Closed || tk.OwnerID != nil || tk.InboxID != nil {
		t.Errorf("phone ticket: %+v", tk)
	}
	if n := h.recCount("SELECT count(*) FROM threads WHERE ticket_id = ?", id); n != 0 {
		t.Errorf("phone ticket has %d threads", n)
	}
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ?", id, ana.ID) != 1 ||
		h.recCount("SELECT count(*) FROM ticket_companies WHERE ticket_id = ? AND company_id = ?", id, *ana.CompanyID) != 1 {
		t.Error("Ana and her company are not associated")
	}
	if len(h.recAudits("ticket.create", "ticket:"+s(id))) != 1 {
		t.Error("creation not audited")
	}
	if res, body := c.get(loc, false); res.StatusCode != http.StatusOK || !strings.Contains(body, "Phone call: printer quote") {
		t.Errorf("GET %s: %d", loc, res.StatusCode)
	}

	// Ana sees it and her reply starts a thread in the default inbox.
	portal := h.client()
	portal.as(demo.AnaEmail)
	if _, body := portal.get("/portal/tickets", false); !containsID(rowIDs(body), id) {
		t.Error("the phone ticket is not in Ana's list")
	}
	res, _ = portal.multipart("/portal/tickets/"+s(id)+"/replies", [][2]string{{"body", "Thanks for the call, here are the details."}}, nil, false)
	recWant(t, "Ana's reply", res, http.StatusSeeOther)
	set := h.settingsNow()
	if set.DefaultInboxID == 0 {
		t.Fatal("no default inbox")
	}
	if n := h.recCount("SELECT count(*) FROM threads WHERE ticket_id = ? AND inbox_id = ?", id, set.DefaultInboxID); n != 1 {
		t.Errorf("threads in the default inbox: %d", n)
	}
	if _, body := c.get(loc, false); !strings.Contains(body, "here are the details") {
		t.Error("the agent does not see Ana's reply")
	}

	// A company-only ticket is fine too.
	res, _ = c.post("/admin/tickets", recVals("subject", "Company call", "company", s(*ana.CompanyID), "pipeline", s(support), "source", "chat"), false)
	cid := recIDFrom(t, recLocation(t, "company ticket", res, "/admin/tickets/"), "/admin/tickets/")
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ?", cid) != 0 ||
		h.recCount("SELECT count(*) FROM ticket_companies WHERE ticket_id = ?", cid) != 1 || h.btTicket(cid).Source != model.SourceChat {
		t.Error("company-only ticket associations or source wrong")
	}
}

func testBtAccess(t *testing.T, h *harness) {
	anon := h.client()
	res, body := anon.get("/admin/inbox?status=all", false)
	want := "/admin/login?next=" + url.QueryEscape("/admin/inbox?status=all")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Errorf("anonymous inbox: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if strings.Contains(body, "Printer shows error") {
		t.Error("anonymous inbox leaks data")
	}
	res, _ = anon.get("/admin/inbox", true)
	if res.StatusCode != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/admin/login") {
		t.Errorf("anonymous htmx inbox: %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
	for _, p := range []string{"/admin/tickets/22", "/admin/tickets/new", "/admin/attachments/1"} {
		res, _ := anon.get(p, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login?next=") {
			t.Errorf("anonymous GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}

	// A customer session is not a staff session.
	ana := h.client()
	ana.login(demo.AnaEmail)
	for _, p := range []string{"/admin/inbox", "/admin/tickets/22"} {
		res, body := ana.get(p, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") || strings.Contains(body, "INTERNAL NOTE") {
			t.Errorf("customer GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	n := h.recCount("SELECT count(*) FROM messages")
	ana.get("/admin/login", false) // a staff-side token for the anonymous staff session
	res, _ = ana.multipart("/admin/tickets/22/notes", [][2]string{{"body", "customer note"}}, nil, false)
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden {
		t.Errorf("customer note POST: %d", res.StatusCode)
	}
	if res, _ = anon.multipart("/admin/tickets/22/replies", [][2]string{{"body", "anon"}}, nil, false); res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous reply POST: %d", res.StatusCode)
	}
	if h.recCount("SELECT count(*) FROM messages") != n {
		t.Fatal("a non-staff POST stored a message")
	}

	// Staff without the CSRF token: 403, nothing stored.
	agent := h.recStaff(demo.AgentEmail)
	res, body = agent.get("/admin/inbox", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<section id="inbox-list"`) {
		t.Fatalf("agent inbox after a real login: %d", res.StatusCode)
	}
	token := agent.csrf
	agent.csrf = ""
	res, _ = agent.multipart("/admin/tickets/22/replies", [][2]string{{"body", "no token"}}, nil, true)
	recWant(t, "reply without CSRF", res, http.StatusForbidden)
	agent.csrf = ""
	res, _ = agent.multipart("/admin/tickets/22/notes", [][2]string{{"body", "bad token"}, {"_csrf", "forged"}}, nil, true)
	recWant(t, "note with a forged CSRF", res, http.StatusForbidden)
	agent.csrf = ""
	req := httptest.NewRequest(http.MethodPost, "/admin/tickets/22/properties", strings.NewReader("pipeline=1&stage=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, _ = agent.do(req)
	recWant(t, "properties without CSRF", res, http.StatusForbidden)
	agent.csrf = "" // the error page may carry the token again
	res, _ = agent.post("/admin/tickets", recVals("subject", "x", "contact_email", demo.AnaEmail, "pipeline", "1"), false)
	recWant(t, "create without CSRF", res, http.StatusForbidden)
	agent.csrf = token
	if h.recCount("SELECT count(*) FROM messages") != n || len(h.recAudits("ticket.update", "ticket:22")) != 0 {
		t.Error("a POST without CSRF changed data")
	}
	// The token from a real login works.
	res, _ = agent.multipart("/admin/tickets/22/notes", [][2]string{{"body", "with token"}}, nil, true)
	recWant(t, "note with CSRF", res, http.StatusOK)
}

func testBtAttachments(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	shot := h.attachmentID("screenshot.png")
	res, body := c.get("/admin/attachments/"+strconv.FormatInt(shot, 10), false)
	recWant(t, "demo attachment", res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || len(body) == 0 ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("demo attachment: Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}

	// An attachment on a note: agents get it, the customer never.
	data := "secret internal findings\n"
	res, _ = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", "Findings attached."}},
		[]upload{{"findings <b>.html", []byte(data)}}, true)
	recWant(t, "note with attachment", res, http.StatusOK)
	var id int64
	if err := h.st.DB.NewRaw("SELECT a.id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.kind = ? AND a.ticket_id = 22",
		model.KindNote).Scan(context.Background(), &id); err != nil {
		t.Fatalf("note attachment: %v", err)
	}
	path := "/admin/attachments/" + strconv.FormatInt(id, 10)
	res, body = c.get(path, false)
	recWant(t, "note attachment", res, http.StatusOK)
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment") || body != data || strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("note attachment: %q, %q, %q", cd, res.Header.Get("Content-Type"), body)
	}
	if _, page := c.get("/admin/tickets/22", false); !strings.Contains(page, `href="`+path+`"`) || strings.Contains(page, "findings <b>") {
		t.Error("the ticket page does not link the note's attachment, escaped")
	}
	for _, p := range []string{"/admin/attachments/999999", "/admin/attachments/abc", "/admin/attachments/0"} {
		if res, _ := c.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}

	anon := h.client()
	res, body = anon.get(path, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") || strings.Contains(body, "secret") {
		t.Errorf("anonymous attachment: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	ana := h.client()
	ana.as(demo.AnaEmail)
	if res, body := ana.get(path, false); res.StatusCode != http.StatusSeeOther || strings.Contains(body, "secret") {
		t.Errorf("customer on the agents' attachment route: %d", res.StatusCode)
	}
	if res, body := ana.get("/portal/attachments/"+strconv.FormatInt(id, 10), false); res.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
		t.Errorf("customer on the note's attachment: %d", res.StatusCode)
	}
	if res, _ := ana.get("/portal/attachments/"+strconv.FormatInt(shot, 10), false); res.StatusCode != http.StatusOK {
		t.Errorf("customer on her own public attachment (control): %d", res.StatusCode)
	}
}
