package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

func companyName(ct *model.Contact) string {
	if ct == nil || ct.Company == nil {
		return ""
	}
	return ct.Company.Name
}

// visibleTicket loads a ticket the contact may see, or answers 404.
func (s *Handler) visibleTicket(c *fiber.Ctx) (*store.TicketDetail, error) {
	id, err := core.TicketID(c)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.VisibleTicket(c.UserContext(), s.Store.DB, core.Viewer(c, true), id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return t, err
}

// ticketView is what the ticket page and its conversation fragment show.
func (s *Handler) ticketView(c *fiber.Ctx, t *store.TicketDetail, reply form.Reply, errs form.Errors) (fiber.Map, error) {
	msgs, err := store.LatestThreadMessages(c.UserContext(), s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	mute, err := s.mute(c, t.ID)
	if err != nil {
		return nil, err
	}
	pf, err := core.PortalForm(c.UserContext(), s.Store.DB, core.SettingsOf(c))
	if err != nil {
		return nil, err
	}
	share, err := s.share(c, t.ID, "", nil)
	if err != nil {
		return nil, err
	}
	solve, err := s.solveState(c, t)
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"Solve":      solve,
		"Fields":     core.TicketFields(core.LocaleOf(c), pf, &t.Ticket, false),
		"Share":      share,
		"Title":      "#" + strconv.FormatInt(t.ID, 10) + " " + t.Subject,
		"Ticket":     t,
		"Mute":       mute,
		"Messages":   msgs,
		"Reply":      reply,
		"Errors":     errs,
		"MaxUploads": s.Config.MaxUploads,
		"MaxSize":    s.Config.MaxUploadSize,
	}, nil
}

// TicketShow shows a ticket's properties and the public messages of its
// most recent thread.
func (s *Handler) TicketShow(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
	if err != nil {
		return err
	}
	if m["Rating"], err = s.ratingFor(c, t); err != nil {
		return err
	}
	m["Sent"] = c.Query("sent") == "1"
	m["Created"] = c.Query("created") == "1"
	m["Solve"].(*core.SolvePanel).Solved = c.Query("solved") == "1"
	m["Solve"].(*core.SolvePanel).NewFollowUp = c.Query("followup") == "1"
	if sh, ok := m["Share"].(*core.SharePanel); ok {
		sh.Added, sh.Removed, sh.Left = c.Query("shared") == "1", c.Query("unshared") == "1", c.Query("left") == "1"
	}
	if mu, ok := m["Mute"].(*core.MutePanel); ok {
		mu.Changed = c.Query("muted") != ""
	}
	return s.Page(c, fiber.StatusOK, "pages/portal/ticket", m)
}
