package portal

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// supportForm loads the form the portal is connected to, or answers a
// clear page when there is none.
func (s *Handler) supportForm(c *fiber.Ctx) (*model.Form, error) {
	id := core.SettingsOf(c).FormID
	if id == 0 {
		return nil, s.Message(c, fiber.StatusNotFound, "ticket.no_form_title", "ticket.no_form_body")
	}
	f, err := store.FormByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return nil, s.Message(c, fiber.StatusNotFound, "ticket.no_form_title", "ticket.no_form_body")
	}
	return f, err
}

func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Handler) ticketFormPage(c *fiber.Ctx, status int, f *model.Form, t form.NewTicket, errs form.Errors) error {
	return s.PageOrFragment(c, status, "pages/portal/ticket_new", "partials/portal/ticket_form", fiber.Map{
		"Title":      core.LocaleOf(c).T("ticket.new_title"),
		"Form":       f,
		"Values":     t.Values,
		"Key":        t.Key,
		"Errors":     errs,
		"Priorities": form.Priorities,
		"MaxUploads": s.Config.MaxUploads,
		"MaxSize":    s.Config.MaxUploadSize,
	})
}

// TicketNew shows the support form, with a fresh idempotency key.
func (s *Handler) TicketNew(c *fiber.Ctx) error {
	f, err := s.supportForm(c)
	if f == nil {
		return err
	}
	return s.ticketFormPage(c, fiber.StatusOK, f, form.NewTicket{Key: newIdempotencyKey(), Values: map[string]string{}}, form.Errors{})
}

// TicketCreate turns a submitted support form into exactly one ticket: a
// second post with the same key leads to the ticket the first created.
func (s *Handler) TicketCreate(c *fiber.Ctx) error {
	f, err := s.supportForm(c)
	if f == nil {
		return err
	}
	ct := core.ContactOf(c)
	ctx := c.UserContext()
	t := form.ReadNewTicket(f, c.FormValue)
	errs := t.Validate(f)
	if errs.Any() {
		return s.ticketFormPage(c, fiber.StatusUnprocessableEntity, f, t, errs)
	}
	// The key is scoped to the contact, so one contact can't collide with,
	// or find, another's submission.
	key := strconv.FormatInt(ct.ID, 10) + ":" + t.Key
	if id, err := store.SubmissionTicket(ctx, s.Store.DB, key); err != nil {
		return err
	} else if id != 0 {
		return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(id, 10))
	}
	if !s.AllowContactPost(c, "form", s.Posts.FormPerContact, s.Posts.FormPerIP) {
		return core.ErrRateLimited
	}
	var files []store.Upload
	if f.AllowAttachments {
		var problem string
		files, problem, err = s.ReadUploads(c, "attachments")
		if err != nil {
			return err
		}
		if problem != "" {
			errs["attachments"] = problem
			return s.ticketFormPage(c, fiber.StatusUnprocessableEntity, f, t, errs)
		}
	}
	sub := store.Submission{
		Form: f, Contact: ct, IdempotencyKey: key, Files: files,
		Subject: t.Values["subject"], Description: t.Values["description"],
		Priority: t.Values["priority"], Category: t.Values["category"], Properties: map[string]string{},
	}
	for _, fl := range f.Fields {
		if name, ok := customName(fl.Property); ok && t.Values[fl.Property] != "" {
			sub.Properties[name] = t.Values[fl.Property]
		}
	}
	id, err := s.Desk.CreateFormTicket(ctx, sub)
	if err != nil {
		// A concurrent double submit loses the race on the unique key:
		// lead it to the ticket the winner created.
		if existing, lerr := store.SubmissionTicket(ctx, s.Store.DB, key); lerr == nil && existing != 0 {
			return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(existing, 10))
		}
		s.Log.Error("support form failed", "err", err)
		errs["form"] = "ticket.create_failed"
		return s.ticketFormPage(c, fiber.StatusUnprocessableEntity, f, t, errs)
	}
	return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(id, 10)+"?created=1")
}

func customName(property string) (string, bool) {
	if len(property) > 7 && property[:7] == "custom:" {
		return property[7:], true
	}
	return "", false
}
