package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

const (
	sessionCookie  = "portico_sid"
	languageCookie = "portico_lang"
	csrfField      = "_csrf"
	csrfHeader     = "X-CSRF-Token"
)

// requestID gives every request an ID, echoed in a header and in logs.
func (s *Server) requestID(c *fiber.Ctx) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Locals(localReqID, id)
	c.Set("X-Request-ID", id)
	return c.Next()
}

// accessLog logs each request once it is answered.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the answer now, so that the status
		// logged is the one sent.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	s.Log.Info("request",
		slog.String("request_id", fmt.Sprint(c.Locals(localReqID))),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("duration", time.Since(start)),
	)
	return nil
}

// recoverPanic turns a panic into a generic error page and logs the detail.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.Log.Error("panic in handler",
				slog.String("request_id", fmt.Sprint(c.Locals(localReqID))),
				slog.String("path", c.Path()),
				slog.Any("panic", r),
				slog.String("stack", string(debug.Stack())))
			err = fiber.ErrInternalServerError
		}
	}()
	return c.Next()
}

// securityHeaders sets a strict CSP and the other protective headers.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "+
		"frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.Config.Secure() {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// noStore keeps dynamic pages out of every cache.
func noStore(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	return c.Next()
}

// loadSettings reads the portal settings once per request, so that every
// instance applies a change at once.
func (s *Server) loadSettings(c *fiber.Ctx) error {
	if _, ok := c.Locals(localSettings).(model.PortalSettings); ok {
		return c.Next() // read already, to route the portal's slug
	}
	st, version, err := store.Settings(c.UserContext(), s.Store.DB)
	if err != nil {
		return err
	}
	c.Locals(localSettings, st)
	c.Locals(localSettingsVersion, version)
	return c.Next()
}

// resumeSession reads the session under the cookie. A visitor without one
// gets a fresh random ID, which anchors the CSRF token before login. It
// answers the live session of the given kind, or nil; an expired one is
// deleted and remembered as expired, for the login page's message.
func (s *Server) resumeSession(c *fiber.Ctx, cookie, kind string) (*auth.Session, error) {
	sid := c.Cookies(cookie)
	if len(sid) != 43 {
		sid = auth.NewSessionID()
		s.setCookie(c, cookie, sid)
	}
	c.Locals(localSID, sid)
	ctx := c.UserContext()
	se, err := s.Sessions.Get(ctx, sid)
	if err != nil {
		s.Log.Error("session store unavailable", slog.Any("err", err))
		return nil, errUnavailable
	}
	if se == nil || se.Kind != kind {
		return nil, nil
	}
	st := settingsOf(c)
	now := time.Now()
	if now.Sub(se.LastSeen) > st.IdleTimeout() || now.Sub(se.CreatedAt) > s.maxLifetime(st) {
		_ = s.Sessions.Delete(ctx, sid)
		c.Locals(localExpired, true)
		return nil, nil
	}
	return se, nil
}

// keepSession records the request as activity, or ends the session when
// its account is gone or disabled (ok false): that takes effect at once.
func (s *Server) keepSession(c *fiber.Ctx, se *auth.Session, ok bool) error {
	sid, _ := c.Locals(localSID).(string)
	ctx := c.UserContext()
	if !ok {
		_ = s.Sessions.Delete(ctx, sid)
		return nil
	}
	now := time.Now()
	se.LastSeen = now
	if err := s.Sessions.Put(ctx, sid, se, s.maxLifetime(settingsOf(c))-now.Sub(se.CreatedAt)); err != nil {
		s.Log.Error("session store unavailable", slog.Any("err", err))
		return errUnavailable
	}
	return nil
}

