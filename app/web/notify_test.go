package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/mail/mailtest"
	"portico/app/model"
	"portico/app/store"
)

func TestNotifyChoicesSQLite(t *testing.T) {
	t.Parallel()
	testNotifyChoices(t, false)
}

func TestNotifyChoicesPostgresRedis(t *testing.T) {
	t.Parallel()
	testNotifyChoices(t, true)
}

func TestNotifyUnsubscribeSQLite(t *testing.T) {
	t.Parallel()
	testNotifyUnsubscribe(t, false)
}

func TestNotifyUnsubscribePostgresRedis(t *testing.T) {
	t.Parallel()
	testNotifyUnsubscribe(t, true)
}

// ntSetup shares Ana's ticket 22 with her colleague Ben and finds another
// open ticket of Ana's; the outbox starts empty.
func ntSetup(t *testing.T, h *harness) (other int64) {
	t.Helper()
	owner := h.client()
	owner.as(ana)
	if res, _ := owner.post("/portal/tickets/22/participants", url.Values{"email": {ben}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sharing with Ben: %d", res.StatusCode)
	}
	err := h.st.DB.NewSelect().Table("tickets").Column("tickets.id").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = tickets.id").
		Where("tc.contact_id = ? AND NOT tc.shared", h.contactID(ana)).Where("tickets.closed = ?", false).
		Where("tickets.id <> 22").
		Where("EXISTS (SELECT 1 FROM threads WHERE threads.ticket_id = tickets.id)").
		OrderExpr("tickets.id").Limit(1).Scan(context.Background(), &other)
	if err != nil {
		t.Fatal(err)
	}
	h.exec("DELETE FROM mail_outbox")
	return other
}

// ntCount is how many ticket notifications an address got about a ticket.
func ntCount(h *harness, addr string, ticketID int64) int {
	n := 0
	for _, m := range h.mlMailsTo(addr, mail.KindReply) {
		if strings.Contains(m.Subject, "#"+strconv.FormatInt(ticketID, 10)) {
			n++
		}
	}
	return n
}

func ntAgentReply(t *testing.T, agent *client, id int64, body string) {
	t.Helper()
	res, _ := agent.multipart(fmt.Sprintf("/admin/tickets/%d/replies", id), [][2]string{{"body", body}}, nil, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reply on #%d: %d", id, res.StatusCode)
	}
}

func ntCustomerReply(t *testing.T, c *client, id int64, body string) {
	t.Helper()
	res, _ := c.multipart(fmt.Sprintf("/portal/tickets/%d/replies", id), [][2]string{{"body", body}}, nil, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer reply on #%d: %d", id, res.StatusCode)
	}
}

func ntChoose(t *testing.T, c *client, choice string, want int) {
	t.Helper()
	res, _ := c.post("/portal/notifications", url.Values{"choice": {choice}}, false)
	if res.StatusCode != want {
		t.Fatalf("choosing %q: %d, want %d", choice, res.StatusCode, want)
	}
}

// delta runs f and answers how many more notifications about the ticket
// each address got.
func ntDelta(h *harness, id int64, addrs []string, f func()) []int {
	before := make([]int, len(addrs))
	for i, a := range addrs {
		before[i] = ntCount(h, a, id)
	}
	f()
	out := make([]int, len(addrs))
	for i, a := range addrs {
		out[i] = ntCount(h, a, id) - before[i]
	}
	return out
}

func testNotifyChoices(t *testing.T, postgres bool) {
	h, _, smtpAddr := ptHarness(t, postgres)
	other := ntSetup(t, h)
	agent := h.mlStaff(demo.AgentEmail)
	a, b := h.client(), h.client()
	a.as(ana)
	b.as(ben)
	both := []string{ana, ben}
	eq := func(what string, got []int, want ...int) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: Ana, Ben got %v, want %v", what, got, want)
		}
	}

	// By default every reply reaches everyone on the ticket but its author.
	eq("agent reply", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "First answer.") }), 1, 1)
	eq("Ana's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, a, 22, "Thanks.") }), 0, 1)
	eq("Ben's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, b, 22, "Same here.") }), 1, 0)

	// Ana mutes ticket 22 from its page: no mail about it, while her other
	// ticket still mails her, and Ben (a participant) still gets 22.
	res, _ := a.post("/portal/tickets/22/mute", url.Values{"mute": {"1"}}, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "#mute") {
		t.Fatalf("mute: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := a.get("/portal/tickets/22", false); !strings.Contains(body, `data-mute-state="muted"`) || !strings.Contains(body, "Unmute this ticket") {
		t.Error("the ticket page does not show the mute")
	}
	eq("muted, agent reply", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "While muted.") }), 0, 1)
	eq("muted, Ben's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, b, 22, "Muted?") }), 0, 0)
	eq("other ticket", ntDelta(h, other, []string{ana}, func() { ntAgentReply(t, agent, other, "Elsewhere.") }), 1)
	// A participant can mute too.
	if res, body := b.post("/portal/tickets/22/mute", url.Values{"mute": {"1"}}, true); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, `data-mute-state="muted"`) || strings.Contains(body, "<html") {
		t.Fatalf("Ben's mute by htmx: %d", res.StatusCode)
	}
	eq("both muted", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Nobody listens.") }), 0, 0)
	// Agents see who muted the ticket, in its "who can see this" panel.
	_, page := agent.get("/admin/tickets/22", false)
	for _, who := range []string{ana, ben} {
		_, item, _ := strings.Cut(page, `data-person="`+strconv.FormatInt(h.contactID(who), 10)+`"`)
		item, _, _ = strings.Cut(item, "</li>")
		if !strings.Contains(item, "data-muted") {
			t.Errorf("the back office does not show that %s muted the ticket", who)
		}
	}
	// Without the CSRF token nothing changes.
	if res, _ := a.post("/portal/tickets/22/mute", url.Values{"mute": {"0"}, "_csrf": {"forged"}}, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("a forged CSRF token: %d", res.StatusCode)
	}
	// A ticket the contact can't see answers 404 and mutes nothing.
	g := h.client()
	g.as(gina)
	if res, _ := g.post("/portal/tickets/22/mute", url.Values{"mute": {"1"}}, false); res.StatusCode != http.StatusNotFound ||
		h.count("SELECT count(*) FROM ticket_mutes WHERE contact_id = ?", h.contactID(gina)) != 0 {
		t.Errorf("Gina muting Ana's ticket: %d", res.StatusCode)
	}
	// Unmuting restores the mail.
	for _, c := range []*client{a, b} {
		if res, _ := c.post("/portal/tickets/22/mute", url.Values{"mute": {"0"}}, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unmute: %d", res.StatusCode)
		}
	}
	eq("unmuted", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Back again.") }), 1, 1)
	if _, page := agent.get("/admin/tickets/22", false); strings.Contains(page, "data-muted") {
		t.Error("the back office still shows a mute after unmuting")
	}

	// Defaults, from the Notifications page.
	if _, body := a.get("/portal/tickets", false); !strings.Contains(body, `href="/portal/notifications"`) {
		t.Error("no link to the notifications page in the header")
	}
	_, body := a.get("/portal/notifications", false)
	for _, v := range []string{store.NotifyAll, store.NotifyAgents, store.NotifyNone} {
		if !strings.Contains(body, `value="`+v+`"`) {
			t.Errorf("the %q choice is missing", v)
		}
	}
	if !regexp.MustCompile(`value="all" class="mt-1" checked`).MatchString(body) {
		t.Error("every reply is not the default")
	}
	// Only agents' replies: a colleague's reply no longer mails Ana.
	ntChoose(t, a, store.NotifyAgents, http.StatusSeeOther)
	if _, body := a.get("/portal/notifications?saved=1", false); !regexp.MustCompile(`value="agents" class="mt-1" checked`).MatchString(body) {
		t.Error("the saved choice is not shown")
	}
	eq("agents only, Ben's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, b, 22, "Ping.") }), 0, 0)
	eq("agents only, agent reply", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Pong.") }), 1, 1)
	// Ben's choice is his own: Ana's reply still reaches him.
	eq("agents only, Ana's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, a, 22, "Noted.") }), 0, 1)

	// Ben replies by email, and Ana, back on every reply, gets it.
	ntChoose(t, a, store.NotifyAll, http.StatusSeeOther)
	var to string
	for _, m := range h.mlMailsTo(ben, mail.KindReply) {
		to = m.ReplyTo
	}
	if to == "" {
		t.Fatal("no reply address in Ben's notification")
	}
	eq("every reply, Ben by email", ntDelta(h, 22, both, func() {
		if err := smtp.SendMail(smtpAddr, nil, ben, []string{to}, []byte("Subject: Re\r\n\r\nBy email.\r\n")); err != nil {
			t.Fatalf("Ben's reply by email: %v", err)
		}
	}), 1, 0)

	// None: no ticket mail at all, but account mail still arrives.
	ntChoose(t, a, store.NotifyNone, http.StatusSeeOther)
	eq("none, agent reply", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Anyone?") }), 0, 1)
	eq("none, Ben's reply", ntDelta(h, 22, both, func() { ntCustomerReply(t, b, 22, "Hello?") }), 0, 0)
	eq("none, other ticket", ntDelta(h, other, []string{ana}, func() { ntAgentReply(t, agent, other, "Quiet.") }), 0)
	resets := len(h.mlMailsTo(ana, mail.KindReset))
	if code, _ := h.mlForgot(ana); code != http.StatusOK || len(h.mlMailsTo(ana, mail.KindReset)) != resets+1 {
		t.Errorf("a password reset under \"none\": %d, %d mails", code, len(h.mlMailsTo(ana, mail.KindReset))-resets)
	}
	// A participant's "none" holds too.
	ntChoose(t, b, store.NotifyNone, http.StatusSeeOther)
	eq("both none", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Silence.") }), 0, 0)
	// An unknown choice is refused at the field, and changes nothing.
	ntChoose(t, a, "sometimes", http.StatusUnprocessableEntity)
	if c, _ := store.NotifyChoice(context.Background(), h.st.DB, h.contactID(ana)); c != store.NotifyNone {
		t.Errorf("after a bad choice: %q", c)
	}

	// The portal may keep agents' replies coming: "none" is no longer
	// offered nor taken, and an earlier "none" gets agents' replies.
	h.mlSettings(func(s *model.PortalSettings) { s.Notify.AgentsAlways = true })
	if _, body := a.get("/portal/notifications", false); strings.Contains(body, `value="none"`) ||
		!regexp.MustCompile(`value="agents" class="mt-1" checked`).MatchString(body) {
		t.Error("\"none\" is still offered")
	}
	ntChoose(t, a, store.NotifyNone, http.StatusUnprocessableEntity)
	eq("agents always, agent reply", ntDelta(h, 22, both, func() { ntAgentReply(t, agent, 22, "Mandatory.") }), 1, 1)
	eq("agents always, customer reply", ntDelta(h, 22, []string{ana}, func() { ntCustomerReply(t, b, 22, "Optional.") }), 0)
}

var ntUnsubRe = regexp.MustCompile(`^<(https://help\.acme\.example/portal/unsubscribe/([0-9]+)-([0-9]+)-[0-9a-f]{32})>$`)

// ntPost posts the one-click body, as a mail client does: no session, no
// CSRF token.
func ntPost(h *harness, path string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, body := h.client().do(req)
	return res.StatusCode, body
}

func testNotifyUnsubscribe(t *testing.T, postgres bool) {
	h, m, _ := ptHarness(t, postgres)
	h.mlSettings(func(s *model.PortalSettings) { s.BaseURL = "https://help.acme.example" })
	other := ntSetup(t, h)
	agent := h.mlStaff(demo.AgentEmail)
	ntAgentReply(t, agent, 22, "An answer to mute.")
	ntAgentReply(t, agent, other, "An answer to keep.")
	anaID, benID := h.contactID(ana), h.contactID(ben)
	h.mlForgot(ana) // account mail, which has no unsubscribe link
	h.drainJobs()

	// Every ticket notification goes out with the headers: deliver the
	// outbox to an in-process SMTP server and read what it got.
	srv := mailtest.Start(t)
	s, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	w := &mail.Worker{Store: h.st, SMTP: s, From: "Acme Help <help@acme.example>"}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages delivered, want 4", len(msgs))
	}
	links := map[string]string{} // "ticket:contact" → URL
	for _, msg := range msgs {
		hd := msg.Header()
		if strings.Contains(hd.Get("Subject"), "password") {
			if hd.Get("List-Unsubscribe") != "" || hd.Get("List-Unsubscribe-Post") != "" {
				t.Error("account mail carries List-Unsubscribe")
			}
			continue
		}
		raw := hd.Get("List-Unsubscribe")
		sub := ntUnsubRe.FindStringSubmatch(raw)
		if sub == nil {
			t.Fatalf("List-Unsubscribe to %v: %q", msg.To, raw)
		}
		if p := hd.Get("List-Unsubscribe-Post"); p != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post: %q", p)
		}
		if !strings.Contains(string(msg.Data), "Mute this ticket") {
			t.Error("no visible mute link in the body")
		}
		links[sub[2]+":"+sub[3]] = sub[1]
	}
	anaOn22 := links[fmt.Sprintf("22:%d", anaID)]
	benOn22 := links[fmt.Sprintf("22:%d", benID)]
	anaOnOther := links[fmt.Sprintf("%d:%d", other, anaID)]
	if anaOn22 == "" || benOn22 == "" || anaOnOther == "" {
		t.Fatalf("links: %v", links)
	}
	// The mail body links to the same page.
	for _, om := range h.mlMailsTo(ana, mail.KindReply) {
		if !strings.Contains(om.TextBody, om.ListUnsubscribe) || !strings.Contains(om.HTMLBody, om.ListUnsubscribe) {
			t.Errorf("the body's mute link differs from the header's")
		}
	}
	// Account mail has none.
	for _, om := range h.mlMailsTo(ana, mail.KindReset) {
		if om.ListUnsubscribe != "" {
			t.Error("account mail carries an unsubscribe link")
		}
	}

	mutes := func() string {
		var rows []string
		// Of the tickets in play (the demo data mutes one of Ben's).
		_ = h.st.DB.NewRaw("SELECT ticket_id || ':' || contact_id FROM ticket_mutes WHERE ticket_id IN (?, ?) ORDER BY ticket_id, contact_id",
			22, other).Scan(context.Background(), &rows)
		return strings.Join(rows, ",")
	}

	// A GET (a link scanner, or the reader) shows a confirmation and
	// mutes nothing.
	res, body := h.client().get(mlPath(anaOn22), false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Mute this ticket?") || !strings.Contains(body, `method="post"`) || mutes() != "" {
		t.Fatalf("GET: %d, mutes %q", res.StatusCode, mutes())
	}

	// Forged and altered tokens are refused, and mute nothing.
	path := mlPath(anaOn22)
	sig := path[strings.LastIndexByte(path, '-')+1:]
	flip := "0"
	if sig[len(sig)-1] == '0' {
		flip = "1"
	}
	replySig := m.ReplyAddress(22, anaID)
	replySig = replySig[strings.LastIndexByte(replySig, '-')+1 : strings.IndexByte(replySig, '@')]
	for name, p := range map[string]string{
		"altered signature":   path[:len(path)-1] + flip,
		"another contact":     fmt.Sprintf("/portal/unsubscribe/22-%d-%s", benID, sig),
		"another ticket":      fmt.Sprintf("/portal/unsubscribe/%d-%d-%s", other, anaID, sig),
		"reply address's sig": fmt.Sprintf("/portal/unsubscribe/22-%d-%s", anaID, replySig),
		"malformed":           "/portal/unsubscribe/22-" + strconv.FormatInt(anaID, 10),
		"upper case":          strings.ToUpper(path),
		// Signed right, but for a ticket Ana is not on.
		"not her ticket": "/portal/unsubscribe/" + mail.UnsubscribeToken([]byte("test-secret-test-secret-test-secret!"), h.mlTicket(gina, false), anaID),
	} {
		if code, _ := ntPost(h, p); code != http.StatusNotFound {
			t.Errorf("%s: %d", name, code)
		}
		if res, _ := h.client().get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s, GET: %d", name, res.StatusCode)
		}
	}
	if mutes() != "" {
		t.Fatalf("a forged token muted %q", mutes())
	}

	// The one-click POST mutes exactly that ticket for that contact.
	code, body := ntPost(h, mlPath(anaOn22))
	if code != http.StatusOK || !strings.Contains(body, "Ticket muted") {
		t.Fatalf("one-click: %d", code)
	}
	if got, want := mutes(), fmt.Sprintf("22:%d", anaID); got != want {
		t.Fatalf("mutes %q, want %q", got, want)
	}
	// Again: still one row.
	if code, _ := ntPost(h, mlPath(anaOn22)); code != http.StatusOK || mutes() != fmt.Sprintf("22:%d", anaID) {
		t.Errorf("a second one-click: %d", code)
	}
	h.exec("DELETE FROM mail_outbox")
	agentReply := func(id int64) { ntAgentReply(t, agent, id, "After the unsubscribe.") }
	agentReply(22)
	agentReply(other)
	if ntCount(h, ana, 22) != 0 || ntCount(h, ben, 22) != 1 || ntCount(h, ana, other) != 1 {
		t.Errorf("after the one-click: Ana on 22 %d, Ben on 22 %d, Ana elsewhere %d",
			ntCount(h, ana, 22), ntCount(h, ben, 22), ntCount(h, ana, other))
	}
	// The page shows it, and Ana can unmute.
	a := h.client()
	a.as(ana)
	if _, body := a.get("/portal/tickets/22", false); !strings.Contains(body, `data-mute-state="muted"`) {
		t.Error("the ticket page does not show the one-click mute")
	}
}

// The "agents' replies always" switch is saved with the permissions
// section, and shown checked in its fragment.
func TestNotifySettingsSwitch(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.mlStaff(demo.AdminEmail)
	if _, body := admin.get("/admin/portal", false); !strings.Contains(body, `name="notify_agents_always"`) {
		t.Fatal("the settings page lacks the notification switch")
	}
	read := func() bool {
		t.Helper()
		st, _, err := store.Settings(context.Background(), h.st.DB)
		if err != nil {
			t.Fatal(err)
		}
		return st.Notify.AgentsAlways
	}
	res, body := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}, "notify_agents_always": {"1"}}, true)
	if res.StatusCode != http.StatusOK || !read() || !strings.Contains(body, `aria-describedby="notify_agents_always-hint" checked`) {
		t.Fatalf("switching on: %d, saved %v", res.StatusCode, read())
	}
	if res, _ := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}}, false); res.StatusCode >= 400 || read() {
		t.Fatalf("switching off: %d, saved %v", res.StatusCode, read())
	}
}

// The demo data has a muted ticket: Ben's webhook ticket, shown muted on
// his page.
func TestNotifyDemoMuted(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	var id int64
	if err := h.st.DB.NewSelect().Table("tickets").Column("id").Where("subject = ?", demo.MutedSubject).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	if n := h.count("SELECT count(*) FROM ticket_mutes WHERE ticket_id = ? AND contact_id = ?", id, h.contactID(ben)); n != 1 {
		t.Fatalf("%d demo mutes", n)
	}
	c := h.client()
	c.as(ben)
	if _, body := c.get(fmt.Sprintf("/portal/tickets/%d", id), false); !strings.Contains(body, `data-mute-state="muted"`) {
		t.Error("Ben's demo ticket is not shown muted")
	}
}
