package web

import (
	"context"
	"fmt"
	"net/http"
	"net/smtp"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/demo"
)

func TestSolveReopenSQLite(t *testing.T) {
	t.Parallel()
	testSolveReopen(t, false)
}

func TestSolveReopenPostgresRedis(t *testing.T) {
	t.Parallel()
	testSolveReopen(t, true)
}

// svKeysInStep checks that the visibility rows and counts agree with the
// tickets after a change of stage.
func svKeysInStep(t *testing.T, h *harness, when string) {
	t.Helper()
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		if n := h.count(`SELECT count(*) FROM ` + table + ` AS r JOIN tickets AS t ON t.id = r.ticket_id
			JOIN stages AS s ON s.id = t.stage_id
			WHERE r.hidden <> t.hidden OR r.closed <> t.closed OR r.last_activity_at <> t.last_activity_at OR r.status_key <> s.name`); n != 0 {
			t.Errorf("%s: %d %s rows out of step", when, n, table)
		}
	}
	if n := h.count(`SELECT count(*) FROM (
		SELECT 1 AS owner_kind, contact_id AS owner_id, closed, count(*) AS n FROM ticket_contacts WHERE NOT hidden AND NOT shared GROUP BY contact_id, closed
		UNION ALL SELECT 2, company_id, closed, count(*) FROM ticket_companies WHERE NOT hidden GROUP BY company_id, closed
		EXCEPT SELECT owner_kind, owner_id, closed, n FROM visibility_counts) AS d`); n != 0 {
		t.Errorf("%s: %d visibility counts out of step", when, n)
	}
}

// svPeople is a ticket's contacts, participants and companies, as text.
func svPeople(h *harness, id int64) string {
	var rows []string
	err := h.st.DB.NewRaw(`SELECT 'c' || contact_id || ':' || CASE WHEN shared THEN 's' ELSE 'o' END FROM ticket_contacts WHERE ticket_id = ?
		UNION ALL SELECT 'k' || company_id FROM ticket_companies WHERE ticket_id = ? ORDER BY 1`, id, id).Scan(context.Background(), &rows)
	if err != nil {
		h.t.Fatal(err)
	}
	return strings.Join(rows, ",")
}

var svLocation = regexp.MustCompile(`/portal/tickets/(\d+)`)

