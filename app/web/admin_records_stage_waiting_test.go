package web

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/store"
)

// stwRowBadge finds, in a portal ticket list, the badge of ticket id's
// row: its kind (open, waiting or closed) and its text.
func stwRowBadge(body string, id int64) (kind, text string) {
	href := `href="/portal/tickets/` + recItoa(id) + `"`
	for _, row := range regexp.MustCompile(`(?s)<tr>.*?</tr>`).FindAllString(body, -1) {
		if strings.Contains(row, href) {
			if m := regexp.MustCompile(`<span class="badge (\w+)">([^<]*)</span>`).FindStringSubmatch(row); m != nil {
				return m[1], m[2]
			}
		}
	}
	return "", ""
}

// testRecStageWaiting: a stage's status is open, waiting on the customer
// or closed; the portal shows a ticket in a waiting stage as "waiting on
// you", with its own badge.
func testRecStageWaiting(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	stage := h.recInt("SELECT id FROM stages WHERE name = 'Waiting on customer'")
	pipeline := h.recInt("SELECT pipeline_id FROM stages WHERE id = ?", stage)
	ana := h.recContact(demo.AnaEmail)
	own := h.recInt("SELECT t.id FROM tickets AS t JOIN ticket_contacts AS tc ON tc.ticket_id = t.id WHERE tc.contact_id = ? AND t.stage_id = ? ORDER BY t.id LIMIT 1",
		ana.ID, stage)
	portal := h.client()
	portal.login(demo.AnaEmail)

	// The demo's stage waits on the customer.
	if st, _ := store.StageByID(ctx, h.st.DB, stage); !st.WaitsOnCustomer {
		t.Fatalf("the demo's %q stage does not wait on the customer", st.Name)
	}
	_, body := c.get("/admin/pipelines", false)
	if got := recSelected(body, "stage-"+recItoa(stage)+"-status"); got != "waiting" {
		t.Errorf("the pipelines page shows the stage as %q, want waiting", got)
	}
	_, body = portal.get("/portal/tickets", false)
	if kind, text := stwRowBadge(body, own); kind != "waiting" || text != recT(h, "status.waiting") {
		t.Errorf("ticket #%d in the portal list: badge %q %q, want waiting %q", own, kind, text, recT(h, "status.waiting"))
	}
	_, body = portal.get("/portal/tickets/"+recItoa(own), false)
	if !strings.Contains(body, `<span class="badge waiting">`+recT(h, "status.waiting")+`</span>`) {
		t.Error("the ticket page shows no waiting badge")
	}

	// Set back to plain open: the ticket is open again in the portal.
	res, _ := c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on customer", "status", "open"), true)
	recWant(t, "stage open", res, http.StatusOK)
	if st, _ := store.StageByID(ctx, h.st.DB, stage); st.WaitsOnCustomer || st.IsClosed {
		t.Fatalf("stage after open: %+v", st)
	}
	_, body = portal.get("/portal/tickets", false)
	if kind, text := stwRowBadge(body, own); kind != "open" || text != recT(h, "status.open") {
		t.Errorf("ticket #%d after the stage opened: badge %q %q", own, kind, text)
	}

	// And waiting once more, with the change in the audit log.
	res, _ = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on customer", "status", "waiting"), true)
	recWant(t, "stage waiting", res, http.StatusOK)
	if st, _ := store.StageByID(ctx, h.st.DB, stage); !st.WaitsOnCustomer || st.IsClosed {
		t.Fatalf("stage after waiting: %+v", st)
	}
	e := h.recLastAudit("stage.update")
	var after map[string]any
	_ = json.Unmarshal([]byte(e.After), &after)
	if after["waits_on_customer"] != true || strings.Contains(e.Before, "waits_on_customer") {
		t.Errorf("audit: %+v", e)
	}

	// A new stage may wait on the customer from the start.
	res, _ = c.post("/admin/pipelines/"+recItoa(pipeline)+"/stages", recVals("name", "Waiting on a signature", "status", "waiting"), true)
	recWant(t, "new waiting stage", res, http.StatusOK)
	if n := h.recCount("SELECT count(*) FROM stages WHERE name = 'Waiting on a signature' AND waits_on_customer = ? AND is_closed = ?", true, false); n != 1 {
		t.Errorf("%d new waiting stages, want 1", n)
	}

	// Anything else is refused at the field.
	res, body = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on customer", "status", "pending"), true)
	recWant(t, "unknown status", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "stage-"+recItoa(stage)+"-status", recT(h, "form.invalid"))
}
