package admin

import (
	"portico/app/store"
	"portico/app/web/core"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Attachment sends any attachment to a staff user.
func (s *Handler) Attachment(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return core.ErrNotFound
	}
	a, err := store.AttachmentByID(c.UserContext(), s.Store.DB, id)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	return core.SendAttachment(c, s.Store.DB, a)
}
