package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"strconv"
	"strings"
	"testing"
)

func testBtReplyAndNote(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	agent := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AgentEmail)
	before := h.btTicket(22)
	msgs := func() int { return h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22") }
	anaMails := func() int {
		return h.recCount("SELECT count(*) FROM mail_outbox WHERE to_addr = ? AND kind = ?", demo.AnaEmail, mail.KindReply)
	}
	n0, mails0 := msgs(), anaMails()

	// A public reply, with an attachment, CSRF in the header.
	reply := "Please replace the print head; a courier brings it tomorrow (quokka)."
	res, body := c.btMultipartHeader("/admin/tickets/22/replies", [][2]string{{"body", reply}},
		[]upload{{"steps.txt", []byte("step one\nstep two\n")}})
	recWant(t, "reply", res, http.StatusOK)
	recFragment(t, body, "ticket-work")
	if !strings.HasPrefix(strings.TrimSpace(body), `<section id="ticket-work"`) || !strings.Contains(body, "quokka") ||
		!strings.Contains(body, recT(h, "backoffice.reply_sent")) || !strings.Contains(body, "steps.txt") {
		t.Errorf("reply fragment lacks the reply: %.300s", body)
	}
	if msgs() != n0+1 {
		t.Fatalf("messages %d, want %d", msgs(), n0+1)
	}
	if n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22 AND body = ? AND kind = ? AND direction = ? AND author_staff_id = ? AND author_contact_id IS NULL",
		reply, model.KindPublic, model.DirectionOutgoing, agent); n != 1 {
		t.Error("the reply is not a public outgoing message by the agent")
	}
	if n := h.recCount("SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.body = ? AND a.filename = 'steps.txt' AND a.ticket_id = 22", reply); n != 1 {
		t.Error("the reply's attachment is not stored")
	}
	afterReply := h.btTicket(22)
	if !afterReply.LastActivityAt.After(before.LastActivityAt) {
		t.Errorf("last activity did not move: %v → %v", before.LastActivityAt, afterReply.LastActivityAt)
	}
	if anaMails() != mails0+1 {
		t.Errorf("outbox mails to Ana: %d, want %d", anaMails(), mails0+1)
	}
	if len(h.recAudits("ticket.public", "ticket:22")) != 1 {
		t.Error("no audit entry for the reply")
	}

	// A note, CSRF in the field.
	note := "INTERNAL NOTE: customer sounded annoyed, offer a discount (wombat)."
	res, body = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", note}}, nil, true)
	recWant(t, "note", res, http.StatusOK)
	recFragment(t, body, "ticket-work")
	if !strings.Contains(body, "wombat") || !strings.Contains(body, recT(h, "backoffice.note_added")) {
		t.Error("note fragment lacks the note")
	}
	if n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22 AND body = ? AND kind = ? AND author_staff_id = ?", note, model.KindNote, agent); n != 1 {
		t.Error("the note is not stored as kind note")
	}
	if got := h.btTicket(22).LastActivityAt; !got.Equal(afterReply.LastActivityAt) {
		t.Errorf("a note moved last activity: %v → %v", afterReply.LastActivityAt, got)
	}
	if anaMails() != mails0+1 || h.recCount("SELECT count(*) FROM mail_outbox WHERE text_body LIKE '%wombat%' OR html_body LIKE '%wombat%'") != 0 {
		t.Error("a note queued mail")
	}

	// Empty body: 422 at the field, nothing stored, for both kinds.
	n1 := msgs()
	for _, kind := range []string{"replies", "notes"} {
		res, body = c.multipart("/admin/tickets/22/"+kind, [][2]string{{"body", "  \r\n "}}, []upload{{"x.txt", []byte("x")}}, true)
		recWant(t, "empty "+kind, res, http.StatusUnprocessableEntity)
		recFragment(t, body, "ticket-work")
		recInvalid(t, body, "composer-body", recT(h, "reply.body_required"))
	}
	if msgs() != n1 || h.recCount("SELECT count(*) FROM attachments WHERE filename = 'x.txt'") != 0 || anaMails() != mails0+1 {
		t.Error("an empty message stored something")
	}

	// Without htmx: 303 to the ticket's latest message.
	res, _ = c.multipart("/admin/tickets/22/notes", [][2]string{{"body", "Plain form note."}}, nil, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/tickets/22#latest" {
		t.Errorf("plain note: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = c.multipart("/admin/tickets/22/replies", [][2]string{{"body", "Plain form reply."}}, nil, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/tickets/22#latest" {
		t.Errorf("plain reply: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// The customer sees the reply and never the note.
	ana := h.client()
	ana.login(demo.AnaEmail)
	res, body = ana.get("/portal/tickets/22", false)
	recWant(t, "portal ticket 22", res, http.StatusOK)
	if !strings.Contains(body, "quokka") || !strings.Contains(body, "steps.txt") {
		t.Error("Ana does not see the reply")
	}
	if strings.Contains(body, "wombat") || strings.Contains(body, "INTERNAL NOTE") || strings.Contains(body, "Plain form note") {
		t.Error("Ana sees the note")
	}
	_, body = ana.get("/portal/tickets?status=all&q=quokka", false)
	if !containsID(rowIDs(body), 22) {
		t.Error("Ana's search does not find the reply (control)")
	}
	for _, htmx := range []bool{false, true} {
		_, body = ana.get("/portal/tickets?status=all&q=wombat", htmx)
		if containsID(rowIDs(body), 22) || strings.Contains(body, "wombat") && !strings.Contains(body, `value="wombat"`) {
			t.Errorf("Ana's search (htmx %v) finds the note", htmx)
		}
		_, body = ana.get("/portal/tickets?status=all", htmx)
		if strings.Contains(body, "wombat") || strings.Contains(body, "INTERNAL NOTE") {
			t.Errorf("Ana's list (htmx %v) leaks the note", htmx)
		}
	}
}

func testBtProperties(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	s := func(id int64) string { return strconv.FormatInt(id, 10) }
	support := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	it := h.recInt("SELECT id FROM pipelines WHERE name = 'Internal IT'")
	closedStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ?", support, true)
	onUs := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND name = 'Waiting on us'", support)
	triage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? ORDER BY position, id LIMIT 1", it)
	admin := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AdminEmail)
	before := h.btTicket(22)
	if before.Closed || before.StageID != onUs {
		t.Fatalf("ticket 22 is not open in 'Waiting on us': %+v", before)
	}

	// Bad priority or owner: 422 at the field, nothing changed.
	for _, tc := range []struct{ field, value, id string }{
		{"priority", "extreme", "p-priority"},
		{"owner", "999999", "p-owner"},
		{"owner", "-4", "p-owner"},
	} {
		v := recVals("pipeline", s(support), "stage", s(closedStage), "priority", "low", "owner", s(admin))
		v.Set(tc.field, tc.value)
		res, body := c.post("/admin/tickets/22/properties", v, true)
		recWant(t, tc.field+"="+tc.value, res, http.StatusUnprocessableEntity)
		recFragment(t, body, "ticket-props")
		recInvalid(t, body, tc.id, recT(h, "form.invalid"))
	}
	if res, body := c.post("/admin/tickets/22/properties", recVals("pipeline", "999999", "stage", s(closedStage)), true); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown pipeline: %d", res.StatusCode)
	} else {
		recInvalid(t, body, "p-pipeline", recT(h, "form.invalid"))
	}
	if got := h.btTicket(22); got.StageID != before.StageID || got.Closed || got.Priority != before.Priority ||
		fmt.Sprint(got.OwnerID != nil) != fmt.Sprint(before.OwnerID != nil) {
		t.Fatalf("a refused change was saved: %+v", got)
	}
	if len(h.recAudits("ticket.update", "ticket:22")) != 0 {
		t.Error("a refused change was audited")
	}

	// Move to the closed stage, with a new priority and owner.
	res, body := c.post("/admin/tickets/22/properties", recVals("pipeline", s(support), "stage", s(closedStage), "priority", "low", "owner", s(admin), "closed", "false", "subject", "hacked"), true)
	recWant(t, "close", res, http.StatusOK)
	recFragment(t, body, "ticket-props")
	if recSelected(body, "p-stage") != s(closedStage) {
		t.Errorf("fragment shows stage %q", recSelected(body, "p-stage"))
	}
	got := h.btTicket(22)
	if !got.Closed || got.StageID != closedStage || got.Priority != "low" || got.OwnerID == nil || *got.OwnerID != admin || got.Subject != before.Subject {
		t.Errorf("after closing: %+v", got)
	}
	audits := h.recAudits("ticket.update", "ticket:22")
	if len(audits) != 1 {
		t.Fatalf("%d audit entries", len(audits))
	}
	var b, a map[string]any
	if err := json.Unmarshal([]byte(audits[0].Before), &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(audits[0].After), &a); err != nil {
		t.Fatal(err)
	}
	if b["stage"] != float64(onUs) || a["stage"] != float64(closedStage) || b["priority"] != before.Priority || a["priority"] != "low" ||
		a["owner"] != float64(admin) || audits[0].ActorType != "staff" || audits[0].ActorID == nil {
		t.Errorf("audit before %s after %s", audits[0].Before, audits[0].After)
	}

	// The portal shows it read-only and refuses a reply.
	ana := h.client()
	ana.as(demo.AnaEmail)
	res, body = ana.get("/portal/tickets/22", false)
	recWant(t, "portal closed ticket", res, http.StatusOK)
	if strings.Contains(body, `action="/portal/tickets/22/replies"`) {
		t.Error("the portal still offers a reply form on a closed ticket")
	}
	n := h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22")
	res, _ = ana.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Reopen please"}}, nil, false)
	recWant(t, "reply to closed", res, http.StatusConflict)
	if h.recCount("SELECT count(*) FROM messages WHERE ticket_id = 22") != n {
		t.Error("a reply to a closed ticket was stored")
	}

	// A stage from another pipeline becomes the pipeline's first stage;
	// unassigning works.
	res, _ = c.post("/admin/tickets/22/properties", recVals("pipeline", s(it), "stage", s(onUs), "priority", "", "owner", "0"), true)
	recWant(t, "other pipeline", res, http.StatusOK)
	got = h.btTicket(22)
	if got.PipelineID != it || got.StageID != triage || got.Closed || got.OwnerID != nil || got.Priority != "" {
		t.Errorf("stage from another pipeline: %+v, want stage %d", got, triage)
	}
	if len(h.recAudits("ticket.update", "ticket:22")) != 2 {
		t.Error("second change not audited")
	}
	// Without htmx: 303 back to the ticket.
	res, _ = c.post("/admin/tickets/22/properties", recVals("pipeline", s(support), "stage", s(onUs)), false)
	recLocation(t, "plain properties", res, "/admin/tickets/22")
	if got := h.btTicket(22); got.StageID != onUs || got.Closed {
		t.Errorf("plain properties: %+v", got)
	}
	if res, _ := c.post("/admin/tickets/999999/properties", recVals("pipeline", s(support), "stage", s(onUs)), true); res.StatusCode != http.StatusNotFound {
		t.Errorf("properties of a missing ticket: %d", res.StatusCode)
	}
}

func testBtAssociations(t *testing.T, h *harness) {
	c := h.mlStaff(demo.AgentEmail)
	carla := h.client()
	carla.as(demo.CarlaEmail)
	if res, _ := carla.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Carla sees #22 before: %d", res.StatusCode)
	}
	carlaID := h.contactID(demo.CarlaEmail)
	assoc := func() int {
		return h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = 22 AND contact_id = ?", carlaID)
	}

	res, body := c.post("/admin/tickets/22/associations", recVals("contact_email", demo.CarlaEmail), true)
	recWant(t, "associate", res, http.StatusOK)
	recFragment(t, body, "ticket-assoc")
	if !strings.Contains(body, demo.CarlaEmail) || assoc() != 1 {
		t.Fatal("Carla is not associated")
	}
	if len(h.recAudits("ticket.associate", "ticket:22")) != 1 {
		t.Error("association not audited")
	}
	// Twice is a no-op.
	if res, _ := c.post("/admin/tickets/22/associations", recVals("contact_email", strings.ToUpper(demo.CarlaEmail)), true); res.StatusCode != http.StatusOK || assoc() != 1 {
		t.Errorf("associating twice: %d, %d rows", res.StatusCode, assoc())
	}
	res, body = carla.get("/portal/tickets/22", false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Printer shows error E42") {
		t.Errorf("Carla does not see #22 once associated: %d", res.StatusCode)
	}
	if _, body := carla.get("/portal/tickets", false); !containsID(rowIDs(body), 22) {
		t.Error("#22 is not in Carla's list")
	}

	// Unknown email or nothing at all: 422 at the field.
	total := h.recCount("SELECT count(*) FROM ticket_contacts")
	res, body = c.post("/admin/tickets/22/associations", recVals("contact_email", "nobody@example.com"), true)
	recWant(t, "unknown email", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "ticket-assoc")
	recInvalid(t, body, "assoc-email", recT(h, "backoffice.no_such_contact"))
	if recValue(body, "assoc-email") != "nobody@example.com" {
		t.Error("the typed email is not kept")
	}
	res, body = c.post("/admin/tickets/22/associations", recVals("contact_email", ""), true)
	recWant(t, "no email", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "assoc-email", recT(h, "backoffice.contact_or_company"))
	if h.recCount("SELECT count(*) FROM ticket_contacts") != total {
		t.Error("a refused association stored something")
	}

	// Remove: Carla loses access at once.
	res, body = c.post("/admin/tickets/22/associations", recVals("action", "remove", "contact_email", demo.CarlaEmail), true)
	recWant(t, "remove", res, http.StatusOK)
	if assoc() != 0 || strings.Contains(body, demo.CarlaEmail) {
		t.Error("Carla is still associated")
	}
	if res, _ := carla.get("/portal/tickets/22", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("Carla sees #22 after removal: %d", res.StatusCode)
	}
	if len(h.recAudits("ticket.dissociate", "ticket:22")) != 1 {
		t.Error("removal not audited")
	}
	// Ana keeps hers.
	if h.recCount("SELECT count(*) FROM ticket_contacts WHERE ticket_id = 22 AND contact_id = ?", h.contactID(demo.AnaEmail)) != 1 {
		t.Error("removing Carla removed Ana")
	}
}
