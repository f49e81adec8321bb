package core

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Healthz answers while the process runs.
func (s *Core) Healthz(c *fiber.Ctx) error {
	return c.SendString("ok")
}

// Readyz answers 200 only when the database and the session store answer.
func (s *Core) Readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	res := fiber.Map{"database": "ok", "sessions": "ok"}
	status := fiber.StatusOK
	if err := s.Store.Ping(ctx); err != nil {
		res["database"], status = "unavailable", fiber.StatusServiceUnavailable
	}
	if err := s.Sessions.Ping(ctx); err != nil {
		res["sessions"], status = "unavailable", fiber.StatusServiceUnavailable
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(res)
}
