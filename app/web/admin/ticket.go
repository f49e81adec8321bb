package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/desk"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// agentTicket loads any ticket by the :id parameter, or answers 404.
func (s *Handler) agentTicket(c *fiber.Ctx) (*store.TicketDetail, error) {
	id, err := core.TicketID(c)
	if err != nil {
		return nil, err
	}
	t, err := store.TicketByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, core.ErrNotFound
	}
	return t, err
}

// agentTicketView is everything the agent's ticket page shows.
func (s *Handler) agentTicketView(c *fiber.Ctx, t *store.TicketDetail) (fiber.Map, error) {
	ctx := c.UserContext()
	threads, err := store.TicketThreads(ctx, s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	contacts, err := store.TicketContacts(ctx, s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	companies, err := store.TicketCompanies(ctx, s.Store.DB, t.ID)
	if err != nil {
		return nil, err
	}
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return nil, err
	}
	staff, err := store.StaffUsers(ctx, s.Store.DB)
	if err != nil {
		return nil, err
	}
	pf, err := core.PortalForm(ctx, s.Store.DB, core.SettingsOf(c))
	if err != nil {
		return nil, err
	}
	share, err := s.ticketShare(c, t.ID, staff, "", nil)
	if err != nil {
		return nil, err
	}
	followUps, err := s.ticketFollowUps(c, t)
	if err != nil {
		return nil, err
	}
	return fiber.Map{
		"FollowUps": followUps,
		"Fields":    core.TicketFields(core.LocaleOf(c), pf, &t.Ticket, true),
		"Share":     share,
		"Title":     "#" + strconv.FormatInt(t.ID, 10) + " " + t.Subject, "Ticket": t, "Threads": threads,
		"Contacts": contacts, "Companies": companies, "Pipelines": pipelines, "StaffUsers": staff,
		"Priorities": form.Priorities, "Errors": form.Errors{}, "Composer": form.StaffMessage{},
		"MaxUploads": s.Config.MaxUploads, "MaxSize": s.Config.MaxUploadSize,
	}, nil
}

// TicketShow shows a ticket with every thread and message kind.
func (s *Handler) TicketShow(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	m, err := s.agentTicketView(c, t)
	if err != nil {
		return err
	}
	if m["Ratings"], err = s.ticketRatings(c, t.ID); err != nil {
		return err
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/ticket", m)
}

// TicketMessage adds a public reply (kind public) or an internal note. The
// reply reaches the portal at once; a note never does.
func (s *Handler) TicketMessage(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		t, err := s.agentTicket(c)
		if err != nil {
			return err
		}
		f := form.NewStaffMessage(c.FormValue)
		errs := f.Validate()
		files, problem, err := s.ReadUploads(c, "attachments")
		if err != nil {
			return err
		}
		if problem != "" {
			errs["attachments"] = problem
		}
		if !errs.Any() {
			_, err = s.Desk.AddAgentMessage(c.UserContext(), actor(c), store.StaffMessage{
				TicketID: t.ID, StaffID: core.StaffOf(c).ID, Kind: kind, Body: f.Body, Files: files,
				DefaultInboxID: core.SettingsOf(c).DefaultInboxID,
			})
			if err != nil {
				s.Log.Error("agent message failed", "ticket", t.ID, "err", err)
				errs["form"] = "reply.failed"
			} else if !core.IsFragment(c) {
				return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10)+"#latest")
			} else {
				f = form.StaffMessage{}
			}
		}
		m, err := s.agentTicketView(c, t)
		if err != nil {
			return err
		}
		status := fiber.StatusOK
		if errs.Any() {
			status = fiber.StatusUnprocessableEntity
			m["Composer"], m["Errors"], m["Kind"] = f, errs, kind
		} else {
			m["Sent"] = kind
		}
		if core.IsFragment(c) {
			return s.adminFragment(c, status, "partials/admin/ticket_work", m)
		}
		return s.adminPage(c, status, "pages/admin/ticket", m)
	}
}

