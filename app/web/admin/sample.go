package admin

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/desk"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// samplePages are the portal templates an admin can preview with sample
// data: the ticket list and detail, a closed ticket with its rating, the
// rating link's page, the contact's own pages, and the system pages.
var samplePages = map[string]string{
	"list":          "pages/portal/tickets",
	"detail":        "pages/portal/ticket",
	"closed":        "pages/portal/ticket",
	"rate":          "pages/portal/rate",
	"notifications": "pages/portal/notifications",
	"mydata":        "pages/portal/mydata",
	"login":         "pages/portal/login",
	"register":      "pages/portal/register",
	"logout":        "pages/portal/login",
	"denied":        "pages/portal/message",
	"reset":         "pages/portal/password_forgot",
}

// PortalSample renders a portal template with the saved settings and
// made-up data, so that branding and page texts can be checked before
// any customer sees them. It reads and writes nothing else.
func (s *Handler) PortalSample(c *fiber.Ctx) error {
	name, ok := samplePages[c.Params("page")]
	if !ok {
		return core.ErrNotFound
	}
	l := core.LocaleOf(c)
	st := core.SettingsOf(c)
	if lang := c.Query("lang"); lang != "" {
		// The sample in one of the portal's languages, as its customers
		// will see it.
		if !core.Contains(form.Langs(st), lang) || !s.I18n.Has(lang) {
			return core.ErrNotFound
		}
		l = s.I18n.Locale(lang)
		l.Default = st.Language
		c.Locals(core.LocalLocale, l)
	}
	base := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	company := int64(1)
	sampleContact := &model.Contact{ID: -1, Name: l.T("sample.contact_name"), Email: "customer@example.com",
		CompanyID: &company, Company: &model.Company{ID: 1, Name: l.T("sample.company_name")}}
	m := fiber.Map{"Sample": true}
	switch c.Params("page") {
	case "list":
		rows := make([]store.TicketRow, 0, 6)
		for i := range 6 {
			rows = append(rows, store.TicketRow{
				ID: int64(1040 - i), Subject: l.T("sample.subject_" + string(rune('1'+i))),
				CreatedAt: base.Add(-time.Duration(i*30) * time.Hour), LastActivityAt: base.Add(-time.Duration(i*20) * time.Hour),
				Closed: i >= 4, StageName: []string{"New", "Waiting on us", "Waiting on customer", "New", "Closed", "Closed"}[i],
			})
		}
		list := core.ListRows(l, core.SettingsOf(c), rows)
		m["Title"], m["Rows"], m["Company"] = l.T("tickets.title"), list, sampleContact.Company.Name
		ls := core.ListState{ListParams: form.ListParams{View: "mine", Status: "all", Sort: "-activity", Page: 1},
			Total: len(rows), Pages: 1, Open: 4, Closed: 2, CanToggle: true, Base: core.SettingsOf(c).PortalPath()}
		controls := ls.Controls(l, nil)
		m["List"], m["Controls"], m["Parts"] = ls, controls, controls.Parts(list)
	case "detail", "closed":
		if err := s.sampleTicket(c, m, sampleContact, c.Params("page") == "closed"); err != nil {
			return err
		}
	case "rate":
		// The page a rating link of the closing email lands on, with the
		// score the link stands for.
		if !st.Rating.On() {
			// With ratings off, every rating link is refused.
			name = "pages/portal/message"
			m["Title"], m["Heading"], m["Body"], m["Status"] = l.T("rating.link_title"), l.T("rating.link_title"), l.T("rating.link_body"), fiber.StatusNotFound
			sampleContact = nil
			break
		}
		t := sampleClosedTicket(l)
		r := core.NewRatePanel(t.ID, sampleRateState(t), desk.MaxRatingComment)
		r.Token, r.Score = "sample", model.RatingGood
		m["Title"], m["Ticket"], m["Rating"] = l.T("rating.title"), t, r
		// The link is often followed signed out, from the email.
		sampleContact = nil
	case "notifications":
		choices := core.NotifyChoices(st)
		m["Title"], m["Choices"], m["Choice"] = l.T("notify.title"), choices, choices[0]
	case "mydata":
		m["Title"], m["Errors"], m["CanDelete"] = l.T("mydata.title"), form.Errors{}, !st.MyData.NoSelfDeletion
	case "login", "logout":
		m["Form"], m["Errors"], m["LoggedOut"] = form.Login{}, form.Errors{}, c.Params("page") == "logout"
		sampleContact = nil
	case "denied":
		pt := st.Pages["access_denied"]
		title, body := l.PickOr(pt.Heading, "denied.title"), l.PickOr(pt.Intro, "denied.body")
		m["Title"], m["Heading"], m["Body"], m["Status"] = title, title, body, fiber.StatusForbidden
		sampleContact = nil
	case "reset":
		m["Title"], m["Form"], m["Errors"] = l.T("password.forgot_title"), form.Forgot{}, form.Errors{}
		sampleContact = nil
	case "register":
		cs, err := s.CurrentConsent(c)
		if err != nil {
			return err
		}
		m["Form"], m["Errors"], m["Consent"] = form.Register{}, form.Errors{}, cs
		sampleContact = nil
	}
	if sampleContact != nil {
		c.Locals(core.LocalContact, sampleContact)
	}
	return s.Page(c, fiber.StatusOK, name, m)
}

