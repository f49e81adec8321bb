package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

func (s *Handler) phoneTicketPage(c *fiber.Ctx, status int, f form.PhoneTicket, errs form.Errors) error {
	ctx := c.UserContext()
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	companies, err := store.Companies(ctx, s.Store.DB, "", 500)
	if err != nil {
		return err
	}
	// The category is a choice list when the portal's form gives it
	// choices, so that phone tickets file like portal ones.
	pf, err := core.PortalForm(ctx, s.Store.DB, core.SettingsOf(c))
	if err != nil {
		return err
	}
	var categories []model.Choice
	if pf != nil {
		for _, fl := range pf.Fields {
			if fl.Property == "category" {
				categories = fl.Choices
			}
		}
	}
	return s.adminPage(c, status, "pages/admin/ticket_new", fiber.Map{
		"Title": core.LocaleOf(c).T("backoffice.new_ticket"), "Form": f, "Errors": errs, "Pipelines": pipelines,
		"CompanyList": companies, "Priorities": form.Priorities, "Sources": form.PhoneSources,
		"Categories": categories, "CategoryListed": hasChoice(categories, f.Category),
	})
}

// TicketNew shows the form for a ticket taken by phone.
func (s *Handler) TicketNew(c *fiber.Ctx) error {
	return s.phoneTicketPage(c, fiber.StatusOK, form.PhoneTicket{Source: model.SourcePhone, ContactEmail: c.Query("contact")}, form.Errors{})
}

// TicketCreate creates a ticket by hand, for a contact and/or a
// company, with no thread. It shows in the portal at once; a customer's
// reply to it starts a thread in the default inbox.
func (s *Handler) TicketCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := form.NewPhoneTicket(c.FormValue)
	errs := f.Validate()
	var contact *model.Contact
	if !errs.Any() && f.ContactEmail != "" {
		ct, err := store.ContactByEmail(ctx, s.Store.DB, f.ContactEmail)
		if core.IsNotFound(err) {
			errs["contact_email"] = "backoffice.no_such_contact"
		} else if err != nil {
			return err
		}
		contact = ct
	}
	if !errs.Any() && f.CompanyID != 0 {
		if _, err := store.CompanyByID(ctx, s.Store.DB, f.CompanyID); core.IsNotFound(err) {
			errs["company"] = "form.invalid"
		} else if err != nil {
			return err
		}
	}
	var stage *model.Stage
	if !errs.Any() {
		st, err := store.FirstOpenStage(ctx, s.Store.DB, f.Pipeline)
		if core.IsNotFound(err) {
			errs["pipeline"] = "form.invalid"
		} else if err != nil {
			return err
		}
		stage = st
	}
	if errs.Any() {
		return s.phoneTicketPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	now := time.Now().UTC()
	t := &model.Ticket{Subject: f.Subject, PipelineID: f.Pipeline, StageID: stage.ID, Closed: stage.IsClosed,
		Priority: f.Priority, Category: f.Category, Source: f.Source, CreatedAt: now, LastActivityAt: now}
	var contacts, companies []int64
	if contact != nil {
		contacts = append(contacts, contact.ID)
		if contact.CompanyID != nil {
			companies = append(companies, *contact.CompanyID)
		}
	}
	if f.CompanyID != 0 && (len(companies) == 0 || companies[0] != f.CompanyID) {
		companies = append(companies, f.CompanyID)
	}
	err := s.Desk.CreatePhoneTicket(ctx, actor(c), t, contacts, companies)
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10))
}

func hasChoice(choices []model.Choice, v string) bool {
	for _, c := range choices {
		if c.Value == v {
			return true
		}
	}
	return false
}
