package core

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// TicketID reads the :id parameter; anything but a positive number is the
// same 404 as a missing ticket.
func TicketID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound
	}
	return id, nil
}
