package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/form"
)

const pageSize = 20

// listState is the ticket list's URL state, with helpers that build the
// links of its controls.
type listState struct {
	form.ListParams
	Total, Pages int
	Open, Closed int
	CanToggle    bool
	Base         string // the portal's public path
}

// With returns the list URL with one parameter changed. Changing anything
// but the page goes back to page 1.
func (ls listState) With(key, value string) string {
	p := ls.ListParams
	switch key {
	case "view":
		p.View, p.Page = value, 1
	case "status":
		p.Status, p.Page = value, 1
	case "q":
		p.Q, p.Page = value, 1
	case "sort":
		p.Sort, p.Page = value, 1
	case "page":
		p.Page, _ = strconv.Atoi(value)
	}
	return listURL(p, ls.CanToggle, ls.Base)
}

// SortBy returns the link of a column header.
func (ls listState) SortBy(col string) string { return ls.With("sort", nextSort(ls.Sort, col)) }

// SortDir tells how the list is sorted by col, for aria-sort.
func (ls listState) SortDir(col string) string { return sortDir(ls.Sort, col) }

// nextSort is the sort a column header leads to: ascending first, then it
// toggles. A sort is a column name, with "-" in front for descending.
func nextSort(current, col string) string {
	if current == col {
		return "-" + col
	}
	return col
}

// sortDir is "ascending", "descending" or "" (for aria-sort).
func sortDir(current, col string) string {
	switch current {
	case col:
		return "ascending"
	case "-" + col:
		return "descending"
	}
	return ""
}

// PageURL is With("page", n).
func (ls listState) PageURL(n int) string { return ls.With("page", strconv.Itoa(n)) }

func listURL(p form.ListParams, withView bool, base string) string {
	q := url.Values{}
	if withView && p.View == "org" {
		q.Set("view", p.View)
	}
	q.Set("status", p.Status)
	if p.Q != "" {
		q.Set("q", p.Q)
	}
	if p.Sort != "-activity" {
		q.Set("sort", p.Sort)
	}
	if p.Page > 1 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	return base + "/tickets?" + q.Encode()
}

// ticketList shows the contact's tickets. htmx gets only the list fragment.
func (s *Server) ticketList(c *fiber.Ctx) error {
	p := form.NewListParams(c.Query)
	ct := contactOf(c)
	ls := listState{ListParams: p, CanToggle: canSeeCompany(settingsOf(c), ct), Base: settingsOf(c).PortalPath()}
	if !ls.CanToggle {
		ls.View = "mine"
	}
	v := viewer(c, ls.View == "org")
	ctx := c.UserContext()
	rows, total, err := s.Store.ListTickets(ctx, s.Store.DB, v, store.ListQuery{
		Status: p.Status, Search: p.Q, Sort: p.Sort, Page: p.Page, Size: pageSize,
	})
	if err != nil {
		return err
	}
	ls.Open, ls.Closed, err = s.Store.CountTickets(ctx, s.Store.DB, v, p.Q)
	if err != nil {
		return err
	}
	ls.Total = total
	if isFragment(c) {
		// The search form sends every field; push the same canonical URL
		// that the links use.
		c.Set("HX-Push-Url", listURL(ls.ListParams, ls.CanToggle, ls.Base))
	}
	ls.Pages = max((total+pageSize-1)/pageSize, 1)
	return s.pageOrFragment(c, fiber.StatusOK, "pages/portal/tickets", "partials/portal/ticket_list", fiber.Map{
		"Title":   localeOf(c).T("tickets.title"),
		"List":    ls,
		"Rows":    rows,
		"Welcome": c.Query("welcome") == "1",
		"Company": companyName(ct),
	})
}
