package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"reflect"
	"strings"
	"testing"
)

func testRecPipelines(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	pipelines := func() int { return h.recCount("SELECT count(*) FROM pipelines") }
	before := pipelines()

	res, body := c.post("/admin/pipelines", recVals("name", "", "first_stage", ""), false)
	recWant(t, "invalid pipeline", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "name", recT(h, "form.required"))
	recInvalid(t, body, "first_stage", recT(h, "form.required"))
	res, body = c.post("/admin/pipelines", recVals("name", "Onboarding", "first_stage", ""), true)
	recWant(t, "no first stage", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "pipeline-create")
	if recValue(body, "name") != "Onboarding" || pipelines() != before {
		t.Fatal("typed name lost, or a pipeline stored")
	}
	res, _ = c.post("/admin/pipelines", recVals("name", "Onboarding", "first_stage", "Kick-off"), false)
	loc := recLocation(t, "create", res, "/admin/pipelines#pipeline-")
	id := recIDFrom(t, loc, "/admin/pipelines#pipeline-")
	p, err := store.PipelineByID(ctx, h.st.DB, id)
	if err != nil || p.Name != "Onboarding" || len(p.Stages) != 1 || p.Stages[0].Name != "Kick-off" || p.Stages[0].IsClosed {
		t.Fatalf("created: %+v %v", p, err)
	}
	h.recLastAudit("pipeline.create")
	card := "pipeline-" + recItoa(id)

	// Rename: htmx gets the card back.
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", ""), true)
	recWant(t, "empty rename", res, http.StatusUnprocessableEntity)
	recFragment(t, body, card)
	recInvalid(t, body, card+"-name", recT(h, "form.required"))
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", "Customer onboarding"), true)
	recWant(t, "rename", res, http.StatusOK)
	recFragment(t, body, card)
	if !strings.Contains(body, "Customer onboarding") || !strings.Contains(body, recT(h, "records.pipeline_saved")) {
		t.Error("renamed card")
	}
	// Without JavaScript, a failed rename shows the whole page with that card as typed.
	res, body = c.post("/admin/pipelines/"+recItoa(id), recVals("name", strings.Repeat("n", 101)), false)
	recWant(t, "long rename", res, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "<html") || !strings.Contains(body, `id="pipeline-create"`) {
		t.Error("a plain failed rename gets the page")
	}
	recInvalid(t, body, card+"-name", recT(h, "form.too_long"))

	// Stages: add, validation, reorder.
	res, body = c.post("/admin/pipelines/"+recItoa(id)+"/stages", recVals("name", "", "status", "maybe"), true)
	recWant(t, "invalid stage", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, card+"-stage", recT(h, "form.required"))
	recInvalid(t, body, card+"-stage-status", recT(h, "form.invalid"))
	for _, st := range []struct{ name, status string }{{"Training", "open"}, {"Live", "closed"}} {
		res, _ = c.post("/admin/pipelines/"+recItoa(id)+"/stages", recVals("name", st.name, "status", st.status, "pipeline_id", "1"), false)
		recLocation(t, "add stage", res, "/admin/pipelines#"+card)
	}
	names := func() string {
		p, err := store.PipelineByID(ctx, h.st.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range p.Stages {
			n := s.Name
			if s.IsClosed {
				n += "*"
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "Kick-off,Training,Live*" {
		t.Fatalf("stages: %s", got)
	}
	if n := len(h.recAudits("stage.create", "stage:"+recItoa(h.recInt("SELECT id FROM stages WHERE name = 'Live'")))); n != 1 {
		t.Errorf("%d audit entries for a new stage", n)
	}
	live := h.recInt("SELECT id FROM stages WHERE name = 'Live'")
	kick := h.recInt("SELECT id FROM stages WHERE name = 'Kick-off'")
	res, _ = c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "up"), false)
	recLocation(t, "move up", res, "/admin/pipelines#"+card)
	if got := names(); got != "Kick-off,Live*,Training" {
		t.Fatalf("after moving Live up: %s", got)
	}
	c.post("/admin/stages/"+recItoa(kick)+"/move", recVals("direction", "down"), false)
	if got := names(); got != "Live*,Kick-off,Training" {
		t.Fatalf("after moving Kick-off down: %s", got)
	}
	c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "up"), false) // at the top: nothing
	if got := names(); got != "Live*,Kick-off,Training" {
		t.Fatalf("moving the first stage up: %s", got)
	}
	if res, _ := c.post("/admin/stages/"+recItoa(live)+"/move", recVals("direction", "sideways"), false); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad direction: %d", res.StatusCode)
	}
	if n := len(h.recAudits("stage.move", "stage:"+recItoa(live))) + len(h.recAudits("stage.move", "stage:"+recItoa(kick))); n != 2 {
		t.Errorf("%d stage.move audit entries, want 2", n)
	}
	// The page lists stages in their order, with move buttons.
	_, body = c.get("/admin/pipelines", false)
	iLive, iKick := strings.Index(body, `id="stage-`+recItoa(live)+`-name"`), strings.Index(body, `id="stage-`+recItoa(kick)+`-name"`)
	if iLive < 0 || iKick < iLive || !strings.Contains(body, `action="/admin/stages/`+recItoa(kick)+`/move"`) {
		t.Error("the page does not show the new order")
	}

	// Pipelines move too.
	order := func() string {
		ps, _ := store.Pipelines(ctx, h.st.DB)
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	res, _ = c.post("/admin/pipelines/"+recItoa(id)+"/move", recVals("direction", "up"), false)
	recLocation(t, "move pipeline", res, "/admin/pipelines#"+card)
	if got := order(); got != "Support pipeline,Customer onboarding,Internal IT" {
		t.Fatalf("pipelines after moving up: %s", got)
	}
	h.recLastAudit("pipeline.move")
}

