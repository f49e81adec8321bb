package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// StaffNotifications lets a staff user opt out of (or back into) email
// about customers' new tickets and replies.
func (s *Handler) StaffNotifications(c *fiber.Ctx) error {
	u := core.StaffOf(c)
	optOut := c.FormValue("notify") != "on"
	err := s.Store.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.SetStaffNotify(ctx, tx, u.ID, optOut); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{ActorType: "staff", ActorID: &u.ID, Action: "staff.notifications",
			Target: "staff:" + strconv.FormatInt(u.ID, 10), After: strconv.FormatBool(!optOut), IP: core.IP(c)})
	})
	if err != nil {
		return err
	}
	return core.Redirect(c, "/admin/inbox?notify_saved=1")
}