// loadSession resumes a customer's session and loads the contact.
func (s *Server) loadSession(c *fiber.Ctx) error {
	se, err := s.resumeSession(c, sessionCookie, auth.KindContact)
	if err != nil {
		return err
	}
	if se == nil {
		return s.loadPreview(c)
	}
	ct, err := store.ContactByID(c.UserContext(), s.Store.DB, se.AccountID)
	if err != nil && !isNotFound(err) {
		return err
	}
	live := err == nil && !ct.Disabled
	if err := s.keepSession(c, se, live); err != nil {
		return err
	}
	if !live {
		// Ended: the request goes on as an anonymous one, so that it is
		// sent to the login page rather than answered with nothing.
		return s.loadPreview(c)
	}
	c.Locals(localSession, se)
	c.Locals(localContact, ct)
	return c.Next()
}

func (s *Server) maxLifetime(st model.PortalSettings) time.Duration {
	if st.MaxLifetimeHours > 0 {
		return time.Duration(st.MaxLifetimeHours) * time.Hour
	}
	return s.Config.SessionMaxAge
}

// csrfToken is bound to the session ID, so a new session (at login) gets a
// new token and a token from another session is worthless.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	sid, _ := c.Locals(localSID).(string)
	return s.csrfFor(sid)
}

// csrfFor is the CSRF token of one session ID.
func (s *Server) csrfFor(sid string) string {
	if sid == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("csrf:" + sid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses a state change without the session's token, sent as a
// hidden field by plain forms or as a header by htmx.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	want := s.csrfToken(c)
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return c.Next()
}

// chooseLocale picks the language: the customer's own choice, then the
// browser's Accept-Language among the enabled ones, then the portal's.
func (s *Server) chooseLocale(c *fiber.Ctx) error {
	st := settingsOf(c)
	enabled := st.Languages
	if len(enabled) == 0 {
		enabled = []string{st.Language}
	}
	allowed := func(code string) bool {
		for _, e := range enabled {
			if e == code {
				return s.I18n.Has(code)
			}
		}
		return false
	}
	code := ""
	if ct := contactOf(c); ct != nil && allowed(ct.Language) {
		code = ct.Language
	} else if ck := c.Cookies(languageCookie); allowed(ck) {
		code = ck
	} else {
		def := st.Language
		if !allowed(def) {
			def = enabled[0]
		}
		code = s.I18n.Match(c.Get(fiber.HeaderAcceptLanguage), enabled, def)
	}
	c.Locals(localLocale, s.I18n.Locale(code))
	return c.Next()
}

// portalOn answers the "portal unavailable" page while the portal is off.
func (s *Server) portalOn(c *fiber.Ctx) error {
	if !settingsOf(c).Enabled && c.Locals(localPreview) == nil {
		return s.message(c, fiber.StatusServiceUnavailable, "unavailable.title", "unavailable.body")
	}
	return c.Next()
}

// requireContact sends an anonymous visitor to the login page, and brings
// them back afterwards. htmx gets HX-Redirect, never a login page inside a
// fragment.
func (s *Server) requireContact(c *fiber.Ctx) error {
	if contactOf(c) != nil {
		return s.checkAccess(c)
	}
	q := url.Values{}
	next := c.OriginalURL()
	if c.Get("HX-Request") == "true" {
		// The page the customer was on, not the fragment's URL.
		if cu, err := url.Parse(c.Get("HX-Current-URL")); err == nil && cu.Path != "" {
			next = cu.RequestURI()
		}
	}
	if c.Method() == fiber.MethodGet || c.Get("HX-Request") == "true" {
		q.Set("next", safeNext(next, ""))
	}
	if c.Locals(localExpired) != nil {
		q.Set("expired", "1")
	}
	to := "/portal/login"
	if enc := q.Encode(); enc != "" {
		to += "?" + enc
	}
	return redirect(c, to)
}

// checkAccess refuses a contact that the access settings leave out.
func (s *Server) checkAccess(c *fiber.Ctx) error {
	st := settingsOf(c)
	if st.Access != model.AccessLists || c.Locals(localPreview) != nil {
		return c.Next()
	}
	ok, err := store.ContactInLists(c.UserContext(), s.Store.DB, contactOf(c).ID, st.AccessLists)
	if err != nil {
		return err
	}
	if !ok {
		return s.message(c, fiber.StatusForbidden, "denied.title", "denied.body")
	}
	return c.Next()
}
