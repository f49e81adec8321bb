package form

import (
	"strconv"
	"strings"

	"portico/app/model"
)

// InboxParams is the agents' ticket list request, normalized.
type InboxParams struct {
	Inbox    int64
	Status   string
	Pipeline int64
	Stage    int64
	Owner    int64 // -1: unassigned
	Priority string
	Q        string
	Sort     string
	Page     int
}

var adminSortKeys = []string{"id", "subject", "created", "activity", "status", "priority"}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

// NewInboxParams reads the inbox filters; anything outside the allowlists
// falls back to the default.
func NewInboxParams(get func(string, ...string) string) InboxParams {
	p := InboxParams{
		Inbox: max(atoi64(get("inbox")), 0), Status: get("status"), Pipeline: max(atoi64(get("pipeline")), 0),
		Stage: max(atoi64(get("stage")), 0), Owner: max(atoi64(get("owner")), -1), Priority: get("priority"),
		Q: oneLine(get("q")), Sort: get("sort"),
	}
	if p.Status != "closed" && p.Status != "all" {
		p.Status = "open"
	}
	if !contains(Priorities, p.Priority) {
		p.Priority = ""
	}
	if r := []rune(p.Q); len(r) > MaxSearch {
		p.Q = string(r[:MaxSearch])
	}
	if !contains(adminSortKeys, strings.TrimPrefix(p.Sort, "-")) {
		p.Sort = "-activity"
	}
	p.Page, _ = strconv.Atoi(get("page"))
	p.Page = min(max(p.Page, 1), MaxPage)
	return p
}

// StaffMessage is an agent's public reply or internal note: the same
// text and rules as a customer's reply.
type StaffMessage = Reply

// NewStaffMessage reads the composer.
func NewStaffMessage(get func(string, ...string) string) StaffMessage { return NewReply(get) }

// TicketChange is the properties form of the agent's ticket page.
type TicketChange struct {
	Pipeline int64
	Stage    int64
	Priority string
	Owner    int64
}

// NewTicketChange reads the properties form.
func NewTicketChange(get func(string, ...string) string) TicketChange {
	return TicketChange{Pipeline: atoi64(get("pipeline")), Stage: atoi64(get("stage")),
		Priority: get("priority"), Owner: atoi64(get("owner"))}
}

// Validate checks the change against the pipelines and staff that exist.
// A stage from another pipeline becomes that pipeline's first stage.
func (f *TicketChange) Validate(pipelines []model.Pipeline, staff []model.StaffUser) Errors {
	e := Errors{}
	var p *model.Pipeline
	for i := range pipelines {
		if pipelines[i].ID == f.Pipeline {
			p = &pipelines[i]
		}
	}
	if p == nil || len(p.Stages) == 0 {
		e["pipeline"] = "form.invalid"
		return e
	}
	ok := false
	for _, st := range p.Stages {
		ok = ok || st.ID == f.Stage
	}
	if !ok {
		f.Stage = p.Stages[0].ID
	}
	if f.Priority != "" && !contains(Priorities, f.Priority) {
		e["priority"] = "form.invalid"
	}
	if f.Owner != 0 {
		found := false
		for _, u := range staff {
			found = found || (u.ID == f.Owner && !u.Disabled)
		}
		if !found {
			e["owner"] = "form.invalid"
		}
	}
	return e
}

// PhoneTicket is a ticket an agent creates by hand, with no thread.
type PhoneTicket struct {
	Subject      string
	ContactEmail string
	CompanyID    int64
	Pipeline     int64
	Priority     string
	Category     string
	Source       string
}

// PhoneSources are the channels an agent may record a ticket from.
var PhoneSources = []string{model.SourcePhone, model.SourceEmail, model.SourceChat}

// NewPhoneTicket reads the new-ticket form.
func NewPhoneTicket(get func(string, ...string) string) PhoneTicket {
	f := PhoneTicket{
		Subject: oneLine(get("subject")), ContactEmail: strings.ToLower(oneLine(get("contact_email"))),
		CompanyID: atoi64(get("company")), Pipeline: atoi64(get("pipeline")),
		Priority: get("priority"), Category: oneLine(get("category")), Source: get("source"),
	}
	if f.Source == "" {
		f.Source = model.SourcePhone // the form's default, for posts without it
	}
	return f
}

// Validate checks the fields that need no database.
func (f PhoneTicket) Validate() Errors {
	e := Errors{}
	switch {
	case f.Subject == "":
		e["subject"] = "form.required"
	case tooLong(f.Subject, 300):
		e["subject"] = "form.too_long"
	}
	if f.ContactEmail == "" && f.CompanyID == 0 {
		e["contact_email"] = "backoffice.contact_or_company"
	} else if f.ContactEmail != "" && !validEmail(f.ContactEmail) {
		e["contact_email"] = "form.email_invalid"
	} else if mixedScript(f.ContactEmail) {
		e["contact_email"] = "form.email_mixed_script"
	}
	if f.Priority != "" && !contains(Priorities, f.Priority) {
		e["priority"] = "form.invalid"
	}
	if !contains(PhoneSources, f.Source) {
		e["source"] = "form.invalid"
	}
	if tooLong(f.Category, 100) {
		e["category"] = "form.too_long"
	}
	return e
}
