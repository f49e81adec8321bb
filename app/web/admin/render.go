package admin

import (
	"strings"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"

	"github.com/gofiber/fiber/v2"
)

const adminLayout = "layouts/admin"

// adminPage renders a back-office page inside the admin layout.
func (s *Handler) adminPage(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	m = s.View(c, m)
	m["Staff"] = core.StaffOf(c)
	m["Section"] = navSection(c.Path())
	return c.Render(name, m, adminLayout)
}

// navSection names the entry of the back office's navigation that the
// path belongs to, for the layout to mark as the current page: the
// path's first part after /admin, where tickets belong to the inbox.
func navSection(path string) string {
	part, _, _ := strings.Cut(strings.TrimPrefix(path, "/admin/"), "/")
	if part == "tickets" {
		return "inbox"
	}
	return part
}

// adminFragment renders a back-office partial alone.
func (s *Handler) adminFragment(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	m = s.View(c, m)
	m["Staff"] = core.StaffOf(c)
	return c.Render(name, m)
}

// audit records a security event or a change made by the current staff
// user; a failure to write it is logged, never shown.
func (s *Handler) audit(c *fiber.Ctx, action, target, before, after string) {
	e := &model.AuditEntry{ActorType: "anonymous", Action: action, Target: target, Before: before, After: after, IP: core.IP(c)}
	if u := core.StaffOf(c); u != nil {
		e.ActorType, e.ActorID = "staff", &u.ID
	}
	if err := store.AddAudit(c.UserContext(), s.Store.DB, e); err != nil {
		s.Log.Error("audit log write failed", "err", err)
	}
}
