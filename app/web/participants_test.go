package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

const ptReplyDomain = "reply.portico.test"

// ptHarness is a demo harness with a real Mailer whose notifications carry
// signed reply addresses, and the in-process inbound SMTP server that
// takes replies to them. On Postgres its sessions and limits are in Redis.
func ptHarness(t *testing.T, postgres bool) (*harness, *mail.Mailer, string) {
	t.Helper()
	var m *mail.Mailer
	opts := []harnessOpt{func(d *Deps) {
		d.Config.InboundSMTPAddr, d.Config.InboundDomain = "127.0.0.1:0", ptReplyDomain
		var err error
		if m, err = mail.NewFromConfig(d.Config, d.Views, d.I18n, d.Secret); err != nil {
			t.Fatal(err)
		}
		d.Mail = m
		d.OnAgentReply = func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error {
			return m.NotifyContacts(ctx, tx, ticketID, msg)
		}
	}}
	var h *harness
	if postgres {
		rc, prefix := testutil.Redis(t)
		opts = append(opts, withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
			&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()}))
		h = newHarnessOn(t, testutil.Postgres(t), opts...)
	} else {
		h = newPortal(t, opts...)
	}
	in := &mail.Inbound{Store: h.st, Mailer: m, Secret: []byte("test-secret-test-secret-test-secret!"), Domain: ptReplyDomain}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := in.Server()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return h, m, l.Addr().String()
}

func TestParticipantsSQLite(t *testing.T) {
	t.Parallel()
	testParticipants(t, false)
}

func TestParticipantsPostgresRedis(t *testing.T) {
	t.Parallel()
	testParticipants(t, true)
}

// ptRoutes is what a contact gets of one ticket on every portal route.
type ptRoutes struct {
	page, attachment, sharedList, sharedFragment, mineList, search, reply int
	sharedToggle                                                          bool
}

func ptState(t *testing.T, c *client, id, att int64) ptRoutes {
	t.Helper()
	var r ptRoutes
	res, _ := c.get(fmt.Sprintf("/portal/tickets/%d", id), false)
	r.page = res.StatusCode
	res, _ = c.get(fmt.Sprintf("/portal/attachments/%d", att), false)
	r.attachment = res.StatusCode
	_, body := c.get("/portal/tickets?view=shared&status=all", false)
	r.sharedToggle = strings.Contains(body, "Shared with me")
	if containsID(rowIDs(body), id) {
		r.sharedList = 1
	}
	_, body = c.get("/portal/tickets?view=shared&status=all", true)
	if containsID(rowIDs(body), id) {
		r.sharedFragment = 1
	}
	_, body = c.get("/portal/tickets?status=all", false)
	if containsID(rowIDs(body), id) {
		r.mineList = 1
	}
	_, body = c.get("/portal/tickets?view=shared&status=all&q=E42", true)
	if containsID(rowIDs(body), id) {
		r.search = 1
	}
	res, _ = c.multipart(fmt.Sprintf("/portal/tickets/%d/replies", id), [][2]string{{"body", "A word from a participant."}}, nil, false)
	r.reply = res.StatusCode
	return r
}

