package admin

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// contactTimelineSize is how many timeline entries a contact's page shows.
const contactTimelineSize = 100

// contactAudit is what the audit log keeps of a contact: never its
// password hash.
type contactAudit struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	CompanyID *int64 `json:"company_id"`
	Language  string `json:"language"`
	Disabled  bool   `json:"disabled"`
}

func contactAuditOf(f store.ContactFields) contactAudit {
	return contactAudit{Name: f.Name, Email: f.Email, CompanyID: f.CompanyID, Language: f.Language, Disabled: f.Disabled}
}

func contactFieldsOf(ct *model.Contact) store.ContactFields {
	return store.ContactFields{Name: ct.Name, Email: ct.Email, CompanyID: ct.CompanyID, Language: ct.Language, Disabled: ct.Disabled}
}

func contactEditOf(ct *model.Contact) form.ContactEdit {
	f := form.ContactEdit{Name: ct.Name, Email: ct.Email, Language: ct.Language, Disabled: ct.Disabled}
	if ct.CompanyID != nil {
		f.CompanyID = *ct.CompanyID
	}
	return f
}

// contactFormData is what the contact form offers to choose from: the
// companies (the current one always among them) and the languages.
func (s *Handler) contactFormData(c *fiber.Ctx, m fiber.Map, f form.ContactEdit) error {
	ctx := c.UserContext()
	companies, err := store.Companies(ctx, s.Store.DB, "", 500)
	if err != nil {
		return err
	}
	if f.CompanyID != 0 {
		found := false
		for _, co := range companies {
			found = found || co.ID == f.CompanyID
		}
		if co, err := store.CompanyByID(ctx, s.Store.DB, f.CompanyID); err == nil && !found {
			companies = append(companies, *co)
		} else if err != nil && !core.IsNotFound(err) {
			return err
		}
	}
	m["CompanyList"] = companies
	m["Codes"] = s.I18n.Codes()
	m["Form"] = f
	return nil
}

// checkContactForm validates the form, the company and the email's
// uniqueness included, so that every problem shows at once. The save
// checks the email again in its transaction.
func (s *Handler) checkContactForm(c *fiber.Ctx, f form.ContactEdit, contactID int64) (form.Errors, error) {
	errs := f.Validate(s.I18n.Codes())
	if errs["email"] == "" {
		taken, err := store.EmailTaken(c.UserContext(), s.Store.DB, f.Email, contactID)
		if err != nil {
			return nil, err
		}
		if taken {
			errs["email"] = "records.email_taken"
		}
	}
	if f.CompanyID != 0 {
		if _, err := store.CompanyByID(c.UserContext(), s.Store.DB, f.CompanyID); core.IsNotFound(err) {
			errs["company"] = "form.invalid"
		} else if err != nil {
			return nil, err
		}
	}
	return errs, nil
}

// fieldsOf is what the form stores; company 0 means none.
func fieldsOf(f form.ContactEdit) store.ContactFields {
	out := store.ContactFields{Name: f.Name, Email: f.Email, Language: f.Language, Disabled: f.Disabled}
	if f.CompanyID != 0 {
		id := f.CompanyID
		out.CompanyID = &id
	}
	return out
}

// ContactsNew shows the form for a new contact.
func (s *Handler) ContactsNew(c *fiber.Ctx) error {
	return s.contactNewPage(c, fiber.StatusOK, form.ContactEdit{}, form.Errors{})
}

func (s *Handler) contactNewPage(c *fiber.Ctx, status int, f form.ContactEdit, errs form.Errors) error {
	m := fiber.Map{"Title": core.LocaleOf(c).T("records.new_contact"), "Errors": errs}
	if err := s.contactFormData(c, m, f); err != nil {
		return err
	}
	return s.recRender(c, status, "pages/admin/contact_new", "partials/admin/contact_form", m)
}

