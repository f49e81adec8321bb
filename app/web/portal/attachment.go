package portal

import (
	"portico/app/web/core"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Attachment sends an attachment of a ticket the contact may see.
// Someone else's attachment is the same 404 as a missing one.
func (s *Handler) Attachment(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return core.ErrNotFound
	}
	a, err := s.Store.VisibleAttachment(c.UserContext(), s.Store.DB, core.Viewer(c, true), id)
	if core.IsNotFound(err) {
		return core.ErrNotFound
	}
	if err != nil {
		return err
	}
	return core.SendAttachment(c, s.Store.DB, a)
}
