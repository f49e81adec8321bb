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

// companyContactsShown caps the contacts listed on a company's page.
const companyContactsShown = 100

// companyAudit is what the audit log keeps of a company.
type companyAudit struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// CompaniesIndex lists companies, searched by name or domain.
func (s *Handler) CompaniesIndex(c *fiber.Ctx) error {
	q := form.NewRecordsQuery(c.Query)
	rows, total, err := store.ListCompanies(c.UserContext(), s.Store.DB, q.Q, store.Page{Number: q.Page, Size: RecordsPageSize})
	if err != nil {
		return err
	}
	m := fiber.Map{
		"Title": core.LocaleOf(c).T("backoffice.companies"), "Rows": rows,
		"Pager": newRecPager("/admin/companies", q, total),
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, fiber.StatusOK, "partials/admin/company_list", m)
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/companies", m)
}

// CompaniesNew shows the form for a new company.
func (s *Handler) CompaniesNew(c *fiber.Ctx) error {
	return s.recRender(c, fiber.StatusOK, "pages/admin/company_new", "partials/admin/company_form", fiber.Map{
		"Title": core.LocaleOf(c).T("records.new_company"), "Form": form.CompanyEdit{}, "Errors": form.Errors{},
	})
}

// CompaniesCreate creates a company.
func (s *Handler) CompaniesCreate(c *fiber.Ctx) error {
	f := form.NewCompanyEdit(c.FormValue)
	if errs := f.Validate(); errs.Any() {
		return s.recRender(c, fiber.StatusUnprocessableEntity, "pages/admin/company_new", "partials/admin/company_form", fiber.Map{
			"Title": core.LocaleOf(c).T("records.new_company"), "Form": f, "Errors": errs,
		})
	}
	var co *model.Company
	err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if co, err = store.AddCompany(ctx, tx, f.Name, f.Domain); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "company.create", recTarget("company", co.ID), nil, companyAudit(f)))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/companies/"+recItoa(co.ID))
}

// recCompany loads the company named by :id, or answers 404.
func (s *Handler) recCompany(c *fiber.Ctx) (*model.Company, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	co, err := store.CompanyByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return co, err
}

// companyView is everything a company's page shows: the form, its
// contacts and a page of its tickets.
func (s *Handler) companyView(c *fiber.Ctx, co *model.Company) (fiber.Map, error) {
	ctx := c.UserContext()
	contacts, nContacts, err := store.CompanyContacts(ctx, s.Store.DB, co.ID, companyContactsShown)
	if err != nil {
		return nil, err
	}
	q := form.NewRecordsQuery(c.Query)
	q.Q = ""
	tickets, nTickets, err := store.CompanyTickets(ctx, s.Store.DB, co.ID, store.Page{Number: q.Page, Size: RecordsPageSize})
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"Title": co.Name, "Record": co, "Form": form.CompanyEdit{Name: co.Name, Domain: co.Domain}, "Errors": form.Errors{},
		"Contacts": contacts, "ContactsTotal": nContacts, "Tickets": tickets,
		"Pager": newRecPager("/admin/companies/"+recItoa(co.ID), q, nTickets),
	}, nil
}

// CompaniesShow shows a company.
func (s *Handler) CompaniesShow(c *fiber.Ctx) error {
	co, err := s.recCompany(c)
	if err != nil {
		return err
	}
	m, err := s.companyView(c, co)
	if err != nil {
		return err
	}
	m["Saved"] = c.Query("saved") == "1"
	return s.adminPage(c, fiber.StatusOK, "pages/admin/company", m)
}

// CompaniesSave saves a company's name and domain.
func (s *Handler) CompaniesSave(c *fiber.Ctx) error {
	co, err := s.recCompany(c)
	if err != nil {
		return err
	}
	f := form.NewCompanyEdit(c.FormValue)
	errs := f.Validate()
	if !errs.Any() {
		err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			if err := store.UpdateCompany(ctx, tx, co.ID, f.Name, f.Domain); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, recAudit(c, "company.update", recTarget("company", co.ID),
				companyAudit{Name: co.Name, Domain: co.Domain}, companyAudit(f)))
		})
		if core.IsNotFound(err) {
			return core.ErrNotFound
		} else if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/companies/"+recItoa(co.ID)+"?saved=1")
		}
		co.Name, co.Domain = f.Name, f.Domain
	}
	m, err := s.companyView(c, co)
	if err != nil {
		return err
	}
	m["Form"], m["Errors"], m["Saved"] = f, errs, !errs.Any()
	return s.recRender(c, recStatus(errs), "pages/admin/company", "partials/admin/company_form", m)
}
