package admin

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

const InboxPageSize = 25

// inboxState is the agents' list URL state, with link builders.
type inboxState struct {
	form.InboxParams
	Total, Pages int
}

// With returns the list URL with one parameter changed; anything but the
// page goes back to page 1.
func (s inboxState) With(key, value string) string {
	p := s.InboxParams
	n, _ := strconv.ParseInt(value, 10, 64)
	switch key {
	case "inbox":
		p.Inbox = n
	case "status":
		p.Status = value
	case "sort":
		p.Sort = value
	case "q":
		p.Q = value
	case "page":
		p.Page = int(n)
		return inboxURL(p)
	}
	p.Page = 1
	return inboxURL(p)
}

// SortBy is a column header's link.
func (s inboxState) SortBy(col string) string { return s.With("sort", core.NextSort(s.Sort, col)) }

// SortDir is the column's aria-sort value.
func (s inboxState) SortDir(col string) string { return core.SortDir(s.Sort, col) }

func inboxURL(p form.InboxParams) string {
	q := url.Values{}
	set := func(k string, v int64) {
		if v != 0 {
			q.Set(k, strconv.FormatInt(v, 10))
		}
	}
	set("inbox", p.Inbox)
	q.Set("status", p.Status)
	set("pipeline", p.Pipeline)
	set("stage", p.Stage)
	set("owner", p.Owner)
	if p.Priority != "" {
		q.Set("priority", p.Priority)
	}
	if p.Q != "" {
		q.Set("q", p.Q)
	}
	if p.Sort != "-activity" {
		q.Set("sort", p.Sort)
	}
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	return "/admin/inbox?" + q.Encode()
}

// Inbox lists tickets for agents, by inbox and filters. htmx gets only
// the list fragment.
func (s *Handler) Inbox(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := form.NewInboxParams(c.Query)
	rows, total, err := s.Store.AdminListTickets(ctx, s.Store.DB, store.AdminQuery{
		InboxID: p.Inbox, Status: p.Status, PipelineID: p.Pipeline, StageID: p.Stage, OwnerID: p.Owner,
		Priority: p.Priority, Search: p.Q, Sort: p.Sort, Page: p.Page, Size: InboxPageSize,
	})
	if err != nil {
		return err
	}
	inboxes, err := store.Inboxes(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	staff, err := store.StaffUsers(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	st := inboxState{InboxParams: p, Total: total, Pages: max((total+InboxPageSize-1)/InboxPageSize, 1)}
	m := fiber.Map{
		"Title": core.LocaleOf(c).T("backoffice.inbox_title"), "List": st, "Rows": rows,
		"Inboxes": inboxes, "Pipelines": pipelines, "StaffUsers": staff, "Priorities": form.Priorities,
		"NotifySaved": c.Query("notify_saved") == "1",
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, fiber.StatusOK, "partials/admin/inbox_list", m)
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/inbox", m)
}