func testParticipants(t *testing.T, postgres bool) {
	h, m, smtpAddr := ptHarness(t, postgres)
	ctx := context.Background()
	const printer = int64(22) // Ana's, with screenshot.png
	att := h.attachmentID("screenshot.png")
	ginaID := h.contactID(gina)

	owner := h.client()
	owner.as(ana)
	_, body := owner.get("/portal/tickets/22", false)
	if !strings.Contains(body, "Who can see this ticket") || !strings.Contains(body, "Everyone at Acme Corp") {
		t.Fatalf("the panel is missing: %.300s", body)
	}

	// By default only colleagues may be added: Gina is at Globex.
	res, body := owner.post("/portal/tickets/22/participants", url.Values{"email": {gina}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Only people at your company") ||
		!strings.Contains(body, `value="`+gina+`"`) || !strings.Contains(body, `id="share-email-error"`) {
		t.Fatalf("a stranger was not refused at the field: %d", res.StatusCode)
	}
	if res, body := owner.post("/portal/tickets/22/participants", url.Values{"email": {"not an address"}}, true); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter an email address like") || strings.Contains(body, "<html") {
		t.Fatalf("a bad address: %d", res.StatusCode)
	}
	// Without the CSRF token nothing is added.
	if res, _ := owner.post("/portal/tickets/22/participants", url.Values{"email": {ben}, "_csrf": {"forged"}}, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("a forged token: %d", res.StatusCode)
	}

	g := h.client()
	g.as(gina)
	before := ptState(t, g, printer, att)
	if before.page != http.StatusNotFound || before.attachment != http.StatusNotFound || before.sharedToggle ||
		before.sharedList+before.sharedFragment+before.mineList+before.search != 0 || before.reply != http.StatusNotFound {
		t.Fatalf("Gina reaches Ana's ticket before it is shared: %+v", before)
	}

	// The setting allows any address.
	h.mlSettings(func(s *model.PortalSettings) { s.ShareAnyAddress = true })
	res, _ = owner.post("/portal/tickets/22/participants", url.Values{"email": {gina}}, false)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "shared=1") {
		t.Fatalf("sharing: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = owner.get("/portal/tickets/22?shared=1", false)
	if !strings.Contains(body, "Gina García") || !strings.Contains(body, "added by Ana Álvarez") {
		t.Errorf("the panel lacks the participant")
	}
	got := ptState(t, g, printer, att)
	want := ptRoutes{page: 200, attachment: 200, sharedList: 1, sharedFragment: 1, search: 1, reply: http.StatusSeeOther, sharedToggle: true}
	if got != want {
		t.Errorf("shared: %+v, want %+v", got, want)
	}
	// The participant is mailed the agent's reply, and may answer it by
	// email through the signed address.
	agent := h.mlStaff(demo.AgentEmail)
	if res, _ := agent.mlMultipart("/admin/tickets/22/replies", map[string]string{"body": "We replaced the drum."}); res.StatusCode >= 400 {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	if ms := h.mlMailsTo(gina, mail.KindReply); len(ms) != 1 || !strings.Contains(ms[0].TextBody, "We replaced the drum.") {
		t.Errorf("%d notifications to the participant", len(ms))
	}
	to := m.ReplyAddress(printer, ginaID)
	if to == "" {
		t.Fatal("no reply address")
	}
	if err := smtp.SendMail(smtpAddr, nil, gina, []string{to}, []byte("Subject: Re\r\n\r\nWorks for us too.\r\n")); err != nil {
		t.Errorf("the participant's reply by email was refused: %v", err)
	}
	if n := h.count("SELECT count(*) FROM messages WHERE ticket_id = 22 AND author_contact_id = ?", ginaID); n != 2 {
		t.Errorf("%d messages by the participant, want 2", n)
	}

	// Only the ticket's own contacts remove a participant.
	if res, _ := g.post(fmt.Sprintf("/portal/tickets/22/participants/%d/remove", ginaID), nil, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("a participant removed one: %d", res.StatusCode)
	}
	res, body = owner.post(fmt.Sprintf("/portal/tickets/22/participants/%d/remove", ginaID), nil, true)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "They can no longer see this ticket") || strings.Contains(body, "Gina García") {
		t.Fatalf("removal: %d", res.StatusCode)
	}
	// Her live session loses the ticket on every route at once.
	if got := ptState(t, g, printer, att); got != before {
		t.Errorf("after removal: %+v, want %+v", got, before)
	}
	if res, _ := agent.mlMultipart("/admin/tickets/22/replies", map[string]string{"body": "One more thing."}); res.StatusCode >= 400 {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	if ms := h.mlMailsTo(gina, mail.KindReply); len(ms) != 1 {
		t.Errorf("%d notifications to the removed participant, want the first only", len(ms))
	}
	if err := smtp.SendMail(smtpAddr, nil, gina, []string{to}, []byte("Subject: Re\r\n\r\nStill there?\r\n")); err == nil {
		t.Error("the removed participant's reply by email was taken")
	}

	// An unknown address is invited as a new contact.
	const newcomer = "newcomer@partner.example"
	res, _ = owner.post("/portal/tickets/22/participants", url.Values{"email": {newcomer}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("inviting: %d", res.StatusCode)
	}
	if ms := h.mlMailsTo(newcomer, mail.KindInvite); len(ms) != 1 {
		t.Errorf("%d invitations to the newcomer", len(ms))
	}
	ct, err := store.ContactByEmail(ctx, h.st.DB, newcomer)
	if err != nil {
		t.Fatal(err)
	}
	a, err := store.WhoCanSee(ctx, h.st.DB, printer, true)
	if err != nil || !a.IsParticipant(ct.ID) {
		t.Errorf("the newcomer is not a participant: %v", err)
	}

	// Back to colleagues only: Ben, at Acme, may be added.
	h.mlSettings(func(s *model.PortalSettings) { s.ShareAnyAddress = false })
	if res, _ := owner.post("/portal/tickets/22/participants", url.Values{"email": {ben}}, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a colleague: %d", res.StatusCode)
	}
	if res, body := owner.post("/portal/tickets/22/participants", url.Values{"email": {ben}}, true); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "already a participant") {
		t.Errorf("a colleague twice: %d", res.StatusCode)
	}

	// Agents add and remove participants in the back office.
	carlaID := h.contactID(carla)
	c := h.client()
	c.as(carla)
	if res, _ := c.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Carla sees #22: %d", res.StatusCode)
	}
	_, body = agent.get("/admin/tickets/22", false)
	if !strings.Contains(body, `id="participants"`) || !strings.Contains(body, "Sam Agent") || !strings.Contains(body, "Ben Brown") {
		t.Errorf("the back office panel lacks people")
	}
	if res, _ := agent.post("/admin/tickets/22/participants", url.Values{"email": {carla}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent adds: %d", res.StatusCode)
	}
	if res, _ := c.get("/portal/tickets/22", false); res.StatusCode != http.StatusOK {
		t.Errorf("Carla after the agent shared: %d", res.StatusCode)
	}
	if res, body := agent.post(fmt.Sprintf("/admin/tickets/22/participants/%d/remove", carlaID), nil, true); res.StatusCode != http.StatusOK || strings.Contains(body, "Carla Campos") {
		t.Errorf("agent removes: %d", res.StatusCode)
	}
	if res, _ := c.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("Carla after the agent removed her: %d", res.StatusCode)
	}
}

// The sharing switch is saved with the permissions section, and shown
// checked in its fragment.
func TestParticipantsSettingsSwitch(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.mlStaff(demo.AdminEmail)
	_, body := admin.get("/admin/portal", false)
	if !strings.Contains(body, `name="share_any_address"`) {
		t.Fatal("the settings page lacks the sharing switch")
	}
	read := func() bool {
		t.Helper()
		st, _, err := store.Settings(context.Background(), h.st.DB)
		if err != nil {
			t.Fatal(err)
		}
		return st.ShareAnyAddress
	}
	res, body := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}, "share_any_address": {"1"}}, true)
	if res.StatusCode != http.StatusOK || !read() || !strings.Contains(body, `value="1" class="mt-1" aria-describedby="share_any_address-hint" checked`) {
		t.Fatalf("switching on: %d, saved %v", res.StatusCode, read())
	}
	if res, _ := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}}, false); res.StatusCode >= 400 || read() {
		t.Fatalf("switching off: %d, saved %v", res.StatusCode, read())
	}
}

