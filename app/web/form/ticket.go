package form

import (
	"regexp"
	"strconv"
	"strings"

	"portico/app/model"
)

// MaxBody is the longest message text accepted.
const MaxBody = 20000

// Reply is a customer's reply to a ticket. Attachments are read separately.
type Reply struct {
	Body string
}

// NewReply reads the reply form.
func NewReply(get func(string, ...string) string) Reply {
	return Reply{Body: strings.TrimSpace(strings.ReplaceAll(get("body"), "\r\n", "\n"))}
}

// Validate checks the message text.
func (f Reply) Validate() Errors {
	e := Errors{}
	switch {
	case f.Body == "":
		e["body"] = "reply.body_required"
	case tooLong(f.Body, MaxBody):
		e["body"] = "form.too_long"
	}
	return e
}

// Priorities offered on support forms, in order.
var Priorities = []string{model.PriorityLow, model.PriorityMedium, model.PriorityHigh, model.PriorityUrgent}

// NewTicket is a submitted support form. Values holds what was typed, by
// field property, so that a failed validation shows it again.
type NewTicket struct {
	Key    string
	Values map[string]string
}

// ReadNewTicket reads the fields the support form defines, and nothing else.
func ReadNewTicket(f *model.Form, get func(string, ...string) string) NewTicket {
	t := NewTicket{Key: oneLine(get("idempotency_key")), Values: map[string]string{}}
	for _, fl := range f.Fields {
		v := get(FieldName(fl.Property))
		if fl.Property == "description" {
			v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		} else {
			v = oneLine(v)
		}
		t.Values[fl.Property] = v
	}
	return t
}

// FieldName is the HTML name of a form field for a ticket property.
func FieldName(property string) string {
	if name, ok := strings.CutPrefix(property, "custom:"); ok {
		return "custom_" + name
	}
	return property
}

// Validate checks required fields, lengths, and that a choice field's
// value is one of its choices (the priority's, Portico's own).
func (t NewTicket) Validate(f *model.Form) Errors {
	e := Errors{}
	if len(t.Key) < 16 || len(t.Key) > 64 {
		e["form"] = "ticket.form_expired"
	}
	for _, fl := range f.Fields {
		v := t.Values[fl.Property]
		limit := 300
		if fl.Property == "description" {
			limit = MaxBody
		}
		switch {
		case v == "" && (fl.Required || fl.Property == "subject"):
			e[fl.Property] = "form.required"
		case tooLong(v, limit):
			e[fl.Property] = "form.too_long"
		case fl.Property == "priority" && v != "" && !contains(Priorities, v):
			e[fl.Property] = "form.invalid"
		case len(fl.Choices) > 0 && v != "" && !hasChoice(fl.Choices, v):
			e[fl.Property] = "form.choice_invalid"
		}
	}
	return e
}

// hasChoice tells whether v is one of a field's choices.
func hasChoice(choices []model.Choice, v string) bool {
	for _, c := range choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ListParams is a ticket list request: the URL state of the list.
type ListParams struct {
	View   string // mine, org or shared
	Status string // open, closed or all
	Q      string
	Sort   string
	Page   int
	// After is the cursor of the previous page's last row, set by the
	// "next" link: that page then starts right after it instead of
	// counting its way down (see store.ListQuery).
	After string
}

// MaxSearch caps the search text.
const MaxSearch = 100

// MaxPage caps the page number, so that a crafted URL can't ask for a huge
// offset.
const MaxPage = 10000

// afterRe is the form of a list cursor: the sort key in base64url, a dot,
// the ticket ID.
var afterRe = regexp.MustCompile(`^[A-Za-z0-9_-]*\.[1-9][0-9]{0,18}$`)

var sortKeys = []string{"id", "subject", "created", "activity", "status"}

// NewListParams reads and normalizes the list parameters; anything outside
// the allowlists falls back to the default.
func NewListParams(get func(string, ...string) string) ListParams {
	p := ListParams{View: get("view"), Status: get("status"), Q: oneLine(get("q")), Sort: get("sort")}
	if p.View != "org" && p.View != "shared" {
		p.View = "mine"
	}
	if p.Status != "closed" && p.Status != "all" {
		p.Status = "open"
	}
	if r := []rune(p.Q); len(r) > MaxSearch {
		p.Q = string(r[:MaxSearch])
	}
	if !contains(sortKeys, strings.TrimPrefix(p.Sort, "-")) {
		p.Sort = "-activity"
	}
	p.Page, _ = strconv.Atoi(get("page"))
	p.Page = min(max(p.Page, 1), MaxPage)
	if a := get("after"); p.Page > 1 && len(a) <= 400 && afterRe.MatchString(a) {
		p.After = a
	}
	return p
}
