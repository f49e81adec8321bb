package portal

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

const pageSize = 20

// TicketList shows the contact's tickets. htmx gets only the list fragment.
func (s *Handler) TicketList(c *fiber.Ctx) error {
	p := form.NewListParams(c.Query)
	ct := core.ContactOf(c)
	ls := core.ListState{ListParams: p, CanToggle: core.CanSeeCompany(core.SettingsOf(c), ct), Base: core.SettingsOf(c).PortalPath()}
	if ls.View == "org" && !ls.CanToggle {
		ls.View = "mine"
	}
	page, err := s.ticketPage(c, ls, p)
	if err != nil {
		return err
	}
	// "Shared with me" is offered while tickets are shared with the
	// contact; the page's statement counts them.
	ls.HasShared = page.Shared > 0
	if ls.View == "shared" && !ls.HasShared {
		ls.View = "mine"
		if page, err = s.ticketPage(c, ls, p); err != nil {
			return err
		}
	}
	rows, total := page.Rows, page.Total
	ls.Open, ls.Closed, ls.Total = page.Open, page.Closed, total
	if core.IsFragment(c) {
		// The search form sends every field; push the same canonical URL
		// that the links use.
		c.Set("HX-Push-Url", core.ListURL(ls.ListParams, ls.CanToggle || ls.HasShared, ls.Base))
	}
	ls.Pages = max((total+pageSize-1)/pageSize, 1)
	l := core.LocaleOf(c)
	controls, list := ls.Controls(l, lastRow(rows)), core.ListRows(l, core.SettingsOf(c), rows)
	return s.PageOrFragment(c, fiber.StatusOK, "pages/portal/tickets", "partials/portal/ticket_list", fiber.Map{
		"Title":    l.T("tickets.title"),
		"List":     ls,
		"Controls": controls,
		"Parts":    controls.Parts(list),
		"Rows":     list,
		"Welcome":  c.Query("welcome") == "1",
		// No ticket at all in this view and no search: the page shows one
		// call to action instead of empty filters.
		"Empty":   ls.Open+ls.Closed == 0 && p.Q == "",
		"Company": companyName(ct),
	})
}

// ticketPage reads the page of the list's view.
func (s *Handler) ticketPage(c *fiber.Ctx, ls core.ListState, p form.ListParams) (store.TicketPage, error) {
	v := core.Viewer(c, ls.View == "org")
	lq := store.ListQuery{Status: p.Status, Search: p.Q, Sort: p.Sort, Page: p.Page, Size: pageSize, Shared: ls.View == "shared"}
	if key, id, ok := core.ParseCursor(p.After); ok {
		lq.AfterKey, lq.AfterID = key, id
	}
	return s.Store.TicketPage(c.UserContext(), s.Store.DB, v, lq)
}

func lastRow(rows []store.TicketRow) *store.TicketRow {
	if len(rows) == 0 {
		return nil
	}
	return &rows[len(rows)-1]
}
