package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// samplePages are the portal templates an admin can preview with sample
// data: the ticket list and detail, and the system pages.
var samplePages = map[string]string{
	"list":     "pages/portal/tickets",
	"detail":   "pages/portal/ticket",
	"login":    "pages/portal/login",
	"register": "pages/portal/register",
	"logout":   "pages/portal/login",
	"denied":   "pages/portal/message",
	"reset":    "pages/portal/password_forgot",
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
	staffID := int64(-2)
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
	case "detail":
		t := &store.TicketDetail{StageName: "Waiting on us", PipelineName: "Support"}
		t.ID, t.Subject, t.Priority, t.Category = 1040, l.T("sample.subject_1"), model.PriorityHigh, "technical"
		t.CreatedAt, t.LastActivityAt = base, base.Add(26*time.Hour)
		pf, err := core.PortalForm(c.UserContext(), s.Store.DB, st)
		if err != nil {
			return err
		}
		m["Title"], m["Ticket"], m["Fields"] = "#1040 "+t.Subject, t, core.TicketFields(l, pf, &t.Ticket, false)
		m["Messages"] = []*model.Message{
			{ID: -1, Kind: model.KindPublic, Body: l.T("sample.message_1"), CreatedAt: base, AuthorContactID: &sampleContact.ID, AuthorContact: sampleContact},
			{ID: -2, Kind: model.KindPublic, Body: l.T("sample.message_2"), CreatedAt: base.Add(3 * time.Hour), AuthorStaffID: &staffID, AuthorStaff: &model.StaffUser{Name: l.T("sample.agent_name")}},
		}
		m["Reply"], m["Errors"], m["MaxUploads"], m["MaxSize"] = form.Reply{}, form.Errors{}, s.Config.MaxUploads, s.Config.MaxUploadSize
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
