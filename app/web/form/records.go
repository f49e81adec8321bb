package form

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"portico/app/model"
)

// The back office's record forms: contacts, companies, lists, pipelines,
// stages, inboxes and support forms. Like every form here they bind only
// the fields they name, so password_hash, id or role in a request are
// never read.

// RecordsQuery is a record list request: a search and a page.
type RecordsQuery struct {
	Q    string
	Page int
}

// NewRecordsQuery reads q and page, capped like the ticket lists.
func NewRecordsQuery(get func(string, ...string) string) RecordsQuery {
	p := RecordsQuery{Q: oneLine(get("q"))}
	if r := []rune(p.Q); len(r) > MaxSearch {
		p.Q = string(r[:MaxSearch])
	}
	p.Page, _ = strconv.Atoi(get("page"))
	p.Page = min(max(p.Page, 1), MaxPage)
	return p
}

// ContactEdit is the contact form of the back office.
type ContactEdit struct {
	Name      string
	Email     string
	CompanyID int64
	Language  string
	Disabled  bool
}

// NewContactEdit reads the contact form.
func NewContactEdit(get func(string, ...string) string) ContactEdit {
	return ContactEdit{
		Name:      oneLine(get("name")),
		Email:     strings.ToLower(oneLine(get("email"))),
		CompanyID: max(atoi64(get("company")), 0),
		Language:  get("language"),
		Disabled:  get("disabled") == "yes",
	}
}

// Validate checks the fields that need no database; languages are the
// available ones ("" means the portal's choice).
func (f ContactEdit) Validate(languages []string) Errors {
	e := Errors{}
	checkNameEmail(e, f.Name, f.Email)
	if f.Language != "" && !contains(languages, f.Language) {
		e["language"] = "form.invalid"
	}
	return e
}

// CompanyEdit is the company form.
type CompanyEdit struct {
	Name   string
	Domain string
}

var domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$`)

// NewCompanyEdit reads the company form. The domain is kept bare: no
// scheme, path or "www." is needed.
func NewCompanyEdit(get func(string, ...string) string) CompanyEdit {
	d := strings.ToLower(oneLine(get("domain")))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d = strings.TrimSuffix(d, "/")
	return CompanyEdit{Name: oneLine(get("name")), Domain: d}
}

// Validate checks the name and, when given, the domain.
func (f CompanyEdit) Validate() Errors {
	e := Errors{}
	switch {
	case f.Name == "":
		e["name"] = "form.required"
	case tooLong(f.Name, 200):
		e["name"] = "form.too_long"
	}
	if f.Domain != "" && (len(f.Domain) > 253 || !domainRe.MatchString(f.Domain)) {
		e["domain"] = "records.domain_invalid"
	}
	return e
}

// RecordName reads a required name (of a list, pipeline, stage or inbox)
// from the field, and checks it.
func RecordName(get func(string, ...string) string, field string, e Errors) string {
	v := oneLine(get(field))
	switch {
	case v == "":
		e[field] = "form.required"
	case tooLong(v, 100):
		e[field] = "form.too_long"
	}
	return v
}

// StageEdit is one stage's row on the pipelines page.
type StageEdit struct {
	Name    string
	Closed  bool
	Waiting bool // open, and waiting on the customer
}

// Status is the row's status as the form names it: open, waiting or
// closed.
func (f StageEdit) Status() string {
	switch {
	case f.Closed:
		return "closed"
	case f.Waiting:
		return "waiting"
	}
	return "open"
}

// NewStageEdit reads a stage row: its name and status (open, waiting on
// the customer, or closed).
func NewStageEdit(get func(string, ...string) string) (StageEdit, Errors) {
	e := Errors{}
	f := StageEdit{Name: RecordName(get, "name", e)}
	switch get("status") {
	case "open":
	case "waiting":
		f.Waiting = true
	case "closed":
		f.Closed = true
	default:
		e["status"] = "form.invalid"
	}
	return f, e
}

// FormProperties are the ticket properties a support form field may fill,
// besides custom ones.
var FormProperties = []string{"subject", "description", "priority", "category"}

// MaxFormFields caps the fields of one support form.
const MaxFormFields = 30

var customNameRe = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// FieldRow is one field row as the form builder shows it: the property
// chosen in the select ("custom" for a custom property) and the custom
// name apart.
type FieldRow struct {
	Kind     string // subject, description, priority, category or custom; "" while not chosen
	Custom   string
	Label    string
	Required bool
}

// Property is the ticket property the row maps to.
func (r FieldRow) Property() string {
	if r.Kind == "custom" {
		return "custom:" + r.Custom
	}
	return r.Kind
}

// FormEdit is the support form builder.
type FormEdit struct {
	Name             string
	InboxID          int64
	PipelineID       int64
	AllowAttachments bool
	Rows             []FieldRow
}

// FormEditOf shows a stored form in the builder.
func FormEditOf(f *model.Form) FormEdit {
	fe := FormEdit{Name: f.Name, InboxID: f.InboxID, PipelineID: f.PipelineID, AllowAttachments: f.AllowAttachments}
	for _, fl := range f.Fields {
		r := FieldRow{Kind: fl.Property, Label: fl.Label, Required: fl.Required}
		if name, ok := strings.CutPrefix(fl.Property, "custom:"); ok {
			r.Kind, r.Custom = "custom", name
		}
		fe.Rows = append(fe.Rows, r)
	}
	return fe
}

// NewFormEdit reads the builder. Field rows come as parallel lists
// (field_property, field_custom, field_label, field_required), one entry
// per row, as the page sends them; field_remove lists the indexes of rows
// to drop. Rows left entirely blank are dropped too.
func NewFormEdit(get func(string, ...string) string, values func(string) []string) FormEdit {
	f := FormEdit{
		Name:             oneLine(get("name")),
		InboxID:          max(atoi64(get("inbox")), 0),
		PipelineID:       max(atoi64(get("pipeline")), 0),
		AllowAttachments: get("allow_attachments") == "yes",
	}
	kinds, customs, labels, required := values("field_property"), values("field_custom"), values("field_label"), values("field_required")
	at := func(l []string, i int) string {
		if i < len(l) {
			return l[i]
		}
		return ""
	}
	remove := map[int]bool{}
	for _, v := range values("field_remove") {
		if i, err := strconv.Atoi(v); err == nil {
			remove[i] = true
		}
	}
	for i, k := range kinds {
		r := FieldRow{
			Kind: oneLine(k), Custom: strings.ToLower(oneLine(at(customs, i))), Label: oneLine(at(labels, i)),
			Required: at(required, i) == "yes",
		}
		if remove[i] || r.Kind == "" && r.Custom == "" && r.Label == "" {
			continue
		}
		f.Rows = append(f.Rows, r)
	}
	return f
}

// Validate checks the builder against the inboxes and pipelines that
// exist. Errors on a row are keyed field_property_N, field_custom_N and
// field_label_N, N counting the rows kept.
func (f FormEdit) Validate(inboxes, pipelines []int64) Errors {
	e := Errors{}
	switch {
	case f.Name == "":
		e["name"] = "form.required"
	case tooLong(f.Name, 200):
		e["name"] = "form.too_long"
	}
	if f.InboxID == 0 {
		e["inbox"] = "records.inbox_required"
	} else if !hasRecordID(inboxes, f.InboxID) {
		e["inbox"] = "form.invalid"
	}
	if !hasRecordID(pipelines, f.PipelineID) {
		e["pipeline"] = "form.invalid"
	}
	seen := map[string]bool{}
	subject := false
	for i, r := range f.Rows {
		switch {
		case r.Kind == "":
			e[fmt.Sprintf("field_property_%d", i)] = "records.field_property_required"
		case r.Kind == "custom":
			if !customNameRe.MatchString(r.Custom) {
				e[fmt.Sprintf("field_custom_%d", i)] = "records.custom_name_invalid"
			}
		case !contains(FormProperties, r.Kind):
			e[fmt.Sprintf("field_property_%d", i)] = "form.invalid"
		}
		p := r.Property()
		if seen[p] {
			if r.Kind == "custom" {
				e[fmt.Sprintf("field_custom_%d", i)] = "records.field_duplicate"
			} else {
				e[fmt.Sprintf("field_property_%d", i)] = "records.field_duplicate"
			}
		}
		seen[p] = true
		subject = subject || r.Kind == "subject"
		switch {
		case r.Label == "":
			e[fmt.Sprintf("field_label_%d", i)] = "form.required"
		case tooLong(r.Label, 200):
			e[fmt.Sprintf("field_label_%d", i)] = "form.too_long"
		}
	}
	if !subject {
		e["fields"] = "records.subject_field_required"
	}
	if len(f.Rows) > MaxFormFields {
		e["fields"] = "records.too_many_fields"
	}
	return e
}

// Fields is what the form stores. The subject is always required, as the
// portal treats it.
func (f FormEdit) Fields() []model.FormField {
	out := make([]model.FormField, 0, len(f.Rows))
	for _, r := range f.Rows {
		out = append(out, model.FormField{Property: r.Property(), Label: r.Label, Required: r.Required || r.Kind == "subject"})
	}
	return out
}

func hasRecordID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
