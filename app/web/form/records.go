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

// StageLabels reads a stage's names for the portal, one input per
// language (labels_<lang>), into e's errors at each input. ok is false
// when the form has none of those inputs: the names are then left as
// they are.
func StageLabels(get func(string, ...string) string, has func(string) bool, langs []string, e Errors) (t model.Text, ok bool) {
	t = model.Text{}
	for _, l := range langs {
		name := LangField("labels", l)
		if !has(name) {
			continue
		}
		ok = true
		t[l] = oneLine(get(name))
		if tooLong(t[l], 100) {
			e[name] = "form.too_long"
		}
	}
	return t.Clean(), ok
}

// FormProperties are the ticket properties a support form field may fill,
// besides custom ones.
var FormProperties = []string{"subject", "description", "priority", "category"}

// MaxFormFields caps the fields of one support form.
const MaxFormFields = 30

var customNameRe = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// FieldRow is one field row as the form builder shows it: the property
// chosen in the select ("custom" for a custom property) and the custom
// name apart, and its texts per language. Choices are typed one a line,
// "value | label", in a box per language (Typed, kept as typed).
type FieldRow struct {
	Kind     string // subject, description, priority, category or custom; "" while not chosen
	Custom   string
	Label    model.Text
	Help     model.Text
	Required bool
	Choices  []model.Choice
	Typed    map[string]string // the choice boxes as typed, by language
}

// Property is the ticket property the row maps to.
func (r FieldRow) Property() string {
	if r.Kind == "custom" {
		return "custom:" + r.Custom
	}
	return r.Kind
}

// ChoicesIn is the choice box of a language: as typed, or one line per
// choice that has a label in it ("value | label"; every choice in the
// default language).
func (r FieldRow) ChoicesIn(lang, def string) string {
	if t, ok := r.Typed[lang]; ok {
		return t
	}
	var b strings.Builder
	for _, c := range r.Choices {
		label := c.Label.Own(lang, def)
		switch {
		case label == "" && lang != def:
			continue
		case label == "" || label == c.Value:
			b.WriteString(c.Value + "\n")
		default:
			b.WriteString(c.Value + " | " + label + "\n")
		}
	}
	return b.String()
}

// ShowChoices tells whether the builder shows the row's choice boxes: for
// a field that may offer choices, one not chosen yet, or one with choices
// typed (to show their error).
func (r FieldRow) ShowChoices() bool {
	if r.Kind == "" || choiceField(r.Kind) {
		return true
	}
	for _, v := range r.Typed {
		if v != "" {
			return true
		}
	}
	return false
}

// BoxRows is the height of the row's choice boxes: its choices and one
// more line, between 3 and 10.
func (r FieldRow) BoxRows() int { return min(max(len(r.Choices)+1, 3), 10) }

// choiceFields are the properties whose field may offer choices: the
// others are free text, or (priority) have choices of their own.
func choiceField(kind string) bool { return kind == "category" || kind == "custom" }

// FormEdit is the support form builder.
type FormEdit struct {
	Name             string
	InboxID          int64
	PipelineID       int64
	AllowAttachments bool
	Rows             []FieldRow
	Langs            []string // the portal's languages, default first
	Default          string
}

// FormEditOf shows a stored form in the builder.
func FormEditOf(f *model.Form, langs []string, def string) FormEdit {
	fe := FormEdit{Name: f.Name, InboxID: f.InboxID, PipelineID: f.PipelineID, AllowAttachments: f.AllowAttachments, Langs: langs, Default: def}
	for _, fl := range f.Fields {
		r := FieldRow{Kind: fl.Property, Label: fl.Label, Help: fl.Help, Required: fl.Required, Choices: fl.Choices}
		if name, ok := strings.CutPrefix(fl.Property, "custom:"); ok {
			r.Kind, r.Custom = "custom", name
		}
		fe.Rows = append(fe.Rows, r)
	}
	return fe
}

