package admin

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// nameAudit is what the audit log keeps of a renamed record.
type nameAudit struct {
	Name string `json:"name"`
}

// ListsIndex shows the static lists, with the form for a new one.
func (s *Handler) ListsIndex(c *fiber.Ctx) error {
	return s.listsPage(c, fiber.StatusOK, "", form.Errors{})
}

func (s *Handler) listsPage(c *fiber.Ctx, status int, name string, errs form.Errors) error {
	rows, err := store.ListsWithCounts(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	return s.recRender(c, status, "pages/admin/lists", "partials/admin/list_create", fiber.Map{
		"Title": core.LocaleOf(c).T("records.lists"), "Rows": rows, "Name": name, "Errors": errs,
	})
}

// ListsCreate creates a static list and opens it.
func (s *Handler) ListsCreate(c *fiber.Ctx) error {
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	if errs.Any() {
		return s.listsPage(c, fiber.StatusUnprocessableEntity, name, errs)
	}
	var l *model.List
	err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if l, err = store.AddList(ctx, tx, name); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, recAudit(c, "list.create", recTarget("list", l.ID), nil, nameAudit{name}))
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/lists/"+recItoa(l.ID))
}

// recList loads the list named by :id, or answers 404.
func (s *Handler) recList(c *fiber.Ctx) (*model.List, error) {
	id, err := recID(c)
	if err != nil {
		return nil, err
	}
	l, err := store.ListByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return l, err
}

// listView is everything a list's page shows.
func (s *Handler) listView(c *fiber.Ctx, l *model.List) (fiber.Map, error) {
	q := form.NewRecordsQuery(c.Query)
	q.Q = ""
	rows, total, err := store.ListMembers(c.UserContext(), s.Store.DB, l.ID, store.Page{Number: q.Page, Size: RecordsPageSize})
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"Title": l.Name, "Record": l, "Name": l.Name, "Errors": form.Errors{}, "Rows": rows,
		"MemberErrors": form.Errors{}, "Pager": newRecPager("/admin/lists/"+recItoa(l.ID), q, total),
	}, nil
}

// ListsShow shows a list: its name and members.
func (s *Handler) ListsShow(c *fiber.Ctx) error {
	l, err := s.recList(c)
	if err != nil {
		return err
	}
	m, err := s.listView(c, l)
	if err != nil {
		return err
	}
	m["Saved"] = c.Query("saved") == "1"
	return s.adminPage(c, fiber.StatusOK, "pages/admin/list", m)
}

// ListsRename renames a list.
func (s *Handler) ListsRename(c *fiber.Ctx) error {
	l, err := s.recList(c)
	if err != nil {
		return err
	}
	errs := form.Errors{}
	name := form.RecordName(c.FormValue, "name", errs)
	if !errs.Any() {
		err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
			if err := store.RenameList(ctx, tx, l.ID, name); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, recAudit(c, "list.rename", recTarget("list", l.ID), nameAudit{l.Name}, nameAudit{name}))
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/lists/"+recItoa(l.ID)+"?saved=1")
		}
		l.Name = name
	}
	m, err := s.listView(c, l)
	if err != nil {
		return err
	}
	m["Name"], m["Errors"], m["Saved"] = name, errs, !errs.Any()
	return s.recRender(c, recStatus(errs), "pages/admin/list", "partials/admin/list_rename", m)
}

// ListsMembers adds a contact to the list by email, or removes one
// (action=remove, contact=<id>).
func (s *Handler) ListsMembers(c *fiber.Ctx) error {
	l, err := s.recList(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	remove := c.FormValue("action") == "remove"
	errs := form.Errors{}
	email := strings.TrimSpace(c.FormValue("email"))
	var ct *model.Contact
	if remove {
		id, _ := strconv.ParseInt(c.FormValue("contact"), 10, 64)
		if ct, err = store.ContactByID(ctx, s.Store.DB, id); core.IsNotFound(err) {
			errs["email"] = "backoffice.no_such_contact"
		} else if err != nil {
			return err
		}
	} else if email == "" {
		errs["email"] = "form.required"
	} else if ct, err = store.ContactByEmail(ctx, s.Store.DB, email); core.IsNotFound(err) {
		errs["email"] = "backoffice.no_such_contact"
	} else if err != nil {
		return err
	}
	if !errs.Any() {
		err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			action, changed := "list.member_add", false
			var err error
			if remove {
				action = "list.member_remove"
				changed, err = store.RemoveListMember(ctx, tx, l.ID, ct.ID)
			} else {
				changed, err = store.AddListMember(ctx, tx, l.ID, ct.ID)
			}
			if err != nil || !changed {
				return err
			}
			if err := store.AddAudit(ctx, tx, recAudit(c, action, recTarget("list", l.ID), nil,
				memberAudit{ListID: l.ID, ContactID: ct.ID, Email: ct.Email})); err != nil || remove {
				return err
			}
			return s.Desk.InviteNewMembers(ctx, tx, core.SettingsOf(c))
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/lists/"+recItoa(l.ID)+"#list-members")
		}
		email = ""
	}
	m, err := s.listView(c, l)
	if err != nil {
		return err
	}
	m["MemberErrors"], m["MemberEmail"] = errs, email
	return s.recRender(c, recStatus(errs), "pages/admin/list", "partials/admin/list_members", m)
}
