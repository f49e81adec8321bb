package store_test

import (
	"context"
	"reflect"
	"testing"

	"portico/app/model"
	"portico/app/store"
)

// testOldTexts runs on an empty database: settings and consent versions
// written before texts had languages, as single strings, still load, and
// texts saved per language come back the same.
func testOldTexts(t *testing.T, st *store.Store) {
	ctx := context.Background()
	db := st.DB
	old := `{"enabled":true,"title":"Acme Help","language":"en","languages":["en","es"],` +
		`"menu":[{"label":"Status","url":"/status"}],"pages":{"login":{"heading":"Welcome","intro":""}}}`
	if _, err := db.ExecContext(ctx, "INSERT INTO portal_settings (id, data, version) VALUES (1, ?, 1)", old); err != nil {
		t.Fatal(err)
	}
	ps, version, err := store.Settings(ctx, db)
	if err != nil || version != 1 {
		t.Fatalf("old settings: version %d, %v", version, err)
	}
	if ps.Title.In("es", "en") != "Acme Help" || ps.Menu[0].Label.In("es", "en") != "Status" ||
		ps.Pages["login"].Heading.In("en", "en") != "Welcome" {
		t.Fatalf("old settings read as %+v", ps)
	}
	// Saved with a Spanish title added, the English one stays.
	ps.Title = model.Text{"en": ps.Title.Own("en", "en"), "es": "Ayuda de Acme"}
	if _, err := store.SaveSettings(ctx, db, ps); err != nil {
		t.Fatal(err)
	}
	got, _, err := store.Settings(ctx, db)
	if err != nil || !reflect.DeepEqual(got.Title, model.Text{"en": "Acme Help", "es": "Ayuda de Acme"}) {
		t.Fatalf("title saved per language read back as %#v (%v)", got.Title, err)
	}

	// A consent version of one string, and one per language.
	if _, err := db.ExecContext(ctx, "INSERT INTO consent_versions (notice, label) VALUES (?, ?)",
		"We keep your <a href=\"https://acme.example\">data</a>.", "I agree"); err != nil {
		t.Fatal(err)
	}
	var oldID int64
	if err := db.NewSelect().TableExpr("consent_versions").ColumnExpr("max(id)").Scan(ctx, &oldID); err != nil {
		t.Fatal(err)
	}
	v, err := store.ConsentVersion(ctx, db, oldID)
	if err != nil || v.Label.In("es", "en") != "I agree" || v.Notice.In("en", "en") != `We keep your <a href="https://acme.example">data</a>.` {
		t.Fatalf("old consent version read as %+v (%v)", v, err)
	}
	nv := &model.ConsentVersion{
		Notice: model.Text{"en": "We keep your data.", "es": "Guardamos tus datos."},
		Label:  model.Text{"en": "I agree", "es": "Acepto"},
	}
	if err := store.AddConsentVersion(ctx, db, nv); err != nil {
		t.Fatal(err)
	}
	v, err = store.ConsentVersion(ctx, db, nv.ID)
	if err != nil || !reflect.DeepEqual(v.Notice, nv.Notice) || !reflect.DeepEqual(v.Label, nv.Label) {
		t.Fatalf("consent per language read back as %+v (%v)", v, err)
	}
}

// testStageLabels: a stage's names per language reach the portal's list
// and ticket page; the demo's form keeps its choices.
func testStageLabels(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	db := e.st.DB
	v := e.own(e.ana)
	rows, _, err := e.st.ListTickets(ctx, db, v, store.ListQuery{Status: "all", Size: 50})
	if err != nil || len(rows) == 0 {
		t.Fatalf("list: %d rows, %v", len(rows), err)
	}
	r := rows[0]
	if r.StageLabels["es"] == "" || r.StageLabels["en"] != r.StageName {
		t.Fatalf("the demo stage %q has names %#v", r.StageName, r.StageLabels)
	}
	var stageID int64
	if err := db.NewSelect().TableExpr("tickets").Column("stage_id").Where("id = ?", r.ID).Scan(ctx, &stageID); err != nil {
		t.Fatal(err)
	}
	labels := model.Text{"en": "With us", "es": "Con nosotros"}
	if err := store.SetStageLabels(ctx, db, stageID, labels); err != nil {
		t.Fatal(err)
	}
	for _, lq := range []store.ListQuery{{Status: "all", Size: 50}, {Status: "all", Size: 50, Search: r.Subject}} {
		rows, _, err := e.st.ListTickets(ctx, db, v, lq)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range rows {
			if x.ID == r.ID {
				found = reflect.DeepEqual(x.StageLabels, labels)
			}
		}
		if !found {
			t.Errorf("list %+v: ticket #%d lacks the new stage names", lq, r.ID)
		}
	}
	d, err := e.st.VisibleTicket(ctx, db, v, r.ID)
	if err != nil || !reflect.DeepEqual(d.StageLabels, labels) {
		t.Fatalf("ticket page stage names %#v (%v)", d, err)
	}
	if err := store.SetStageLabels(ctx, db, stageID, nil); err != nil {
		t.Fatal(err)
	}
	if d, _ = e.st.VisibleTicket(ctx, db, v, r.ID); len(d.StageLabels) != 0 {
		t.Errorf("cleared stage names read as %#v", d.StageLabels)
	}
	// The store is shared: the demo's names go back.
	if err := store.SetStageLabels(ctx, db, stageID, r.StageLabels); err != nil {
		t.Fatal(err)
	}

	f, err := store.FormByID(ctx, db, e.settings.FormID)
	if err != nil {
		t.Fatal(err)
	}
	var category *model.FormField
	for i := range f.Fields {
		if f.Fields[i].Property == "category" {
			category = &f.Fields[i]
		}
	}
	if category == nil || len(category.Choices) == 0 {
		t.Fatalf("the demo form's category has no choices: %+v", f.Fields)
	}
	if got := category.ChoiceLabel("technical", "es", "en"); got != "Problema técnico" {
		t.Errorf("technical in Spanish: %q", got)
	}
	if got := category.ChoiceLabel("unheard-of", "es", "en"); got != "unheard-of" {
		t.Errorf("a value with no choice shows itself: %q", got)
	}
}
