package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

func companyName(ct *model.Contact) string {
	if ct == nil || ct.Company == nil {
		return ""
	}
	return ct.Company.Name
}

// ticketID reads the :id parameter; anything but a positive number is the
// same 404 as a missing ticket.
func ticketID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// visibleTicket loads a ticket the contact may see, or answers 404.
func (s *Server) visibleTicket(c *fiber.Ctx) (*store.TicketDetail, error) {
	id, err := ticketID(c)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.VisibleTicket(c.UserContext(), s.Store.DB, viewer(c, true), id)
	if isNotFound(err) {
		return nil, errNotFound
	}
	return t, err
}

// ticketView is what the ticket page and its conversation fragment show.
func (s *Server) ticketView(c *fiber.Ctx, t *store.TicketDetail, reply form.Reply, errs form.Errors) (fiber.Map, error) {
	msgs, err := store.LatestThreadMessages(c.UserContext(), s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"Title":      "#" + strconv.FormatInt(t.ID, 10) + " " + t.Subject,
		"Ticket":     t,
		"Messages":   msgs,
		"Reply":      reply,
		"Errors":     errs,
		"MaxUploads": s.Config.MaxUploads,
		"MaxSize":    s.Config.MaxUploadSize,
	}, nil
}

// ticketShow shows a ticket's properties and the public messages of its
// most recent thread.
func (s *Server) ticketShow(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
	if err != nil {
		return err
	}
	m["Sent"] = c.Query("sent") == "1"
	return s.page(c, fiber.StatusOK, "pages/portal/ticket", m)
}
