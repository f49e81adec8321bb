package web

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/model"
)

// A participant stops the sharing of a ticket with them from its page:
// a link to a confirmation, then a POST with the session's token. The
// access ends at once and the audit log keeps it; a ticket's own contact
// has no such button, and nobody may leave for someone else.

func TestParticipantLeavesSQLite(t *testing.T) {
	t.Parallel()
	h, _, _ := ptHarness(t, false)
	testParticipantLeaves(t, h)
}

func TestParticipantLeavesPostgresRedis(t *testing.T) {
	t.Parallel()
	h, _, _ := ptHarness(t, true)
	testParticipantLeaves(t, h)
}

func testParticipantLeaves(t *testing.T, h *harness) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := bundle.Locale("en")
	h.updateSettings(func(st *model.PortalSettings) { st.ShareAnyAddress = true })
	ana, gina := h.contactID(demo.AnaEmail), h.contactID(demo.GinaEmail)
	id := h.count("SELECT min(ticket_id) FROM ticket_contacts WHERE contact_id = ? AND NOT shared", ana)
	page := "/portal/tickets/" + strconv.Itoa(id)

	owner := h.client()
	owner.login(demo.AnaEmail)
	owner.get(page, false)
	if res, _ := owner.post(page+"/participants", url.Values{"email": {demo.GinaEmail}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("share with Gina: %d", res.StatusCode)
	}
	shared := func() int {
		return h.count("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ? AND shared", id, gina)
	}
	if shared() != 1 {
		t.Fatal("Gina is not a participant")
	}

	// The ticket's own contact is offered no way to leave.
	if _, body := owner.get(page, false); strings.Contains(body, "data-leave-link") {
		t.Error("the ticket's contact is offered to stop sharing with themselves")
	}
	if res, _ := owner.get(page+"/leave", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("the contact's leave confirmation: %d, want 404", res.StatusCode)
	}
	if res, _ := owner.post(page+"/leave", nil, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("the contact's leave: %d, want 404", res.StatusCode)
	}

	p := h.client()
	p.login(demo.GinaEmail)
	_, body := p.get(page, false)
	if !strings.Contains(body, `href="/portal/tickets/`+strconv.Itoa(id)+`/leave#participants"`) || !strings.Contains(body, html.EscapeString(en.T("share.leave"))) {
		t.Fatal("the participant has no link to stop sharing")
	}
	// The confirmation is a page of its own: it works without JavaScript.
	res, body := p.get(page+"/leave", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "data-leave") || !strings.Contains(body, `action="`+page+`/leave"`) ||
		!strings.Contains(body, html.EscapeString(en.T("share.leave_confirm_body"))) {
		t.Fatalf("the confirmation: %d", res.StatusCode)
	}
	// Without the session's token nothing happens.
	if res, _ := p.post(page+"/leave", url.Values{"_csrf": {"forged"}}, false); res.StatusCode != http.StatusForbidden || shared() != 1 {
		t.Errorf("leave without the token: %d, participant rows %d", res.StatusCode, shared())
	}
	before := h.count("SELECT count(*) FROM audit_log WHERE action = 'ticket.participant_leave'")
	res, body = p.post(page+"/leave", nil, false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, html.EscapeString(en.T("share.left_title", id))) {
		t.Fatalf("leave: %d", res.StatusCode)
	}
	if shared() != 0 {
		t.Error("Gina is still a participant")
	}
	if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'ticket.participant_leave' AND actor_type = 'contact' AND actor_id = ? AND target = ?",
		gina, "ticket:"+strconv.Itoa(id)); n != 1 || n != before+1 {
		t.Errorf("audit entries of the leave: %d", n)
	}
	// The access ends at once, on the same session.
	if res, _ := p.get(page, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("the ticket after leaving: %d, want 404", res.StatusCode)
	}
	if res, _ := p.post(page+"/leave", nil, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("leaving twice: %d, want 404", res.StatusCode)
	}
	// The ticket's contact sees the change.
	if _, body := owner.get(page, false); strings.Contains(body, `data-person="`+strconv.FormatInt(gina, 10)+`"`) {
		t.Error("the contact still sees Gina among who can see the ticket")
	}

	// Ben sees Ana's ticket as everyone at Acme does: when the sharing
	// with him stops, that view stays, and the page says so.
	h.updateSettings(func(st *model.PortalSettings) { st.Permission = model.PermissionCompany })
	ben := h.contactID(demo.BenEmail)
	owner.get(page, false)
	if res, _ := owner.post(page+"/participants", url.Values{"email": {demo.BenEmail}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("share with Ben: %d", res.StatusCode)
	}
	b := h.client()
	b.login(demo.BenEmail)
	company := h.count("SELECT count(*) FROM contacts WHERE id = ? AND company_id = (SELECT company_id FROM contacts WHERE id = ?)", ben, ana)
	if company != 1 {
		t.Fatal("Ben and Ana are not at one company")
	}
	if _, body := b.get(page+"/leave", false); !strings.Contains(body, html.EscapeString(en.T("share.leave_confirm_body_company", "Acme Corp"))) {
		t.Error("the confirmation does not say Ben keeps the company's view")
	}
	res, _ = b.post(page+"/leave", nil, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"?left=1#participants" {
		t.Fatalf("Ben leaves: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.count("SELECT count(*) FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ?", id, ben); n != 0 {
		t.Error("Ben is still a participant")
	}
	res, body = b.get(page+"?left=1", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, html.EscapeString(en.T("share.left_company", "Acme Corp"))) || strings.Contains(body, "data-leave-link") {
		t.Errorf("Ben's page after leaving: %d", res.StatusCode)
	}
}
