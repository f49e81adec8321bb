package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/mail"
	"portico/app/store"
)

const outboxPageSize = 50

// outboxStatuses are the filters the outbox list offers.
var outboxStatuses = []string{store.MailPending, store.MailSending, store.MailSent, store.MailFailed}

// accountMail tells whether a mail carries a login link (invitation,
// confirmation or reset). Reading one lets the reader log in as the
// contact, so only staff with the settings permission may.
func accountMail(kind string) bool {
	return kind == mail.KindInvite || kind == mail.KindVerify || kind == mail.KindReset
}

// outboxIndex lists recent mail, newest first, with an optional status
// filter: so that without SMTP an admin can see what would have been sent.
func (s *Server) outboxIndex(c *fiber.Ctx) error {
	status := c.Query("status")
	if !contains(outboxStatuses, status) {
		status = ""
	}
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	page = min(page, 10000)
	rows, total, err := store.RecentMails(c.UserContext(), s.Store.DB, status, outboxPageSize, (page-1)*outboxPageSize)
	if err != nil {
		return err
	}
	link := func(p int) string {
		q := "/admin/outbox?page=" + strconv.Itoa(p)
		if status != "" {
			q += "&status=" + status
		}
		return q
	}
	m := fiber.Map{
		"Title": localeOf(c).T("outbox.title"), "Rows": rows, "Total": total, "Status": status,
		"Statuses": outboxStatuses, "Page": page, "SMTP": s.Config.SMTPURL != "",
		"Invited": c.Query("invited") == "1",
	}
	if page > 1 {
		m["Newer"] = link(page - 1)
	}
	if page*outboxPageSize < total {
		m["Older"] = link(page + 1)
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/outbox", m)
}

// outboxShow shows one mail: its headers, state and text body with
// clickable links.
func (s *Server) outboxShow(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	m, err := store.MailByID(c.UserContext(), s.Store.DB, id)
	if isNotFound(err) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if accountMail(m.Kind) && !staffOf(c).CanPortalSettings {
		return s.message(c, fiber.StatusForbidden, "admin.forbidden_title", "admin.forbidden_body")
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/outbox_show", fiber.Map{
		"Title": m.Subject, "Mail": m, "Body": mail.Linkify(m.TextBody),
	})
}

// outboxRetry makes a failed mail due now.
func (s *Server) outboxRetry(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	if err := store.RetryMail(c.UserContext(), s.Store.DB, id, time.Now()); err != nil {
		return err
	}
	return redirect(c, "/admin/outbox/"+strconv.FormatInt(id, 10))
}
