package admin

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// formAudit is what the audit log keeps of a support form.
type formAudit struct {
	Name             string            `json:"name"`
	InboxID          int64             `json:"inbox_id"`
	PipelineID       int64             `json:"pipeline_id"`
	AllowAttachments bool              `json:"allow_attachments"`
	Fields           []model.FormField `json:"fields"`
}

func formAuditOf(f *model.Form) formAudit {
	return formAudit{Name: f.Name, InboxID: f.InboxID, PipelineID: f.PipelineID, AllowAttachments: f.AllowAttachments, Fields: f.Fields}
}

// FormsIndex lists the support forms.
func (s *Handler) FormsIndex(c *fiber.Ctx) error {
	ctx := c.UserContext()
	forms, err := store.Forms(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	inboxes, err := store.Inboxes(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	inboxNames, pipelineNames := map[int64]string{}, map[int64]string{}
	for _, i := range inboxes {
		inboxNames[i.ID] = i.Name
	}
	for _, p := range pipelines {
		pipelineNames[p.ID] = p.Name
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/forms", fiber.Map{
		"Title": core.LocaleOf(c).T("records.forms"), "Forms": forms, "InboxNames": inboxNames,
		"PipelineNames": pipelineNames, "PortalFormID": core.SettingsOf(c).FormID,
	})
}

// formEditorPage renders the builder: the editor alone for htmx, or the
// page. rec is nil for a new form.
func (s *Handler) formEditorPage(c *fiber.Ctx, status int, rec *model.Form, f form.FormEdit, errs form.Errors, saved bool) error {
	ctx := c.UserContext()
	inboxes, err := store.Inboxes(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	title := core.LocaleOf(c).T("records.new_form")
	action := "/admin/forms"
	if rec != nil {
		title, action = rec.Name, "/admin/forms/"+recItoa(rec.ID)
	}
	return s.recRender(c, status, "pages/admin/form", "partials/admin/form_editor", fiber.Map{
		"Title": title, "Record": rec, "Action": action, "Form": f, "Errors": errs, "Saved": saved,
		"Inboxes": inboxes, "Pipelines": pipelines, "Properties": form.FormProperties,
	})
}

// FormsNew shows the builder for a new form, with a subject and a
// description to start from.
func (s *Handler) FormsNew(c *fiber.Ctx) error {
	st := core.SettingsOf(c)
	langs := form.Langs(st)
	// Each language starts from Portico's own label in it.
	label := func(key string) model.Text {
		t := model.Text{}
		for _, l := range langs {
			t[l] = s.I18n.Locale(l).T(key)
		}
		return t
	}
	f := form.FormEdit{
		InboxID: st.DefaultInboxID, AllowAttachments: true, Langs: langs, Default: st.Language,
		Rows: []form.FieldRow{
			{Kind: "subject", Label: label("records.default_subject_label"), Required: true},
			{Kind: "description", Label: label("records.default_description_label"), Required: true},
		},
	}
	return s.formEditorPage(c, fiber.StatusOK, nil, f, form.Errors{}, false)
}

// readFormEdit reads and checks the builder. With add=yes it only adds an
// empty row, and the caller saves nothing.
func (s *Handler) readFormEdit(c *fiber.Ctx) (f form.FormEdit, errs form.Errors, add bool, err error) {
	st := core.SettingsOf(c)
	f = form.NewFormEdit(c.FormValue, func(k string) []string { return postValues(c, k) }, form.Langs(st), st.Language)
	if c.FormValue("add") == "yes" {
		f.Rows = append(f.Rows, form.FieldRow{})
		return f, form.Errors{}, true, nil
	}
	ctx := c.UserContext()
	inboxes, err := store.Inboxes(ctx, s.Store.DB)
	if err != nil {
		return f, nil, false, err
	}
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return f, nil, false, err
	}
	return f, f.Validate(ids(inboxes, func(x model.Inbox) int64 { return x.ID }), recPipelineIDs(pipelines)), false, nil
}

func recPipelineIDs(l []model.Pipeline) []int64 {
	out := make([]int64, len(l))
	for i, x := range l {
		out[i] = x.ID
	}
	return out
}

// FormsCreate creates a support form.
func (s *Handler) FormsCreate(c *fiber.Ctx) error {
	f, errs, add, err := s.readFormEdit(c)
	if err != nil {
		return err
	}
	if add {
		return s.formEditorPage(c, fiber.StatusOK, nil, f, errs, false)
	}
	if errs.Any() {
		return s.formEditorPage(c, fiber.StatusUnprocessableEntity, nil, f, errs, false)
	}
	rec := &model.Form{Name: f.Name, InboxID: f.InboxID, PipelineID: f.PipelineID, AllowAttachments: f.AllowAttachments, Fields: f.Fields()}
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.AddForm(ctx, tx, rec); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "form.create", recTarget("form", rec.ID), nil, formAuditOf(rec)))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/forms/"+recItoa(rec.ID)+"?saved=1")
}

// recForm loads the support form named by :id, or answers 404.
func (s *Handler) recForm(c *fiber.Ctx) (*model.Form, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	f, err := store.FormByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return f, err
}

// FormsEdit shows the builder for a stored form.
func (s *Handler) FormsEdit(c *fiber.Ctx) error {
	rec, err := s.recForm(c)
	if err != nil {
		return err
	}
	return s.formEditorPage(c, fiber.StatusOK, rec, form.FormEditOf(rec, form.Langs(core.SettingsOf(c)), core.SettingsOf(c).Language), form.Errors{}, c.Query("saved") == "1")
}

// FormsSave saves a support form; the portal uses the new fields from its
// next request.
func (s *Handler) FormsSave(c *fiber.Ctx) error {
	rec, err := s.recForm(c)
	if err != nil {
		return err
	}
	f, errs, add, err := s.readFormEdit(c)
	if err != nil {
		return err
	}
	if add {
		return s.formEditorPage(c, fiber.StatusOK, rec, f, errs, false)
	}
	if errs.Any() {
		return s.formEditorPage(c, fiber.StatusUnprocessableEntity, rec, f, errs, false)
	}
	before := formAuditOf(rec)
	next := *rec
	next.Name, next.InboxID, next.PipelineID, next.AllowAttachments, next.Fields = f.Name, f.InboxID, f.PipelineID, f.AllowAttachments, f.Fields()
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.UpdateForm(ctx, tx, &next); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "form.update", recTarget("form", rec.ID), before, formAuditOf(&next)))
	})
	if core.IsNotFound(err) {
		return core.ErrNotFound
	} else if err != nil {
		return err
	}
	if !core.IsFragment(c) {
		return core.Redirect(c, "/admin/forms/"+recItoa(rec.ID)+"?saved=1")
	}
	return s.formEditorPage(c, fiber.StatusOK, &next, form.FormEditOf(&next, form.Langs(core.SettingsOf(c)), core.SettingsOf(c).Language), form.Errors{}, true)
}