func testSolveReopen(t *testing.T, postgres bool) {
	h, m, smtpAddr := ptHarness(t, postgres)
	const id = int64(22) // Ana's, open, in the support pipeline
	pipeline := int64(h.count("SELECT pipeline_id FROM tickets WHERE id = 22"))
	stage := func(name string) int64 {
		return int64(h.count("SELECT id FROM stages WHERE pipeline_id = ? AND name = ?", pipeline, name))
	}
	ticketStage := func(tid int64) (int64, bool) {
		return int64(h.count("SELECT stage_id FROM tickets WHERE id = ?", tid)), h.count("SELECT count(*) FROM tickets WHERE id = ? AND closed", tid) == 1
	}
	messages := func(tid int64) int { return h.count("SELECT count(*) FROM messages WHERE ticket_id = ?", tid) }

	ana := h.mlContact(demo.AnaEmail)
	// Ben takes part, so that a follow-up must keep him.
	if res, _ := ana.post("/portal/tickets/22/participants", url.Values{"email": {ben}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sharing with Ben: %d", res.StatusCode)
	}
	people := svPeople(h, id)

	// The settings on the pipelines page, with errors at the field.
	admin := h.mlStaff(demo.AdminEmail)
	if res, _ := admin.post(fmt.Sprintf("/admin/pipelines/%d/stages", pipeline), url.Values{"name": {"Solved"}, "status": {"closed"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding the Solved stage: %d", res.StatusCode)
	}
	_, body := admin.get("/admin/pipelines", false)
	if !strings.Contains(body, "Stage a customer&#39;s &#34;solved&#34; moves to") && !strings.Contains(body, `Stage a customer&#39;s &#34;solved&#34;`) {
		t.Errorf("the pipelines page lacks the solve settings")
	}
	bad := url.Values{"solve_stage": {recItoa(stage("New"))}, "reopen_stage": {recItoa(stage("Closed"))},
		"reopen_policy": {"reopen"}, "reopen_days": {"soon"}}
	for _, htmx := range []bool{false, true} {
		res, body := admin.post(fmt.Sprintf("/admin/pipelines/%d/solve", pipeline), bad, htmx)
		p := fmt.Sprintf("pipeline-%d-", pipeline)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+p+`solve-stage-error"`) ||
			!strings.Contains(body, `id="`+p+`reopen-stage-error"`) || !strings.Contains(body, `id="`+p+`reopen-days-error"`) ||
			!strings.Contains(body, `value="soon"`) || !strings.Contains(body, "Enter a whole number of days") {
			t.Errorf("htmx=%v: bad settings: %d", htmx, res.StatusCode)
		}
	}
	if n := h.count("SELECT count(*) FROM pipelines WHERE id = ? AND solve_stage_id IS NULL AND reopen_policy = ''", pipeline); n != 1 {
		t.Fatal("bad settings were saved")
	}
	setPolicy := func(policy string, days int, reopenStage string) {
		t.Helper()
		res, _ := admin.post(fmt.Sprintf("/admin/pipelines/%d/solve", pipeline), url.Values{"solve_stage": {recItoa(stage("Solved"))},
			"reopen_stage": {reopenStage}, "reopen_policy": {policy}, "reopen_days": {fmt.Sprint(days)}}, false)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving the settings: %d", res.StatusCode)
		}
	}
	setPolicy("", 0, "")
	solve := func(tid int64) {
		t.Helper()
		res, _ := ana.post(fmt.Sprintf("/portal/tickets/%d/solve", tid), nil, false)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "solved=1") {
			t.Fatalf("solving #%d: %d", tid, res.StatusCode)
		}
	}

	// Someone who can't see the ticket can't solve it.
	carla := h.mlContact(demo.CarlaEmail)
	for _, method := range []string{"GET", "POST"} {
		var res *http.Response
		if method == "GET" {
			res, _ = carla.get("/portal/tickets/22/solve", false)
		} else {
			res, _ = carla.post("/portal/tickets/22/solve", nil, false)
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s by a stranger: %d", method, res.StatusCode)
		}
	}
	if _, closed := ticketStage(id); closed {
		t.Fatal("a stranger solved the ticket")
	}

	// The confirmation step, then solving: the ticket moves to the chosen
	// closed stage, leaves the open list, and the keys follow.
	_, body = ana.get("/portal/tickets/22", false)
	if !strings.Contains(body, `href="/portal/tickets/22/solve#solve"`) {
		t.Errorf("no solve button")
	}
	if _, body = ana.get("/portal/tickets/22/solve", false); !strings.Contains(body, `action="/portal/tickets/22/solve"`) || !strings.Contains(body, "Yes, mark as solved") {
		t.Errorf("no confirmation step")
	}
	if _, closed := ticketStage(id); closed {
		t.Fatal("the confirmation page solved the ticket")
	}
	if _, body = ana.get("/portal/tickets?status=open", false); !containsID(rowIDs(body), id) {
		t.Fatal("#22 not in the open list before")
	}
	solve(id)
	if st, closed := ticketStage(id); st != stage("Solved") || !closed {
		t.Errorf("after solving: stage %d closed %v, want %d", st, closed, stage("Solved"))
	}
	if _, body = ana.get("/portal/tickets?status=open", false); containsID(rowIDs(body), id) {
		t.Error("#22 still in the open list")
	}
	if _, body = ana.get("/portal/tickets?status=closed", false); !containsID(rowIDs(body), id) {
		t.Error("#22 not in the closed list")
	}
	if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'ticket.solve' AND target = 'ticket:22' AND actor_type = 'contact'"); n != 1 {
		t.Errorf("%d audit entries of the solve", n)
	}
	if n := h.count("SELECT count(*) FROM tickets WHERE id = 22 AND closed_at IS NOT NULL"); n != 1 {
		t.Error("solving did not record the closing time")
	}
	svKeysInStep(t, h, "after solving")

	// Read-only (the default): a reply is refused, and what was typed stays.
	before := messages(id)
	for _, htmx := range []bool{false, true} {
		res, body := ana.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Actually, one more thing"}}, nil, htmx)
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Closed tickets can&#39;t be answered") || !strings.Contains(body, "Actually, one more thing</textarea>") {
			t.Errorf("htmx=%v: read-only refusal: %d", htmx, res.StatusCode)
		}
	}
	if messages(id) != before {
		t.Error("a reply to a read-only ticket was stored")
	}

	// Reopen within 7 days, to "Waiting on us".
	setPolicy("reopen", 7, recItoa(stage("Waiting on us")))
	if _, body = ana.get("/portal/tickets/22", false); !strings.Contains(body, "A reply reopens this ticket.") {
		t.Error("the closed ticket does not say a reply reopens it")
	}
	res, _ := ana.multipart("/portal/tickets/22/replies", [][2]string{{"body", "It broke again"}}, nil, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/tickets/22?") {
		t.Fatalf("reply within the days: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if st, closed := ticketStage(id); st != stage("Waiting on us") || closed || messages(id) != before+1 {
		t.Errorf("not reopened: stage %d closed %v", st, closed)
	}
	if n := h.count("SELECT count(*) FROM tickets WHERE id = 22 AND closed_at IS NULL"); n != 1 {
		t.Error("reopening kept the closing time")
	}
	svKeysInStep(t, h, "after reopening")

	// After the days: a follow-up with the same people.
	solve(id)
	h.exec("UPDATE tickets SET closed_at = ? WHERE id = 22", time.Now().UTC().AddDate(0, 0, -8))
	res, _ = ana.multipart("/portal/tickets/22/replies", [][2]string{{"body", "New problem with the same printer"}}, nil, false)
	mm := svLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || mm == nil || mm[1] == "22" || !strings.Contains(res.Header.Get("Location"), "followup=1") {
		t.Fatalf("reply after the days: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var follow int64
	fmt.Sscan(mm[1], &follow)
	if _, closed := ticketStage(id); !closed {
		t.Error("the old ticket reopened")
	}
	if st, closed := ticketStage(follow); st != stage("Waiting on us") || closed || messages(follow) != 1 {
		t.Errorf("follow-up: stage %d closed %v, %d messages", st, closed, messages(follow))
	}
	if got := svPeople(h, follow); got != people {
		t.Errorf("follow-up people %q, want %q", got, people)
	}
	if _, body = ana.get(fmt.Sprintf("/portal/tickets/%d", follow), false); !strings.Contains(body, `Follow-up to <a href="/portal/tickets/22"`) {
		t.Error("the follow-up does not link back")
	}
	if _, body = ana.get("/portal/tickets/22", false); !strings.Contains(body, fmt.Sprintf(`Followed up in <a href="/portal/tickets/%d"`, follow)) {
		t.Error("the old ticket does not link to its follow-up")
	}
	bn := h.mlContact(demo.BenEmail)
	if res, _ := bn.get(fmt.Sprintf("/portal/tickets/%d", follow), false); res.StatusCode != http.StatusOK {
		t.Errorf("the participant can't see the follow-up: %d", res.StatusCode)
	}
	if res, _ := carla.get(fmt.Sprintf("/portal/tickets/%d", follow), false); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger sees the follow-up: %d", res.StatusCode)
	}
	_, body = admin.get(fmt.Sprintf("/admin/tickets/%d", follow), false)
	if !strings.Contains(body, `Follow-up to <a href="/admin/tickets/22"`) {
		t.Error("the back office does not link the follow-up back")
	}
	svKeysInStep(t, h, "after a follow-up")

	// Days 0: always a follow-up, however recent the close.
	setPolicy("reopen", 0, "")
	solve(follow)
	res, _ = ana.multipart(fmt.Sprintf("/portal/tickets/%d/replies", follow), [][2]string{{"body", "And again"}}, nil, false)
	if mm := svLocation.FindStringSubmatch(res.Header.Get("Location")); res.StatusCode != http.StatusSeeOther || mm == nil || mm[1] == recItoa(follow) {
		t.Errorf("days 0: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// Email replies follow the same policy.
	anaID := h.contactID(demo.AnaEmail)
	sendMail := func(text string) error {
		return smtp.SendMail(smtpAddr, nil, demo.AnaEmail, []string{m.ReplyAddress(id, anaID)}, []byte("Subject: Re\r\n\r\n"+text+"\r\n"))
	}
	setPolicy("", 0, "")
	before = messages(id)
	if err := sendMail("By mail, read-only"); err == nil || messages(id) != before {
		t.Errorf("a mail reply to a read-only ticket was taken: %v", err)
	}
	setPolicy("reopen", 7, "")
	h.exec("UPDATE tickets SET closed_at = ? WHERE id = 22", time.Now().UTC())
	if err := sendMail("By mail, reopen"); err != nil {
		t.Fatalf("mail reply within the days: %v", err)
	}
	if st, closed := ticketStage(id); closed || st != stage("New") || messages(id) != before+1 {
		t.Errorf("mail did not reopen: stage %d closed %v", st, closed)
	}
	solve(id)
	h.exec("UPDATE tickets SET closed_at = ? WHERE id = 22", time.Now().UTC().AddDate(0, 0, -30))
	ups := h.count("SELECT count(*) FROM tickets WHERE follow_up_of = 22")
	if err := sendMail("By mail, much later"); err != nil {
		t.Fatalf("mail reply after the days: %v", err)
	}
	if n := h.count("SELECT count(*) FROM tickets WHERE follow_up_of = 22"); n != ups+1 {
		t.Errorf("no follow-up by mail: %d", n)
	}
	latest := int64(h.count("SELECT max(id) FROM tickets WHERE follow_up_of = 22"))
	if got := svPeople(h, latest); got != people || messages(latest) != 1 {
		t.Errorf("mail follow-up people %q, want %q", got, people)
	}
	svKeysInStep(t, h, "after mail")

	// An agent may always reopen, whatever the policy.
	setPolicy("", 0, recItoa(stage("Waiting on us")))
	_, body = admin.get("/admin/tickets/22", false)
	if !strings.Contains(body, `action="/admin/tickets/22/reopen"`) {
		t.Error("no reopen button in the back office")
	}
	if res, _ := admin.post("/admin/tickets/22/reopen", nil, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reopen: %d", res.StatusCode)
	}
	if st, closed := ticketStage(id); closed || st != stage("Waiting on us") {
		t.Errorf("agent reopen: stage %d closed %v", st, closed)
	}
	if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'ticket.reopen' AND target = 'ticket:22' AND actor_type = 'staff'"); n != 1 {
		t.Errorf("%d audit entries of the agent's reopen", n)
	}
	svKeysInStep(t, h, "after the agent's reopen")
}