// sampleTicket fills the ticket page with a sample ticket of the default
// pipeline, as its contact sees it under the saved settings: open, with
// its "solved?" panel, or closed, with the rating panel and what a reply
// would do. The panels are built as the portal builds them, from made-up
// rows instead of read ones.
func (s *Handler) sampleTicket(c *fiber.Ctx, m fiber.Map, ct *model.Contact, closed bool) error {
	l, st := core.LocaleOf(c), core.SettingsOf(c)
	base := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	t := &store.TicketDetail{StageName: "Waiting on us", PipelineName: "Support"}
	t.ID, t.Subject, t.Priority, t.Category = 1040, l.T("sample.subject_1"), model.PriorityHigh, "technical"
	t.CreatedAt, t.LastActivityAt = base, base.Add(26*time.Hour)
	if closed {
		t = sampleClosedTicket(l)
	}
	pf, err := core.PortalForm(c.UserContext(), s.Store.DB, st)
	if err != nil {
		return err
	}
	p, canSolve, err := s.samplePipeline(c)
	if err != nil {
		return err
	}
	staffID := int64(-2)
	m["Title"], m["Ticket"], m["Fields"] = "#"+strconv.FormatInt(t.ID, 10)+" "+t.Subject, t, core.TicketFields(l, pf, &t.Ticket, false)
	agent := &model.StaffUser{Name: l.T("sample.agent_name")}
	m["Messages"] = []*model.Message{
		{ID: -1, Kind: model.KindPublic, Body: l.T("sample.message_1"), CreatedAt: t.CreatedAt, AuthorContactID: &ct.ID, AuthorContact: ct},
		{ID: -2, Kind: model.KindPublic, Body: l.T("sample.message_2"), CreatedAt: t.CreatedAt.Add(3 * time.Hour), AuthorStaffID: &staffID, AuthorStaff: agent},
	}
	if closed {
		m["Messages"] = []*model.Message{
			{ID: -1, Kind: model.KindPublic, Body: l.T("sample.closed_message_1"), CreatedAt: t.CreatedAt, AuthorContactID: &ct.ID, AuthorContact: ct},
			{ID: -2, Kind: model.KindPublic, Body: l.T("sample.closed_message_2"), CreatedAt: t.CreatedAt.Add(40 * time.Minute), AuthorStaffID: &staffID, AuthorStaff: agent},
			{ID: -3, Kind: model.KindPublic, Body: l.T("sample.closed_message_3"), CreatedAt: t.LastActivityAt, AuthorContactID: &ct.ID, AuthorContact: ct},
		}
	}
	m["Reply"], m["Errors"], m["MaxUploads"], m["MaxSize"] = form.Reply{}, form.Errors{}, s.Config.MaxUploads, s.Config.MaxUploadSize
	m["Solve"] = core.NewSolvePanel(core.SettingsOf(c), t, p, nil, canSolve, time.Now())
	m["Share"] = core.NewSharePanel(st, ct, t.ID, sampleAudience(l, st, ct, t.CreatedAt), "", nil)
	m["Mute"] = &core.MutePanel{TicketID: t.ID}
	if closed && st.Rating.On() {
		m["Rating"] = core.NewRatePanel(t.ID, sampleRateState(t), desk.MaxRatingComment)
	}
	return nil
}

// samplePipeline is the default pipeline (the first one), whose solve and
// reopen policy the sample ticket follows, and whether it has a stage to
// solve to. Without a pipeline, closed tickets are read-only.
func (s *Handler) samplePipeline(c *fiber.Ctx) (*model.Pipeline, bool, error) {
	ps, err := store.Pipelines(c.UserContext(), s.Store.DB)
	if err != nil || len(ps) == 0 {
		return &model.Pipeline{ReopenPolicy: model.ReopenReadOnly}, false, err
	}
	p := &ps[0]
	_, err = store.SolveStage(c.UserContext(), s.Store.DB, p)
	if err != nil && !errors.Is(err, store.ErrNoStage) {
		return nil, false, err
	}
	return p, err == nil, nil
}

// sampleClosedTicket is a ticket that closed an hour ago, so that its
// rating and its reopening window are open.
func sampleClosedTicket(l *i18n.Locale) *store.TicketDetail {
	closedAt := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	t := &store.TicketDetail{StageName: "Closed", PipelineName: "Support"}
	t.ID, t.Subject, t.Category, t.Closed = 1036, l.T("sample.subject_5"), "technical", true
	t.CreatedAt, t.LastActivityAt, t.ClosedAt = closedAt.Add(-26*time.Hour), closedAt, bun.NullTime{Time: closedAt}
	return t
}

// sampleRateState is the not yet rated close of a sample closed ticket.
func sampleRateState(t *store.TicketDetail) *store.RateState {
	until := t.ClosedAt.Time.Add(model.RatingWindow)
	return &store.RateState{Close: &model.TicketClose{ID: -1, TicketID: t.ID, ClosedAt: t.ClosedAt.Time}, Open: true, Until: until}
}

// sampleAudience is who can see a sample ticket: its contact, a colleague
// the contact added, and, under the company permission, everyone at the
// contact's company.
func sampleAudience(l *i18n.Locale, st model.PortalSettings, ct *model.Contact, at time.Time) *store.Audience {
	by := ct.ID
	a := &store.Audience{
		Contacts: []store.Person{{ID: ct.ID, Name: ct.Name, Email: ct.Email}},
		Participants: []store.Participant{{
			Person:  store.Person{ID: -3, Name: l.T("sample.colleague_name"), Email: "colleague@example.com"},
			AddedAt: bun.NullTime{Time: at.Add(time.Hour)}, AddedByContact: &by, AddedByName: ct.Name,
		}},
	}
	if st.Permission == model.PermissionCompany && ct.Company != nil {
		a.Companies = []store.CompanyAudience{{ID: ct.Company.ID, Name: ct.Company.Name, Count: 12}}
	}
	return a
}