func testRecStageClosed(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	stage := h.recInt("SELECT id FROM stages WHERE name = 'Waiting on customer'")
	pipeline := h.recInt("SELECT pipeline_id FROM stages WHERE id = ?", stage)
	card := "pipeline-" + recItoa(pipeline)
	inStage := h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ?", stage)
	closed := func() int {
		return h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", stage, true)
	}
	otherClosed := h.recCount("SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", stage, true)
	if inStage == 0 || closed() != 0 {
		t.Fatal("the demo has open tickets waiting on the customer")
	}
	// One of Ana's tickets in the stage, to see it read-only in the portal.
	ana := h.recContact(demo.AnaEmail)
	own := h.recInt("SELECT t.id FROM tickets AS t JOIN ticket_contacts AS tc ON tc.ticket_id = t.id WHERE tc.contact_id = ? AND t.stage_id = ? ORDER BY t.id LIMIT 1",
		ana.ID, stage)
	replyForm := `action="/portal/tickets/` + recItoa(own) + `/replies"`
	portal := h.client()
	portal.login(demo.AnaEmail)
	if _, body := portal.get("/portal/tickets/"+recItoa(own), false); !strings.Contains(body, replyForm) {
		t.Fatal("an open ticket takes replies in the portal")
	}

	// Bad input changes nothing.
	res, body := c.post("/admin/stages/"+recItoa(stage), recVals("name", "", "status", "closed"), true)
	recWant(t, "empty stage name", res, http.StatusUnprocessableEntity)
	recFragment(t, body, card)
	recInvalid(t, body, "stage-"+recItoa(stage)+"-name", recT(h, "form.required"))
	if recSelected(body, "stage-"+recItoa(stage)+"-status") != "closed" {
		t.Error("the typed status was lost")
	}
	if closed() != 0 {
		t.Fatal("a refused change closed tickets")
	}

	// Closing the stage closes its tickets, in the same change.
	res, body = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on them", "status", "closed"), true)
	recWant(t, "close stage", res, http.StatusOK)
	recFragment(t, body, card)
	if !strings.Contains(body, recT(h, "records.stage_saved_tickets", inStage)) {
		t.Errorf("no notice of %d tickets changed", inStage)
	}
	if closed() != inStage || h.recCount("SELECT count(*) FROM tickets WHERE stage_id <> ? AND closed = ?", stage, true) != otherClosed {
		t.Fatalf("tickets.closed does not mirror the stage: %d of %d closed", closed(), inStage)
	}
	st, _ := store.StageByID(ctx, h.st.DB, stage)
	if !st.IsClosed || st.Name != "Waiting on them" {
		t.Fatalf("stage: %+v", st)
	}
	e := h.recLastAudit("stage.update")
	var after map[string]any
	_ = json.Unmarshal([]byte(e.After), &after)
	if after["closed"] != true || after["tickets_changed"] != float64(inStage) || !strings.Contains(e.Before, `"closed":false`) {
		t.Errorf("audit: %+v", e)
	}
	if _, body := portal.get("/portal/tickets/"+recItoa(own), false); strings.Contains(body, replyForm) {
		t.Error("a ticket in a closed stage still takes replies in the portal")
	}

	// Reopened with a plain form.
	res, _ = c.post("/admin/stages/"+recItoa(stage), recVals("name", "Waiting on customer", "status", "open"), false)
	recLocation(t, "reopen", res, "/admin/pipelines#"+card)
	if closed() != 0 {
		t.Fatal("reopening left tickets closed")
	}

	// The last open stage of a pipeline can't close.
	triage := h.recInt("SELECT id FROM stages WHERE name = 'Triage'")
	res, body = c.post("/admin/stages/"+recItoa(triage), recVals("name", "Triage", "status", "closed"), false)
	recWant(t, "close the last open stage", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "stage-"+recItoa(triage)+"-status", recT(h, "records.last_open_stage"))
	if st, _ := store.StageByID(ctx, h.st.DB, triage); st.IsClosed {
		t.Fatal("the last open stage was closed")
	}
	if h.recCount("SELECT count(*) FROM tickets WHERE stage_id = ? AND closed = ?", triage, true) != 0 {
		t.Fatal("tickets closed with a refused change")
	}
}

