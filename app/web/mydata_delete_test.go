package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/store"
)

func TestMyDataDeletionSQLite(t *testing.T) {
	t.Parallel()
	h, _, _ := ptHarness(t, false)
	testMyDataDeletion(t, h)
}

func TestMyDataDeletionPostgresRedis(t *testing.T) {
	t.Parallel()
	h, _, _ := ptHarness(t, true)
	testMyDataDeletion(t, h)
}

func testMyDataDeletion(t *testing.T, h *harness) {
	benID, anaID := h.contactID(demo.BenEmail), h.contactID(demo.AnaEmail)
	ben := h.client()
	ben.as(demo.BenEmail)
	benOther := h.client() // a second session of Ben's, ended by the erasure
	benOther.as(demo.BenEmail)

	// Ben shares one of his tickets with Ana and replies there with a file.
	var tid int64
	if err := h.st.DB.NewRaw(`SELECT tc.ticket_id FROM ticket_contacts AS tc JOIN tickets AS t ON t.id = tc.ticket_id
		WHERE tc.contact_id = ? AND NOT tc.shared AND NOT tc.hidden AND NOT t.closed
		AND NOT EXISTS (SELECT 1 FROM ticket_contacts AS o WHERE o.ticket_id = tc.ticket_id AND o.contact_id = ?)
		ORDER BY tc.ticket_id LIMIT 1`, benID, anaID).Scan(t.Context(), &tid); err != nil {
		t.Fatalf("an open ticket of Ben's alone: %v", err)
	}
	ts := strconv.FormatInt(tid, 10)
	if res, _ := ben.post("/portal/tickets/"+ts+"/participants", url.Values{"email": {demo.AnaEmail}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("share with Ana: %d", res.StatusCode)
	}
	secret := "Private reply from Ben 7f3a"
	if res, _ := ben.multipart("/portal/tickets/"+ts+"/replies", [][2]string{{"body", secret}},
		[]upload{{name: "ben-notes.txt", data: []byte("ben's file")}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	ana := h.client()
	ana.as(demo.AnaEmail)
	if _, page := ana.get("/portal/tickets/"+ts, false); !strings.Contains(page, secret) {
		t.Fatal("Ana does not see Ben's reply on the shared ticket")
	}
	h.exec("UPDATE consent_records SET ip = '203.0.113.9' WHERE contact_id = ?", benID)

	// Another contact's download is their own, whatever the query says.
	if e := mdDownload(t, ana); e.Profile.ID != anaID {
		t.Errorf("Ana's export is of contact %d", e.Profile.ID)
	}

	// The request: a confirmation is required.
	_, page := ben.get("/portal/me/data", false)
	if !strings.Contains(page, `action="/portal/me/delete"`) {
		t.Fatal("the Your data page has no deletion form")
	}
	res, page := ben.post("/portal/me/delete", nil, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="confirm-error"`) {
		t.Fatalf("unconfirmed request: %d", res.StatusCode)
	}
	if n := h.count("SELECT COUNT(*) FROM deletion_requests"); n != 0 {
		t.Fatalf("an unconfirmed request was recorded (%d)", n)
	}
	for i := 0; i < 2; i++ {
		if res, _ := ben.post("/portal/me/delete", url.Values{"confirm": {"1"}}, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	if _, page := ben.get("/portal/me/data?requested=1", false); !strings.Contains(page, `id="deletion-status"`) || strings.Contains(page, `action="/portal/me/delete"`) {
		t.Error("after the request, the page does not say it is pending")
	}
	if n := h.count("SELECT COUNT(*) FROM deletion_requests WHERE contact_id = ? AND erased_at IS NULL", benID); n != 1 {
		t.Errorf("%d pending requests, want 1", n)
	}
	if n := h.count("SELECT COUNT(*) FROM audit_log WHERE action = 'contact.deletion_requested' AND actor_type = 'contact' AND actor_id = ?", benID); n != 1 {
		t.Errorf("%d audit entries of the request, want 1", n)
	}
	// The mail goes to the staff who may change the settings, and only them.
	if n := h.count("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'deletion_request' AND to_addr = ?", demo.AdminEmail); n != 1 {
		t.Errorf("%d mails to the admin, want 1", n)
	}
	if n := h.count("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'deletion_request' AND to_addr = ?", demo.AgentEmail); n != 0 {
		t.Errorf("an agent without the settings permission got %d mails", n)
	}
	if n := h.count("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'deletion_request' AND text_body LIKE ?", "%/admin/contacts/"+strconv.FormatInt(benID, 10)+"%"); n != 1 {
		t.Errorf("the mail does not link the contact's page (%d)", n)
	}

	// The back office lists it; an agent may not see the list nor erase.
	admin := h.recStaff(demo.AdminEmail)
	if _, page := admin.get("/admin/contacts/deletion-requests", false); !strings.Contains(page, `href="/admin/contacts/`+strconv.FormatInt(benID, 10)+`"`) {
		t.Error("the deletion requests page does not list Ben")
	}
	if _, page := admin.get("/admin/contacts/"+strconv.FormatInt(benID, 10), false); !strings.Contains(page, `id="deletion-pending"`) {
		t.Error("Ben's contact page does not show the pending request")
	}
	agent := h.recStaff(demo.AgentEmail)
	if res, _ := agent.get("/admin/contacts/deletion-requests", false); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent gets the requests page: %d", res.StatusCode)
	}
	if res, _ := agent.post("/admin/contacts/"+strconv.FormatInt(benID, 10)+"/erase", url.Values{"confirm": {"1"}}, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent may erase: %d", res.StatusCode)
	}
	cp := "/admin/contacts/" + strconv.FormatInt(benID, 10)
	if res, page := admin.post(cp+"/erase", nil, false); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="erase_confirm-error"`) {
		t.Fatalf("unconfirmed erasure: %d", res.StatusCode)
	}
	if n := h.count("SELECT COUNT(*) FROM contacts WHERE id = ? AND email = ?", benID, demo.BenEmail); n != 1 {
		t.Fatal("an unconfirmed erasure changed the contact")
	}
	descQ := `SELECT COUNT(*) FROM tickets AS t WHERE EXISTS (SELECT 1 FROM messages AS m
		WHERE m.ticket_id = t.id AND m.author_contact_id = ? AND m.body = t.description)`
	if h.count(descQ, benID) == 0 {
		t.Fatal("no ticket repeats a message of Ben's as its description; the check proves nothing")
	}
	if res, _ := admin.post(cp+"/erase", url.Values{"confirm": {"1"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("erase: %d", res.StatusCode)
	}

	// Anonymised.
	ct, err := store.ContactByID(t.Context(), h.st.DB, benID)
	if err != nil {
		t.Fatal(err)
	}
	if ct.Name != store.ErasedName(benID) || ct.Email != store.ErasedEmail(benID) || ct.PasswordHash != "" || !ct.Disabled {
		t.Errorf("erased contact: %q %q hash=%v disabled=%v", ct.Name, ct.Email, ct.PasswordHash != "", ct.Disabled)
	}
	for q, want := range map[string]int{
		"SELECT COUNT(*) FROM contact_identities WHERE contact_id = ?":                                                  0,
		"SELECT COUNT(*) FROM consent_records WHERE contact_id = ? AND ip <> ''":                                        0,
		"SELECT COUNT(*) FROM messages WHERE author_contact_id = ? AND body <> '" + store.ErasedBody + "'":              0,
		"SELECT COUNT(*) FROM attachments AS a JOIN messages AS m ON m.id = a.message_id WHERE m.author_contact_id = ?": 0,
		"SELECT COUNT(*) FROM deletion_requests WHERE contact_id = ? AND erased_at IS NULL":                             0,
		"SELECT COUNT(*) FROM audit_log WHERE action = 'contact.erased' AND target = 'contact:' || ?":                   1,
	} {
		if n := h.count(q, benID); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
	if n := h.count(descQ+" AND t.description <> '"+store.ErasedBody+"'", benID); n != 0 {
		t.Errorf("%d tickets still repeat a message of Ben's as their description", n)
	}
	if n := h.count("SELECT COUNT(*) FROM messages WHERE body LIKE ?", "%"+secret+"%"); n != 0 {
		t.Error("Ben's reply text is still stored")
	}
	if n := h.count("SELECT COUNT(*) FROM attachments WHERE filename = 'ben-notes.txt'"); n != 0 {
		t.Error("Ben's file is still stored")
	}
	// Both of Ben's sessions ended at once.
	for i, c := range []*client{ben, benOther} {
		if res, _ := c.get("/portal/tickets", false); res.StatusCode == http.StatusOK {
			t.Errorf("Ben's session %d still opens the portal", i)
		}
	}
	// Ana still has the shared ticket, whole, with the neutral text.
	res, page = ana.get("/portal/tickets/"+ts, false)
	if res.StatusCode != http.StatusOK || strings.Contains(page, secret) || !strings.Contains(page, "removed at the request of its author") {
		t.Errorf("Ana's view of the shared ticket after the erasure: %d", res.StatusCode)
	}
	if n := h.count("SELECT COUNT(*) FROM tickets WHERE id = ?", tid); n != 1 {
		t.Error("the ticket is gone")
	}
	// A reader who reads Spanish reads the neutral text in Spanish.
	var lang string
	if err := h.st.DB.NewRaw("SELECT language FROM contacts WHERE id = ?", anaID).Scan(t.Context(), &lang); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.DB.NewRaw("UPDATE contacts SET language = 'es' WHERE id = ?", anaID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, page := ana.get("/portal/tickets/"+ts, false); !strings.Contains(page, "se eliminó a petición de su autor") || strings.Contains(page, "removed at the request") {
		t.Error("a Spanish reader does not get the neutral text in Spanish")
	}
	if _, err := h.st.DB.NewRaw("UPDATE contacts SET language = ? WHERE id = ?", lang, anaID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	if e := mdDownload(t, ana); !mdHasTicket(e, tid) {
		t.Error("Ana's export lost the shared ticket")
	}

	// With the switch off, customers may not ask.
	if _, page := admin.get("/admin/portal", false); !strings.Contains(page, `name="self_deletion" value="1" class="mt-1" aria-describedby="self_deletion-hint" checked`) {
		t.Error("the settings page does not show the switch on by default")
	}
	perm, _, err := store.Settings(t.Context(), h.st.DB)
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := admin.post("/admin/portal/permissions", url.Values{"permission": {perm.Permission}}, true); res.StatusCode != http.StatusOK {
		t.Fatalf("saving the switch off: %d", res.StatusCode)
	}
	if perm, _, _ = store.Settings(t.Context(), h.st.DB); !perm.MyData.NoSelfDeletion {
		t.Fatal("the switch was not saved off")
	}
	if _, page := ana.get("/portal/me/data", false); strings.Contains(page, `action="/portal/me/delete"`) {
		t.Error("the form shows with the switch off")
	}
	if res, _ := ana.post("/portal/me/delete", url.Values{"confirm": {"1"}}, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("a request with the switch off: %d", res.StatusCode)
	}
	if n := h.count("SELECT COUNT(*) FROM deletion_requests WHERE contact_id = ?", anaID); n != 0 {
		t.Error("a request was recorded with the switch off")
	}
}

func mdHasTicket(e mdExport, id int64) bool {
	for _, tk := range e.Tickets {
		if tk.ID == id {
			return true
		}
	}
	return false
}
