package admin

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/desk"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// deletionView adds to the contact page the contact's pending deletion
// request, if any, and the erase form's error.
func (s *Handler) deletionView(c *fiber.Ctx, m fiber.Map, contactID int64, errs form.Errors) error {
	r, err := store.PendingDeletionRequest(c.UserContext(), s.Store.DB, contactID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if errs == nil {
		errs = form.Errors{}
	}
	m["Deletion"] = fiber.Map{"Pending": r, "Errors": errs, "Erased": c.Query("erased") == "1"}
	return nil
}

// DeletionRequests (under the contacts) lists the customers' requests to delete their
// accounts, pending ones first.
func (s *Handler) DeletionRequests(c *fiber.Ctx) error {
	rs, err := store.DeletionRequests(c.UserContext(), s.Store.DB, 500)
	if err != nil {
		return err
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/deletion_requests",
		fiber.Map{"Title": core.LocaleOf(c).T("admin.deletion.title"), "Requests": rs})
}

// ContactErase anonymises a contact for good and ends their sessions at
// once. The form must be confirmed.
func (s *Handler) ContactErase(c *fiber.Ctx) error {
	ct, err := s.recContact(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		m, err := s.contactView(c, ct)
		if err != nil {
			return err
		}
		if err := s.deletionView(c, m, ct.ID, form.Errors{"erase_confirm": "admin.deletion.confirm_required"}); err != nil {
			return err
		}
		return s.adminPage(c, fiber.StatusUnprocessableEntity, "pages/admin/contact", m)
	}
	who := desk.Actor{IP: core.IP(c)}
	if u := core.StaffOf(c); u != nil {
		who.StaffID = &u.ID
	}
	if err := s.Desk.EraseContact(c.UserContext(), who, ct.ID); err != nil {
		if core.IsNotFound(err) {
			return core.ErrNotFound
		}
		return err
	}
	if err := s.Sessions.DeleteAccount(c.UserContext(), auth.KindContact, ct.ID); err != nil {
		return err
	}
	return core.Redirect(c, "/admin/contacts/"+strconv.FormatInt(ct.ID, 10)+"?erased=1")
}
