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

// InboxesIndex shows every inbox, each with its rename form, and the form
// for a new one.
func (s *Handler) InboxesIndex(c *fiber.Ctx) error {
	return s.inboxesPage(c, fiber.StatusOK, fiber.Map{"Name": "", "Errors": form.Errors{}})
}

// inboxesPage renders the whole page; m holds the "new inbox" form's state
// and, after a failed rename, the row as typed (RowID, RowName, RowErrors).
func (s *Handler) inboxesPage(c *fiber.Ctx, status int, m fiber.Map) error {
	rows, err := store.InboxesWithCounts(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, 0, len(rows))
	for _, r := range rows {
		item := fiber.Map{"Row": r, "Name": r.Name, "Errors": form.Errors{}}
		if id, _ := m["RowID"].(int64); id == r.ID {
			item["Name"], item["Errors"] = m["RowName"], m["RowErrors"]
		}
		items = append(items, s.View(c, item))
	}
	m["Title"], m["Items"] = core.LocaleOf(c).T("records.inboxes"), items
	return s.adminPage(c, status, "pages/admin/inboxes", m)
}

// InboxesCreate creates an inbox.
func (s *Handler) InboxesCreate(c *fiber.Ctx) error {
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	if errs.Any() {
		m := fiber.Map{"Name": name, "Errors": errs}
		if core.IsFragment(c) {
			return s.adminFragment(c, fiber.StatusUnprocessableEntity, "partials/admin/inbox_create", m)
		}
		return s.inboxesPage(c, fiber.StatusUnprocessableEntity, m)
	}
	var in *model.Inbox
	err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if in, err = store.AddInbox(ctx, tx, name); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "inbox.create", recTarget("inbox", in.ID), nil, nameAudit{name}))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/inboxes#inbox-"+recItoa(in.ID))
}

// InboxesRename renames an inbox.
func (s *Handler) InboxesRename(c *fiber.Ctx) error {
	id, err := recID(c)
	if err != nil {
		return err
	}
	in, err := store.InboxByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	} else if err != nil {
		return err
	}
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	if !errs.Any() {
		err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			if err := store.RenameInbox(ctx, tx, in.ID, name); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, recAudit(c, "inbox.rename", recTarget("inbox", in.ID), nameAudit{in.Name}, nameAudit{name}))
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/inboxes#inbox-"+recItoa(in.ID))
		}
	}
	if !core.IsFragment(c) {
		return s.inboxesPage(c, fiber.StatusUnprocessableEntity, fiber.Map{
			"Name": "", "Errors": form.Errors{}, "RowID": in.ID, "RowName": name, "RowErrors": errs,
		})
	}
	rows, err := store.InboxesWithCounts(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	var row store.InboxRow
	for _, r := range rows {
		if r.ID == in.ID {
			row = r
		}
	}
	return s.adminFragment(c, recStatus(errs), "partials/admin/inbox_row", fiber.Map{
		"Row": row, "Name": name, "Errors": errs, "Saved": !errs.Any(),
	})
}