// NewFormEdit reads the builder. Field rows come as parallel lists
// (field_property, field_custom, field_label_<lang>, field_help_<lang>,
// field_choices_<lang>, field_required), one entry per row, as the page
// sends them; field_remove lists the indexes of rows to drop. Rows left
// entirely blank are dropped too. A bare field_label list (a form from
// before labels had languages) is the default language's.
func NewFormEdit(get func(string, ...string) string, values func(string) []string, langs []string, def string) FormEdit {
	f := FormEdit{
		Name:             oneLine(get("name")),
		InboxID:          max(atoi64(get("inbox")), 0),
		PipelineID:       max(atoi64(get("pipeline")), 0),
		AllowAttachments: get("allow_attachments") == "yes",
		Langs:            langs, Default: def,
	}
	kinds, customs, required := values("field_property"), values("field_custom"), values("field_required")
	labels, helps, choices := map[string][]string{}, map[string][]string{}, map[string][]string{}
	for _, l := range langs {
		labels[l] = values(LangField("field_label", l))
		helps[l] = values(LangField("field_help", l))
		choices[l] = values(LangField("field_choices", l))
	}
	if bare := values("field_label"); len(bare) > 0 && len(labels[def]) == 0 {
		labels[def] = bare
	}
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
			Kind: oneLine(k), Custom: strings.ToLower(oneLine(at(customs, i))),
			Required: at(required, i) == "yes", Label: model.Text{}, Help: model.Text{}, Typed: map[string]string{},
		}
		blank := true
		for _, l := range langs {
			r.Label[l] = oneLine(at(labels[l], i))
			r.Help[l] = oneLine(at(helps[l], i))
			r.Typed[l] = strings.TrimSpace(strings.ReplaceAll(clean(at(choices[l], i)), "\r", ""))
			blank = blank && r.Label[l] == "" && r.Help[l] == "" && r.Typed[l] == ""
		}
		r.Label, r.Help = r.Label.Clean(), r.Help.Clean()
		if remove[i] || r.Kind == "" && r.Custom == "" && blank {
			continue
		}
		f.Rows = append(f.Rows, r)
	}
	return f
}

// choiceLine splits one line of a choice box: "value | label".
func choiceLine(line string) (value, label string) {
	value, label, _ = strings.Cut(line, "|")
	return oneLine(value), oneLine(label)
}

// readChoices reads a row's choice boxes into its choices, adding the
// errors of row i to e: the default language's box lists the choices,
// the others may only name them.
func (f FormEdit) readChoices(r *FieldRow, i int, e Errors) {
	r.Choices = nil
	name := fmt.Sprintf("field_choices_%d", i)
	if !choiceField(r.Kind) {
		for _, l := range f.Langs {
			if r.Typed[l] != "" {
				e[LangField(name, l)] = "records.choices_not_here"
			}
		}
		return
	}
	index := map[string]int{}
	for _, line := range strings.Split(r.Typed[f.Default], "\n") {
		v, label := choiceLine(line)
		switch {
		case v == "":
			continue
		case tooLong(v, 100) || tooLong(label, 200):
			e[LangField(name, f.Default)] = "form.too_long"
		case index[v] > 0:
			e[LangField(name, f.Default)] = "records.choice_duplicate"
		}
		if label == "" {
			label = v
		}
		r.Choices = append(r.Choices, model.Choice{Value: v, Label: model.Text{f.Default: label}})
		index[v] = len(r.Choices)
	}
	for _, l := range f.Langs[1:] {
		for _, line := range strings.Split(r.Typed[l], "\n") {
			v, label := choiceLine(line)
			switch {
			case v == "":
			case index[v] == 0:
				e[LangField(name, l)] = "records.choice_unknown"
			case tooLong(label, 200):
				e[LangField(name, l)] = "form.too_long"
			case label != "":
				r.Choices[index[v]-1].Label[l] = label
			}
		}
	}
	if len(r.Choices) > 50 {
		e[LangField(name, f.Default)] = "records.choices_too_many"
	}
}

// Validate checks the builder against the inboxes and pipelines that
// exist, and reads the rows' choices. Errors on a row are keyed
// field_property_N, field_custom_N and field_label_N_<lang> (and help,
// choices), N counting the rows kept.
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
	for i := range f.Rows {
		r := &f.Rows[i]
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
		checkText(e, r.Label, fmt.Sprintf("field_label_%d", i), f.Langs, f.Default, true, 200)
		checkText(e, r.Help, fmt.Sprintf("field_help_%d", i), f.Langs, f.Default, false, 300)
		if r.Typed != nil {
			f.readChoices(r, i, e)
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
		out = append(out, model.FormField{
			Property: r.Property(), Label: r.Label.Clean(), Help: r.Help.Clean(),
			Required: r.Required || r.Kind == "subject", Choices: r.Choices,
		})
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
