package admin

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// RecordsPageSize is the page size of the record lists.
const RecordsPageSize = 25

// ContactsIndex lists contacts, searched by name or email, a page at a
// time. htmx gets only the list fragment.
func (s *Handler) ContactsIndex(c *fiber.Ctx) error {
	q := form.NewRecordsQuery(c.Query)
	rows, total, err := store.ListContacts(c.UserContext(), s.Store.DB, q.Q, store.Page{Number: q.Page, Size: RecordsPageSize})
	if err != nil {
		return err
	}
	m := fiber.Map{
		"Title": core.LocaleOf(c).T("backoffice.contacts"), "Rows": rows,
		"Pager": newRecPager("/admin/contacts", q, total),
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, fiber.StatusOK, "partials/admin/contact_list", m)
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/contacts", m)
}

// ---------------------------------------------------------------------------
// Helpers shared by every records page.

// recPager is the URL state of a record list: search and page, with links.
type recPager struct {
	Path               string
	Q                  string
	Page, Pages, Total int
}

func newRecPager(path string, q form.RecordsQuery, total int) recPager {
	return recPager{Path: path, Q: q.Q, Page: q.Page, Total: total, Pages: max((total+RecordsPageSize-1)/RecordsPageSize, 1)}
}

// URL is the list at another page, with the same search.
func (p recPager) URL(page int) string {
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if enc := v.Encode(); enc != "" {
		return p.Path + "?" + enc
	}
	return p.Path
}

// Prev and Next are the neighbouring pages' links.
func (p recPager) Prev() string { return p.URL(p.Page - 1) }

// Next is the following page's link.
func (p recPager) Next() string { return p.URL(p.Page + 1) }

// recID reads the :id parameter, or answers 404.
func recID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.ErrNotFound
	}
	return id, nil
}

// recAudit is an audit entry by the current staff user about a record.
// Before and after are kept as JSON; nil leaves them empty.
func recAudit(c *fiber.Ctx, action, target string, before, after any) *model.AuditEntry {
	e := &model.AuditEntry{ActorType: "staff", Action: action, Target: target, IP: core.IP(c)}
	if u := core.StaffOf(c); u != nil {
		e.ActorID = &u.ID
	}
	if before != nil {
		b, _ := json.Marshal(before)
		e.Before = string(b)
	}
	if after != nil {
		b, _ := json.Marshal(after)
		e.After = string(b)
	}
	return e
}

func recTarget(kind string, id int64) string { return kind + ":" + recItoa(id) }

func recItoa(id int64) string { return strconv.FormatInt(id, 10) }

// postValues reads every value of a posted field, in order, from a plain
// or a multipart form.
func postValues(c *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	if len(out) == 0 {
		if mf, err := c.MultipartForm(); err == nil {
			out = mf.Value[key]
		}
	}
	return out
}

// recRender answers a record form: the fragment for htmx, or the whole
// page, with the same data.
func (s *Handler) recRender(c *fiber.Ctx, status int, page, fragment string, m fiber.Map) error {
	if core.IsFragment(c) {
		return s.adminFragment(c, status, fragment, m)
	}
	return s.adminPage(c, status, page, m)
}

// recStatus is 422 when there are errors, and 200 otherwise.
func recStatus(errs form.Errors) int {
	if errs.Any() {
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusOK
}