// ContactsCreate creates a contact with no password; they get one through
// an invitation or a password reset.
func (s *Handler) ContactsCreate(c *fiber.Ctx) error {
	f := form.NewContactEdit(c.FormValue)
	errs, err := s.checkContactForm(c, f, 0)
	if err != nil {
		return err
	}
	if errs.Any() {
		return s.contactNewPage(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	var ct *model.Contact
	err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if ct, err = store.AddContact(ctx, tx, fieldsOf(f)); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "contact.create", recTarget("contact", ct.ID), nil, contactAuditOf(fieldsOf(f))))
	})
	if errors.Is(err, store.ErrEmailTaken) {
		return s.contactNewPage(c, fiber.StatusUnprocessableEntity, f, form.Errors{"email": "records.email_taken"})
	}
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/contacts/"+recItoa(ct.ID))
}

// contactView is everything the contact's page shows.
func (s *Handler) contactView(c *fiber.Ctx, ct *model.Contact) (fiber.Map, error) {
	ctx := c.UserContext()
	member, err := store.ContactLists(ctx, s.Store.DB, ct.ID)
	if err != nil {
		return nil, err
	}
	all, err := store.Lists(ctx, s.Store.DB)
	if err != nil {
		return nil, err
	}
	timeline, more, err := store.ContactTimeline(ctx, s.Store.DB, ct.ID, contactTimelineSize)
	if err != nil {
		return nil, err
	}
	on := map[int64]bool{}
	for _, l := range member {
		on[l.ID] = true
	}
	var other []model.List
	for _, l := range all {
		if !on[l.ID] {
			other = append(other, l)
		}
	}
	title := ct.Name
	if title == "" {
		title = ct.Email
	}
	m := fiber.Map{
		"Title": title, "Record": ct, "Errors": form.Errors{}, "MemberLists": member, "OtherLists": other,
		"ListErrors": form.Errors{}, "Timeline": timeline, "TimelineMore": more,
	}
	if err := s.contactFormData(c, m, contactEditOf(ct)); err != nil {
		return nil, err
	}
	return m, nil
}

// recContact loads the contact named by :id, or answers 404.
func (s *Handler) recContact(c *fiber.Ctx) (*model.Contact, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	ct, err := store.ContactByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return ct, err
}

// ContactsShow shows a contact: the edit form, list memberships and the
// timeline.
func (s *Handler) ContactsShow(c *fiber.Ctx) error {
	ct, err := s.recContact(c)
	if err != nil {
		return err
	}
	m, err := s.contactView(c, ct)
	if err != nil {
		return err
	}
	m["Saved"] = c.Query("saved") == "1"
	if err := s.deletionView(c, m, ct.ID, nil); err != nil {
		return err
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/contact", m)
}

// ContactsSave saves the contact form. Disabling a contact ends their
// sessions at once, on every instance (they live in the session store);
// a change of company takes effect on their next portal request, which
// reads the contact again (another instance forgets the contact it kept
// when the change's notification arrives).
func (s *Handler) ContactsSave(c *fiber.Ctx) error {
	ct, err := s.recContact(c)
	if err != nil {
		return err
	}
	f := form.NewContactEdit(c.FormValue)
	errs, err := s.checkContactForm(c, f, ct.ID)
	if err != nil {
		return err
	}
	if !errs.Any() {
		before, after := contactFieldsOf(ct), fieldsOf(f)
		err = s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			if err := store.UpdateContact(ctx, tx, ct.ID, after); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, recAudit(c, "contact.update", recTarget("contact", ct.ID), contactAuditOf(before), contactAuditOf(after)))
		})
		if err == nil && after.Disabled && !before.Disabled {
			err = s.Sessions.DeleteAccount(c.UserContext(), auth.KindContact, ct.ID)
		}
		switch {
		case errors.Is(err, store.ErrEmailTaken):
			errs["email"] = "records.email_taken"
		case core.IsNotFound(err):
			return core.ErrNotFound
		case err != nil:
			return err
		case !core.IsFragment(c):
			return core.Redirect(c, "/admin/contacts/"+recItoa(ct.ID)+"?saved=1")
		default:
			if ct, err = store.ContactByID(c.UserContext(), s.Store.DB, ct.ID); err != nil {
				return err
			}
		}
	}
	m, err := s.contactView(c, ct)
	if err != nil {
		return err
	}
	if errs.Any() {
		m["Errors"] = errs
		if err := s.contactFormData(c, m, f); err != nil {
			return err
		}
	} else {
		m["Saved"] = true
	}
	return s.recRender(c, recStatus(errs), "pages/admin/contact", "partials/admin/contact_form", m)
}
