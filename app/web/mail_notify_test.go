package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/store"
	"portico/app/web/core"
)

// mlMultipart posts a multipart form without files, as the reply and
// support forms do.
func (c *client) mlMultipart(path string, fields map[string]string) (*http.Response, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField(core.CSRFField, c.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// mlTicket returns an open (or closed) ticket of the contact that has a
// thread.
func (h *harness) mlTicket(email string, closed bool) int64 {
	h.t.Helper()
	var id int64
	err := h.st.DB.NewSelect().Table("tickets").Column("tickets.id").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = tickets.id").
		Where("tc.contact_id = ?", h.contactID(email)).Where("tickets.closed = ?", closed).
		Where("EXISTS (SELECT 1 FROM threads WHERE threads.ticket_id = tickets.id)").
		OrderExpr("tickets.id DESC").Limit(1).Scan(context.Background(), &id)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// A customer's portal reply notifies the agents in the reply's
// transaction; a refused reply notifies nobody.
func TestMailPortalReplyNotifiesAgents(t *testing.T) {
	h := mlHarness(t)
	h.exec("UPDATE staff_users SET notify_opt_out = ? WHERE email = ?", true, demo.AgentEmail)
	c := h.mlContact(ana)
	id := h.mlTicket(ana, false)
	res, _ := c.mlMultipart(fmt.Sprintf("/portal/tickets/%d/replies", id), map[string]string{"body": "Still broken <script>x</script>"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	ms := h.mlMails()
	if len(ms) != 1 || ms[0].ToAddr != demo.AdminEmail || ms[0].Kind != mail.KindAgentNotice {
		t.Fatalf("mails: %+v", ms)
	}
	if !strings.Contains(ms[0].TextBody, "Still broken") || strings.Contains(ms[0].HTMLBody, "<script>") {
		t.Errorf("notification body: %s", ms[0].TextBody)
	}
	closed := h.mlTicket(ana, true)
	res, _ = c.mlMultipart(fmt.Sprintf("/portal/tickets/%d/replies", closed), map[string]string{"body": "hello?"})
	if res.StatusCode != http.StatusConflict || len(h.mlMails()) != 1 {
		t.Fatalf("closed ticket: %d, %d mails", res.StatusCode, len(h.mlMails()))
	}
}

var mlKeyRe = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]+)"`)

// A ticket from the support form notifies the agents once, even on a
// double submit.
func TestMailNewTicketNotifiesAgents(t *testing.T) {
	h := mlHarness(t)
	c := h.mlContact(gina)
	_, page := c.get("/portal/tickets/new", false)
	m := mlKeyRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no idempotency key on the support form")
	}
	fields := map[string]string{"idempotency_key": m[1], "subject": "Printer on fire", "description": "Smoke everywhere.", "priority": "high"}
	for range 2 {
		if res, _ := c.mlMultipart("/portal/tickets", fields); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.StatusCode)
		}
	}
	ms := h.mlMails()
	if len(ms) != 2 {
		t.Fatalf("%d mails, want one per agent", len(ms))
	}
	for _, x := range ms {
		if x.Kind != mail.KindAgentNotice || !strings.Contains(x.Subject, "New ticket: Printer on fire") || !strings.Contains(x.TextBody, "Smoke everywhere.") {
			t.Errorf("mail: %s / %s", x.Subject, x.TextBody)
		}
	}
}

// An agent's public reply in the back office emails the ticket's
// contacts; a note emails nobody.
func TestMailAgentReplyNotifiesContacts(t *testing.T) {
	h := mlHarness(t)
	id := h.mlTicket(ana, false)
	agent := h.mlStaff(demo.AgentEmail)
	res, _ := agent.mlMultipart(fmt.Sprintf("/admin/tickets/%d/notes", id), map[string]string{"body": "secret note"})
	if res.StatusCode >= 400 {
		t.Fatalf("note: %d", res.StatusCode)
	}
	if n := len(h.mlMails()); n != 0 {
		t.Fatalf("a note queued %d mails", n)
	}
	res, _ = agent.mlMultipart(fmt.Sprintf("/admin/tickets/%d/replies", id), map[string]string{"body": "Fixed on our side."})
	if res.StatusCode >= 400 {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	ms := h.mlMailsTo(ana, mail.KindReply)
	if len(ms) != 1 {
		t.Fatalf("%d notifications to Ana", len(ms))
	}
	if !strings.Contains(ms[0].TextBody, "Fixed on our side.") || strings.Contains(ms[0].TextBody, "secret note") ||
		!strings.Contains(ms[0].TextBody, fmt.Sprintf("/portal/tickets/%d", id)) {
		t.Errorf("notification: %s", ms[0].TextBody)
	}
}

// The outbox is for staff: anonymous visitors go to the login; agents see
// the list and notifications but not mails that carry a login link;
// admins read them with clickable links.
func TestMailOutboxViewer(t *testing.T) {
	h := mlHarness(t)
	h.mlForgot(ana)
	reset := h.mlMailsTo(ana, mail.KindReset)[0]
	if res, _ := h.client().get("/admin/outbox", false); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Fatalf("anonymous: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := h.mlContact(ana).get("/admin/outbox", false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a contact: %d", res.StatusCode)
	}
	agent := h.mlStaff(demo.AgentEmail)
	res, body := agent.get("/admin/outbox", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ana) || !strings.Contains(body, reset.Subject) {
		t.Fatalf("agent list: %d", res.StatusCode)
	}
	if res, _ := agent.get(fmt.Sprintf("/admin/outbox/%d", reset.ID), false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("an agent read a reset link: %d", res.StatusCode)
	}
	admin := h.mlStaff(demo.AdminEmail)
	res, body = admin.get(fmt.Sprintf("/admin/outbox/%d", reset.ID), false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin detail: %d", res.StatusCode)
	}
	link := mlLinkRe.FindString(reset.TextBody)
	if !strings.Contains(body, `<a href="`+link+`"`) {
		t.Fatal("the link is not clickable")
	}
	if res, _ := admin.get("/admin/outbox?status=pending&page=2", false); res.StatusCode != http.StatusOK {
		t.Fatalf("filter and page: %d", res.StatusCode)
	}
	if res, _ := admin.get("/admin/outbox/999999", false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("missing mail: %d", res.StatusCode)
	}
	// A retry of a mail that is not failed changes nothing.
	if res, _ := admin.post(fmt.Sprintf("/admin/outbox/%d/retry", reset.ID), url.Values{}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	if m, _ := store.MailByID(context.Background(), h.st.DB, reset.ID); m.Status != store.MailPending {
		t.Fatalf("status %s", m.Status)
	}
}