// Turning customers' sharing and solving off takes the form and the button
// off the ticket page and its preview, and their routes answer 404; what
// is shared already stays shared, and agents may still add people.
func TestSharingAndSolvingSwitches(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.mlStaff(demo.AdminEmail)
	ana := h.mlContact(demo.AnaEmail)
	const tid = 22 // Ana's, open, in a pipeline with a stage to solve to
	page := fmt.Sprintf("/portal/tickets/%d", tid)
	shareForm := `action="` + page + `/participants"`
	solveLink := `href="` + page + `/solve`

	_, body := admin.get("/admin/portal", false)
	for _, name := range []string{"sharing", "customer_solve"} {
		if !strings.Contains(body, `name="`+name+`" value="1" class="mt-1" aria-describedby="`+name+`-hint" checked`) {
			t.Errorf("the settings page does not show the %s switch on by default", name)
		}
	}
	if _, body := ana.get(page, false); !strings.Contains(body, shareForm) || !strings.Contains(body, solveLink) {
		t.Fatal("by default the ticket page lacks the share form or the solve link; the test proves nothing")
	}
	if _, body := admin.get("/admin/portal/sample/detail", false); !strings.Contains(body, `id="share-email"`) || !strings.Contains(body, h.admT("solve.title")) {
		t.Fatal("by default the preview lacks the share form or the solve question")
	}

	res, body := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}, "sharing_switches": {"1"}}, true)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="sharing" value="1" class="mt-1" aria-describedby="sharing-hint" >`) {
		t.Fatalf("switching both off: %d", res.StatusCode)
	}
	st, _, err := store.Settings(context.Background(), h.st.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !st.NoSharing || !st.NoCustomerSolve {
		t.Fatalf("saved: no sharing %v, no customer solve %v", st.NoSharing, st.NoCustomerSolve)
	}
	_, body = ana.get(page, false)
	if strings.Contains(body, shareForm) || strings.Contains(body, solveLink) {
		t.Error("the ticket page still offers sharing or solving")
	}
	if !strings.Contains(body, `id="participants"`) {
		t.Error("the ticket page no longer says who can see the ticket")
	}
	if res, _ := ana.post(page+"/participants", url.Values{"email": {demo.BenEmail}}, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("sharing with the switch off: %d", res.StatusCode)
	}
	for _, p := range []string{page + "/solve"} {
		if res, _ := ana.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with the switch off: %d", p, res.StatusCode)
		}
		if res, _ := ana.post(p, nil, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s with the switch off: %d", p, res.StatusCode)
		}
	}
	if n := h.count("SELECT COUNT(*) FROM tickets AS t JOIN stages AS s ON s.id = t.stage_id WHERE t.id = ? AND t.closed", tid); n != 0 {
		t.Error("the ticket was solved with the switch off")
	}
	if _, body := admin.get("/admin/portal/sample/detail", false); strings.Contains(body, `id="share-email"`) || strings.Contains(body, h.admT("solve.title")) {
		t.Error("the preview still offers sharing or solving")
	}
	// A partial form that does not show the switches leaves them be.
	if res, _ := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}}, false); res.StatusCode >= 400 {
		t.Fatalf("saving without the switches: %d", res.StatusCode)
	}
	if st, _, _ = store.Settings(context.Background(), h.st.DB); !st.NoSharing || !st.NoCustomerSolve {
		t.Error("a form without the switches turned them back on")
	}
}
