package core

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
)

var (
	ErrUnavailable = fiber.NewError(fiber.StatusServiceUnavailable, "unavailable")
	errCSRF        = fiber.NewError(fiber.StatusForbidden, "csrf")
	ErrRateLimited = fiber.NewError(fiber.StatusTooManyRequests, "rate limited")
)

// Message renders the one page used for every refusal and error, with a
// translated heading and text. System page texts from the settings win.
func (s *Core) Message(c *fiber.Ctx, status int, titleKey, bodyKey string) error {
	l := LocaleOf(c)
	title, body := titleKey, bodyKey
	if l != nil {
		title, body = l.T(titleKey), l.T(bodyKey)
	}
	if pt, ok := SettingsOf(c).Pages[pageKey(titleKey)]; ok && l != nil {
		if v := l.Pick(pt.Heading); v != "" {
			title = v
		}
		if v := l.Pick(pt.Intro); v != "" {
			body = v
		}
	}
	c.Set("Cache-Control", "no-store")
	if c.Get("HX-Request") == "true" {
		// Shown in the page's alert area instead of the fragment's target.
		c.Set("HX-Retarget", "#flash")
		c.Set("HX-Reswap", "innerHTML")
		c.Status(status)
		return c.Render("partials/portal/flash", s.View(c, fiber.Map{"Error": body}))
	}
	return s.Page(c, status, "pages/portal/message", fiber.Map{
		"Title": title, "Heading": title, "Body": body, "RequestID": c.Locals(localReqID), "Status": status,
	})
}

// pageKey maps a message to its editable system page, if it has one.
func pageKey(titleKey string) string {
	switch titleKey {
	case "denied.title":
		return "access_denied"
	}
	return ""
}

// HandleError is Fiber's one error handler. It answers with the message
// page; details of unexpected errors go to the log only.
func (s *Core) HandleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	status := fiber.StatusInternalServerError
	if errors.As(err, &fe) {
		status = fe.Code
	}
	if status == fiber.StatusInternalServerError && store.IsUnavailable(err) {
		// The database went away (a restart, a network cut): the request
		// was rolled back whole, and may succeed if tried again.
		s.Log.Warn("database unavailable",
			slog.String("request_id", fmt.Sprint(c.Locals(localReqID))),
			slog.String("path", c.Path()),
			slog.Any("err", err))
		err, status = ErrUnavailable, fiber.StatusServiceUnavailable
	}
	if c.Locals(LocalLocale) == nil && s.I18n != nil {
		l := s.I18n.Locale(s.I18n.Match(c.Get(fiber.HeaderAcceptLanguage), s.I18n.Codes(), "en"))
		l.Default = SettingsOf(c).Language
		c.Locals(LocalLocale, l)
	}
	var limited *LimitedError
	if errors.As(err, &limited) {
		s.Metrics.RateLimited(RoutePattern(c, err))
		c.Set("Retry-After", retryAfter(limited.Wait))
		return s.Message(c, fiber.StatusTooManyRequests, "ratelimit.title", "ratelimit.body")
	}
	switch {
	case err == errCSRF:
		return s.Message(c, status, "csrf.title", "csrf.body")
	case err == ErrUnavailable:
		c.Set("Retry-After", "5")
		return s.Message(c, status, "retry.title", "retry.body")
	case err == ErrUploadBusy:
		c.Set("Retry-After", "10")
		return s.Message(c, status, "uploadbusy.title", "uploadbusy.body")
	case err == ErrRateLimited:
		s.Metrics.RateLimited(RoutePattern(c, err))
		c.Set("Retry-After", "60")
		return s.Message(c, status, "ratelimit.title", "ratelimit.body")
	case status == fiber.StatusNotFound:
		return s.Message(c, status, "notfound.title", "notfound.body")
	case status == fiber.StatusRequestEntityTooLarge:
		return s.Message(c, status, "toolarge.title", "toolarge.body")
	case status == fiber.StatusMethodNotAllowed:
		return s.Message(c, status, "notfound.title", "notfound.body")
	case status < 500:
		return s.Message(c, status, "badrequest.title", "badrequest.body")
	}
	s.Log.Error("request failed",
		slog.String("request_id", fmt.Sprint(c.Locals(localReqID))),
		slog.String("path", c.Path()),
		slog.Any("err", err))
	return s.Message(c, status, "error.title", "error.body")
}
