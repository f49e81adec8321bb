package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// memberAudit is what the audit log keeps of a list membership change.
type memberAudit struct {
	ListID    int64  `json:"list_id"`
	ContactID int64  `json:"contact_id"`
	Email     string `json:"email"`
}

// ContactsLists adds the contact to a static list, or removes them from
// one (action=remove).
func (s *Handler) ContactsLists(c *fiber.Ctx) error {
	ct, err := s.recContact(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	remove := c.FormValue("action") == "remove"
	errs := form.Errors{}
	listID, _ := strconv.ParseInt(c.FormValue("list"), 10, 64)
	if listID <= 0 {
		errs["list"] = "records.choose_list"
	} else if _, err := store.ListByID(ctx, s.Store.DB, listID); core.IsNotFound(err) {
		errs["list"] = "form.invalid"
	} else if err != nil {
		return err
	}
	if !errs.Any() {
		err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			action, changed := "list.member_add", false
			var err error
			if remove {
				action = "list.member_remove"
				changed, err = store.RemoveListMember(ctx, tx, listID, ct.ID)
			} else {
				changed, err = store.AddListMember(ctx, tx, listID, ct.ID)
			}
			if err != nil || !changed {
				return err
			}
			if err := store.AddAudit(ctx, tx, recAudit(c, action, recTarget("list", listID), nil,
				memberAudit{ListID: listID, ContactID: ct.ID, Email: ct.Email})); err != nil || remove {
				return err
			}
			return s.Desk.InviteNewMembers(ctx, tx, core.SettingsOf(c))
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/contacts/"+recItoa(ct.ID)+"#contact-lists")
		}
	}
	m, err := s.contactView(c, ct)
	if err != nil {
		return err
	}
	m["ListErrors"] = errs
	m["ListsSaved"] = !errs.Any()
	return s.recRender(c, recStatus(errs), "pages/admin/contact", "partials/admin/contact_lists", m)
}
