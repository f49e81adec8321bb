package core

import (
	"time"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

// The panels of the portal's ticket page are built here from what was
// read, so that the portal and the settings' sample pages fill the same
// templates the same way.

// SharePanel is what the "who can see this ticket" panel shows: the
// ticket's audience, read next to Visible from the same rows, and the
// form that adds a participant, with what was typed and its error.
type SharePanel struct {
	TicketID   int64
	Audience   *store.Audience
	Me         int64
	CanRemove  bool // the viewer is one of the ticket's own contacts
	CanLeave   bool // the viewer is a participant, who may stop the sharing
	Leave      bool // the confirmation step of leaving
	ViaCompany bool // the viewer sees the ticket as everyone at their company does
	Left       bool // the viewer just left, and still sees the ticket through the company
	AnyAddress bool
	CanAdd     bool // customers may share tickets (a setting)
	Company    string
	Email      string
	Errors     form.Errors
	Added      bool // a participant was just added, for the status line
	Removed    bool
}

// NewSharePanel builds the panel the contact ct sees of a ticket's
// audience a under the settings st.
func NewSharePanel(st model.PortalSettings, ct *model.Contact, ticketID int64, a *store.Audience, email string, errs form.Errors) *SharePanel {
	if errs == nil {
		errs = form.Errors{}
	}
	company := ""
	if ct.Company != nil {
		company = ct.Company.Name
	}
	via := false
	for _, co := range a.Companies {
		via = via || ct.CompanyID != nil && co.ID == *ct.CompanyID
	}
	return &SharePanel{TicketID: ticketID, Audience: a, Me: ct.ID, CanRemove: a.IsContact(ct.ID),
		CanLeave: a.IsParticipant(ct.ID) && !a.IsContact(ct.ID), ViaCompany: via, AnyAddress: st.ShareAnyAddress, CanAdd: !st.NoSharing, Company: company, Email: email, Errors: errs}
}

// SolvePanel is what the ticket page shows of solving and reopening: the
// button, what a reply to the closed ticket would do, and the tickets it
// follows up or is followed up in.
type SolvePanel struct {
	TicketID    int64
	Closed      bool
	Policy      string // the pipeline's policy for replies to closed tickets
	Reopens     bool   // a reply now reopens the ticket
	FollowUpOf  *int64
	FollowUps   []int64
	Solved      bool // just solved
	NewFollowUp bool // just created by a reply
	Confirm     bool // the confirmation step
	CanSolve    bool // the customer may: the settings let them, and the pipeline has a closed stage to solve to
}

// ReplyOpen tells whether the ticket takes a reply.
func (s *SolvePanel) ReplyOpen() bool { return !s.Closed || s.Policy != model.ReopenReadOnly }

// NewSolvePanel builds the panel of ticket t in pipeline p under the
// settings st: ups are the follow-ups the viewer may see, hasStage
// whether p has a stage to solve to. Customers may solve when it has one
// and the settings let them.
func NewSolvePanel(st model.PortalSettings, t *store.TicketDetail, p *model.Pipeline, ups []int64, hasStage bool, now time.Time) *SolvePanel {
	sp := &SolvePanel{TicketID: t.ID, Closed: t.Closed, Policy: p.ReopenPolicy, FollowUpOf: t.FollowUpOf, FollowUps: ups,
		CanSolve: hasStage && !st.NoCustomerSolve}
	if t.Closed && p.ReopenPolicy == model.ReopenWithin && p.ReopenDays > 0 {
		at := t.LastActivityAt
		if !t.ClosedAt.IsZero() {
			at = t.ClosedAt.Time
		}
		sp.Reopens = now.Before(at.AddDate(0, 0, p.ReopenDays))
	}
	return sp
}

// MutePanel is what the ticket page's mute toggle shows.
type MutePanel struct {
	TicketID int64
	Muted    bool
	Changed  bool // the toggle was just used, for the status line
}

// RatePanel is what the rating panel of a closed ticket shows: the close
// it rates, the rating so far, and the form with what was typed.
type RatePanel struct {
	TicketID int64
	State    *store.RateState
	Scores   []string
	Score    string
	Comment  string
	Errors   form.Errors
	Saved    bool
	Token    string // on the email's confirmation page: the signed link
	MaxLen   int
}

// NewRatePanel builds the rating panel of a ticket's current close, rs,
// whose comment may be maxLen bytes long.
func NewRatePanel(ticketID int64, rs *store.RateState, maxLen int) *RatePanel {
	r := &RatePanel{TicketID: ticketID, State: rs, Scores: model.RatingScores, Errors: form.Errors{}, MaxLen: maxLen}
	if rs.Rating != nil {
		r.Score, r.Comment = rs.Rating.Score, rs.Rating.Comment
	}
	return r
}

// NotifyChoices are the defaults for ticket mail a contact is offered:
// "none" only when the portal lets customers turn agents' replies off.
func NotifyChoices(st model.PortalSettings) []string {
	if st.Notify.AgentsAlways {
		return []string{store.NotifyAll, store.NotifyAgents}
	}
	return []string{store.NotifyAll, store.NotifyAgents, store.NotifyNone}
}
