package web

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

// companyContactsShown caps the contacts listed on a company's page.
const companyContactsShown = 100

// companyAudit is what the audit log keeps of a company.
type companyAudit struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// companiesIndex lists companies, searched by name or domain.
func (s *Server) companiesIndex(c *fiber.Ctx) error {
	q := form.NewRecordsQuery(c.Query)
	rows, total, err := store.ListCompanies(c.UserContext(), s.Store.DB, q.Q, store.Page{Number: q.Page, Size: recPageSize})
	if err != nil {
		return err
	}
	m := fiber.Map{
		"Title": localeOf(c).T("backoffice.companies"), "Rows": rows,
		"Pager": newRecPager("/admin/companies", q, total),
	}
	if isFragment(c) {
		return s.adminFragment(c, fiber.StatusOK, "partials/admin/company_list", m)
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/companies", m)
}

// companiesNew shows the form for a new company.
func (s *Server) companiesNew(c *fiber.Ctx) error {
	return s.recRender(c, fiber.StatusOK, "pages/admin/company_new", "partials/admin/company_form", fiber.Map{
		"Title": localeOf(c).T("records.new_company"), "Form": form.CompanyEdit{}, "Errors": form.Errors{},
	})
}

// companiesCreate creates a company.
func (s *Server) companiesCreate(c *fiber.Ctx) error {
	f := form.NewCompanyEdit(c.FormValue)
	if errs := f.Validate(); errs.Any() {
		return s.recRender(c, fiber.StatusUnprocessableEntity, "pages/admin/company_new", "partials/admin/company_form", fiber.Map{
			"Title": localeOf(c).T("records.new_company"), "Form": f, "Errors": errs,
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
	return redirect(c, "/admin/companies/"+recItoa(co.ID))
}

// recCompany loads the company named by :id, or answers 404.
func (s *Server) recCompany(c *fiber.Ctx) (*model.Company, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	co, err := store.CompanyByID(c.UserContext(), s.Store.DB, id)
	if isNotFound(err) {
		return nil, errNotFound
	}
	return co, err
}

// companyView is everything a company's page shows: the form, its
// contacts and a page of its tickets.
func (s *Server) companyView(c *fiber.Ctx, co *model.Company) (fiber.Map, error) {
	ctx := c.UserContext()
	contacts, nContacts, err := store.CompanyContacts(ctx, s.Store.DB, co.ID, companyContactsShown)
	if err != nil {
		return nil, err
	}
	q := form.NewRecordsQuery(c.Query)
	q.Q = ""
	tickets, nTickets, err := store.CompanyTickets(ctx, s.Store.DB, co.ID, store.Page{Number: q.Page, Size: recPageSize})
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"Title": co.Name, "Record": co, "Form": form.CompanyEdit{Name: co.Name, Domain: co.Domain}, "Errors": form.Errors{},
		"Contacts": contacts, "ContactsTotal": nContacts, "Tickets": tickets,
		"Pager": newRecPager("/admin/companies/"+recItoa(co.ID), q, nTickets),
	}, nil
}

// companiesShow shows a company.
func (s *Server) companiesShow(c *fiber.Ctx) error {
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

// companiesSave saves a company's name and domain.
func (s *Server) companiesSave(c *fiber.Ctx) error {
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
		if isNotFound(err) {
			return errNotFound
		} else if err != nil {
			return err
		}
		if !isFragment(c) {
			return redirect(c, "/admin/companies/"+recItoa(co.ID)+"?saved=1")
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