func testRecInboxes(t *testing.T, h *harness) {
	c := h.recStaff(demo.AgentEmail)
	res, body := c.post("/admin/inboxes", recVals("name", "   "), true)
	recWant(t, "empty name", res, http.StatusUnprocessableEntity)
	recFragment(t, body, "inbox-create")
	recInvalid(t, body, "name", recT(h, "form.required"))
	if h.recCount("SELECT count(*) FROM inboxes") != 2 {
		t.Fatal("an inbox was stored")
	}
	res, _ = c.post("/admin/inboxes", recVals("name", "Sales"), false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/inboxes#inbox-"), "/admin/inboxes#inbox-")
	h.recLastAudit("inbox.create")
	row := "inbox-" + recItoa(id)

	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", ""), true)
	recWant(t, "empty rename", res, http.StatusUnprocessableEntity)
	recFragment(t, body, row)
	recInvalid(t, body, row+"-name", recT(h, "form.required"))
	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", strings.Repeat("s", 101)), false)
	recWant(t, "long rename", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, row+"-name", recT(h, "form.too_long"))
	if recValue(body, row+"-name") != strings.Repeat("s", 101) {
		t.Error("the typed name was lost")
	}
	res, body = c.post("/admin/inboxes/"+recItoa(id), recVals("name", "Sales team"), true)
	recWant(t, "rename", res, http.StatusOK)
	recFragment(t, body, row)
	if in, _ := store.InboxByID(context.Background(), h.st.DB, id); in.Name != "Sales team" {
		t.Fatalf("renamed: %+v", in)
	}
	if e := h.recLastAudit("inbox.rename"); !strings.Contains(e.Before, `"Sales"`) || !strings.Contains(e.After, `"Sales team"`) {
		t.Errorf("audit: %+v", e)
	}
	res, _ = c.post("/admin/inboxes/"+recItoa(id), recVals("name", "Sales"), false)
	recLocation(t, "plain rename", res, "/admin/inboxes#"+row)
	_, body = c.get("/admin/inboxes", false)
	if recValue(body, row+"-name") != "Sales" {
		t.Error("the page does not show the renamed inbox")
	}
}

func testRecFormBuilder(t *testing.T, h *harness) {
	ctx := context.Background()
	c := h.recStaff(demo.AgentEmail)
	inbox := h.recInt("SELECT min(id) FROM inboxes")
	pipeline := h.recInt("SELECT id FROM pipelines WHERE name = 'Support pipeline'")
	forms := func() int { return h.recCount("SELECT count(*) FROM forms") }
	before := forms()
	audits := func() int { return h.recCount("SELECT count(*) FROM audit_log WHERE action LIKE 'form.%'") }

	base := func(kv ...string) url.Values {
		v := recVals("name", "Bug report", "inbox", recItoa(inbox), "pipeline", recItoa(pipeline), "allow_attachments", "yes")
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	row := func(v url.Values, property, custom, label, required string) url.Values {
		v.Add("field_property", property)
		v.Add("field_custom", custom)
		v.Add("field_label", label)
		v.Add("field_required", required)
		return v
	}

	// "Add a field" re-renders with one more row and saves nothing.
	v := row(row(base(), "subject", "", "Title", "yes"), "custom", "browser", "Browser", "no")
	v.Set("add", "yes")
	res, body := c.post("/admin/forms", v, true)
	recWant(t, "add a field", res, http.StatusOK)
	recFragment(t, body, "form-editor")
	if strings.Count(body, `name="field_property"`) != 3 || recValue(body, "field-custom-1") != "browser" || recValue(body, "name") != "Bug report" {
		t.Errorf("after add: %d rows", strings.Count(body, `name="field_property"`))
	}
	if forms() != before || audits() != 0 {
		t.Fatal("adding a row saved the form")
	}

	// Validation: a subject field is required, no duplicates, custom names.
	res, body = c.post("/admin/forms", row(row(base(), "description", "", "Body", "yes"), "custom", "Bad Name!", "Other", "no"), true)
	recWant(t, "no subject", res, http.StatusUnprocessableEntity)
	if !strings.Contains(recFieldError(body, "fields"), recT(h, "records.subject_field_required")) {
		t.Error("no error for the missing subject field")
	}
	recInvalid(t, body, "field-custom-1", recT(h, "records.custom_name_invalid"))
	if recValue(body, "field-custom-1") != "bad name!" || recValue(body, "field_label_1_en") != "Other" {
		t.Error("typed rows lost")
	}
	res, body = c.post("/admin/forms", row(row(row(base(), "subject", "", "Title", "yes"), "subject", "", "Again", "no"), "custom", "x", "", "no"), false)
	recWant(t, "duplicate", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-1", recT(h, "records.field_duplicate"))
	recInvalid(t, body, "field_label_2_en", recT(h, "form.required"))
	res, body = c.post("/admin/forms", row(row(row(base(), "subject", "", "Title", "yes"), "custom", "os", "OS", "no"), "custom", "os", "OS again", "no"), true)
	recWant(t, "duplicate custom", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-custom-2", recT(h, "records.field_duplicate"))
	v = row(base(), "subject", "", "Title", "yes")
	v.Set("inbox", "0")
	v.Set("pipeline", "999999")
	res, body = c.post("/admin/forms", v, true)
	recWant(t, "no inbox", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "inbox", recT(h, "records.inbox_required"))
	recInvalid(t, body, "pipeline", recT(h, "form.invalid"))
	res, body = c.post("/admin/forms", row(row(base(), "subject", "", "Title", "yes"), "", "", "Typed label", "no"), true)
	recWant(t, "a row with no property", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-1", recT(h, "records.field_property_required"))
	if recValue(body, "field_label_1_en") != "Typed label" {
		t.Error("a row with no property was dropped with its label")
	}
	res, body = c.post("/admin/forms", row(base(), "stage", "", "Stage", "no"), true)
	recWant(t, "unknown property", res, http.StatusUnprocessableEntity)
	recInvalid(t, body, "field-property-0", recT(h, "form.invalid"))
	if forms() != before || audits() != 0 {
		t.Fatal("an invalid form was saved")
	}

	// Created; empty rows dropped; the subject always required; extra fields ignored.
	v = row(row(row(row(base("id", "1", "fields", `[{"property":"x"}]`), "subject", "", "Title", "no"), "", "", "", "no"), "custom", "browser", "Browser", "yes"), "priority", "", "How bad?", "no")
	res, _ = c.post("/admin/forms", v, false)
	id := recIDFrom(t, recLocation(t, "create", res, "/admin/forms/"), "/admin/forms/")
	f, err := store.FormByID(ctx, h.st.DB, id)
	if err != nil || id == 1 || f.Name != "Bug report" || f.InboxID != inbox || f.PipelineID != pipeline || !f.AllowAttachments || len(f.Fields) != 3 {
		t.Fatalf("created: %+v %v", f, err)
	}
	want := []model.FormField{{Property: "subject", Label: model.Text{"en": "Title"}, Required: true}, {Property: "custom:browser", Label: model.Text{"en": "Browser"}, Required: true},
		{Property: "priority", Label: model.Text{"en": "How bad?"}}}
	for i, w := range want {
		if !reflect.DeepEqual(f.Fields[i], w) {
			t.Errorf("field %d: %+v, want %+v", i, f.Fields[i], w)
		}
	}
	if e := h.recLastAudit("form.create"); e.Target != "form:"+recItoa(id) || !strings.Contains(e.After, "custom:browser") {
		t.Errorf("audit: %+v", e)
	}

	// The builder shows the stored form; edited.
	_, body = c.get("/admin/forms/"+recItoa(id), false)
	if recSelected(body, "field-property-1") != "custom" || recValue(body, "field-custom-1") != "browser" || recSelected(body, "field-required-1") != "yes" {
		t.Error("the builder does not show the stored fields")
	}
	path := "/admin/forms/" + recItoa(id)
	v = row(row(recVals("name", "Bug reports", "inbox", recItoa(inbox), "pipeline", recItoa(pipeline)), "subject", "", "Summary", "yes"), "category", "", "Area", "no")
	v.Set("add", "yes")
	res, body = c.post(path, v, false)
	recWant(t, "add on edit", res, http.StatusOK)
	if strings.Count(body, `name="field_property"`) != 3 {
		t.Error("add on edit")
	}
	if f2, _ := store.FormByID(ctx, h.st.DB, id); f2.Name != "Bug report" {
		t.Fatal("adding a row saved the edit")
	}
	v.Del("add")
	row(v, "custom", "os", "OS", "no")
	v.Add("field_remove", "2") // the row just added goes again
	res, body = c.post(path, v, true)
	recWant(t, "edit", res, http.StatusOK)
	recFragment(t, body, "form-editor")
	f2, _ := store.FormByID(ctx, h.st.DB, id)
	if f2.Name != "Bug reports" || f2.AllowAttachments || len(f2.Fields) != 2 || f2.Fields[1].Property != "category" {
		t.Fatalf("edited: %+v", f2)
	}
	if e := h.recLastAudit("form.update"); !strings.Contains(e.Before, "custom:browser") || strings.Contains(e.After, "custom:browser") {
		t.Errorf("audit: %+v", e)
	}
	_, body = c.get("/admin/forms", false)
	if !strings.Contains(body, `href="/admin/forms/`+recItoa(id)+`"`) || !strings.Contains(body, "Bug reports") {
		t.Error("the forms page does not list the form")
	}
}
