package web

import (
	"net/http"
	"net/url"
	"testing"
)

// An agent who opts out gets no email about customers' replies; the other
// staff still do, and opting back in restores it.
func TestStaffNotificationOptOut(t *testing.T) {
	h := newHarness(t)
	agent := h.recStaff("agent@example.com")
	mails := func(to string) int {
		return h.recCount("SELECT count(*) FROM mail_outbox WHERE to_addr = ?", to)
	}
	res, _ := agent.post("/admin/me/notifications", url.Values{}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("opt out: %d", res.StatusCode)
	}
	if h.recCount("SELECT count(*) FROM staff_users WHERE email = 'agent@example.com' AND notify_opt_out = ?", true) != 1 {
		t.Fatal("the choice is not stored")
	}
	ana := h.client()
	ana.login("ana@acme.example")
	reply := func(text string) {
		t.Helper()
		ana.get("/portal/tickets/22", false)
		if res, _ := ana.post("/portal/tickets/22/replies", url.Values{"body": {text}}, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reply: %d", res.StatusCode)
		}
	}
	agentBefore, adminBefore := mails("agent@example.com"), mails("admin@example.com")
	reply("First question while the agent opted out")
	if mails("agent@example.com") != agentBefore {
		t.Error("an agent who opted out was emailed")
	}
	if mails("admin@example.com") != adminBefore+1 {
		t.Errorf("the admin, who did not opt out, gets one mail: %d → %d", adminBefore, mails("admin@example.com"))
	}
	if res, _ := agent.post("/admin/me/notifications", url.Values{"notify": {"on"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("opt in: %d", res.StatusCode)
	}
	reply("Second question after opting back in")
	if mails("agent@example.com") != agentBefore+1 {
		t.Errorf("after opting in the agent gets one mail: %d → %d", agentBefore, mails("agent@example.com"))
	}
}