// TicketUpdate changes stage, pipeline, priority and owner. Moving to
// a closed stage makes the ticket read-only in the portal.
func (s *Handler) TicketUpdate(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	pipelines, err := store.Pipelines(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	staff, err := store.StaffUsers(ctx, s.Store.DB)
	if err != nil {
		return err
	}
	f := form.NewTicketChange(c.FormValue)
	errs := f.Validate(pipelines, staff)
	if !errs.Any() {
		var owner *int64
		if f.Owner != 0 {
			owner = &f.Owner
		}
		err = s.Desk.ChangeTicket(ctx, actor(c), &t.Ticket, store.TicketChange{
			PipelineID: f.Pipeline, StageID: f.Stage, Priority: f.Priority, OwnerID: owner,
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10))
		}
		if t, err = s.agentTicket(c); err != nil {
			return err
		}
	}
	m, err := s.agentTicketView(c, t)
	if err != nil {
		return err
	}
	m["PropsErrors"] = errs
	m["PropsSaved"] = !errs.Any()
	status := fiber.StatusOK
	if errs.Any() {
		status = fiber.StatusUnprocessableEntity
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/ticket_props", m)
	}
	return s.adminPage(c, status, "pages/admin/ticket", m)
}

// TicketAssociation adds or removes a contact (by email) or a company.
func (s *Handler) TicketAssociation(c *fiber.Ctx) error {
	t, err := s.agentTicket(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	remove := c.FormValue("action") == "remove"
	var contactID, companyID int64
	errs := form.Errors{}
	if email := c.FormValue("contact_email"); email != "" {
		ct, err := store.ContactByEmail(ctx, s.Store.DB, email)
		if core.IsNotFound(err) {
			errs["contact_email"] = "backoffice.no_such_contact"
		} else if err != nil {
			return err
		} else {
			contactID = ct.ID
		}
	}
	if id, _ := strconv.ParseInt(c.FormValue("company"), 10, 64); id > 0 {
		if _, err := store.CompanyByID(ctx, s.Store.DB, id); core.IsNotFound(err) {
			errs["company"] = "form.invalid"
		} else if err != nil {
			return err
		} else {
			companyID = id
		}
	}
	if contactID == 0 && companyID == 0 && !errs.Any() {
		errs["contact_email"] = "backoffice.contact_or_company"
	}
	if !errs.Any() {
		action := "ticket.associate"
		err = s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if remove {
				action = "ticket.dissociate"
				if err := store.Dissociate(ctx, tx, t.ID, contactID, companyID); err != nil {
					return err
				}
			} else if err := store.Associate(ctx, tx, t.ID, contactID, companyID); err != nil {
				return err
			}
			return store.AddAudit(ctx, tx, staffAudit(c, action, t.ID, "",
				"contact="+strconv.FormatInt(contactID, 10)+" company="+strconv.FormatInt(companyID, 10)))
		})
		if err != nil {
			return err
		}
		if !core.IsFragment(c) {
			return core.Redirect(c, "/admin/tickets/"+strconv.FormatInt(t.ID, 10))
		}
	}
	m, err := s.agentTicketView(c, t)
	if err != nil {
		return err
	}
	m["AssocErrors"] = errs
	status := fiber.StatusOK
	if errs.Any() {
		// Keep what was typed only when it needs fixing.
		m["AssocEmail"] = c.FormValue("contact_email")
		status = fiber.StatusUnprocessableEntity
	}
	if core.IsFragment(c) {
		return s.adminFragment(c, status, "partials/admin/ticket_assoc", m)
	}
	return s.adminPage(c, status, "pages/admin/ticket", m)
}

// staffAudit is an audit entry by the current staff user about a ticket.
func staffAudit(c *fiber.Ctx, action string, ticketID int64, before, after string) *model.AuditEntry {
	e := &model.AuditEntry{ActorType: "staff", Action: action, Target: "ticket:" + strconv.FormatInt(ticketID, 10),
		Before: before, After: after, IP: core.IP(c)}
	if u := core.StaffOf(c); u != nil {
		e.ActorID = &u.ID
	}
	return e
}

// actor is the current staff user, for the desk's audit entries.
func actor(c *fiber.Ctx) desk.Actor {
	a := desk.Actor{IP: core.IP(c)}
	if u := core.StaffOf(c); u != nil {
		a.StaffID = &u.ID
	}
	return a
}
