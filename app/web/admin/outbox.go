package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/mail"
	"portico/app/store"
	"portico/app/web/core"
)

const outboxPageSize = 50

// outboxStatuses are the filters the outbox list offers.
var outboxStatuses = []string{store.MailPending, store.MailSending, store.MailSent, store.MailFailed}

// accountMail tells whether a mail carries a login link (invitation,
// confirmation or reset), or signed links that act for the customer (the
// rating links of the closing email). Reading one lets the reader log in as the
// contact, so only staff with the settings permission may.
func accountMail(kind string) bool {
	return kind == mail.KindInvite || kind == mail.KindVerify || kind == mail.KindReset || kind == mail.KindClosed
}

// OutboxIndex lists recent mail, newest first, with an optional status
// filter: so that without SMTP an admin can see what would have been sent.
func (s *Handler) OutboxIndex(c *fiber.Ctx) error {
	status := c.Query("status")
	if !core.Contains(outboxStatuses, status) {
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
		"Title": core.LocaleOf(c).T("outbox.title"), "Rows": rows, "Total": total, "Status": status,
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

// OutboxShow shows one mail: its headers, state and text body with
// clickable links.
func (s *Handler) OutboxShow(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return core.ErrNotFound
	}
	m, err := store.MailByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	if accountMail(m.Kind) && !core.StaffOf(c).CanPortalSettings {
		return s.Message(c, fiber.StatusForbidden, "admin.forbidden_title", "admin.forbidden_body")
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/outbox_show", fiber.Map{
		"Title": m.Subject, "Mail": m, "Body": mail.Linkify(m.TextBody),
	})
}

// OutboxRetry makes a failed mail due now.
func (s *Handler) OutboxRetry(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return core.ErrNotFound
	}
	if err := store.RetryMail(c.UserContext(), s.Store.DB, id, time.Now()); err != nil {
		return err
	}
	return core.Redirect(c, "/admin/outbox/"+strconv.FormatInt(id, 10))
}
