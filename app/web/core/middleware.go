package core

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
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

const (
	SessionCookie  = "portico_sid"
	LanguageCookie = "portico_lang"
	CSRFField      = "_csrf"
	CSRFHeader     = "X-CSRF-Token"
)

// RequestID gives every request an ID, echoed in a header and in logs.
func (s *Core) RequestID(c *fiber.Ctx) error {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Locals(localReqID, id)
	c.Set("X-Request-ID", id)
	return c.Next()
}

// AccessLog logs each request once it is answered.
func (s *Core) AccessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler write the answer now, so that the status
		// logged is the one sent.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	s.Metrics.Request(RoutePattern(c, err), c.Method(), c.Response().StatusCode(), time.Since(start))
	s.Log.Info("request",
		slog.String("request_id", fmt.Sprint(c.Locals(localReqID))),
		slog.String("ip", IP(c)),
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("duration", time.Since(start)),
	)
	return nil
}

// RecoverPanic turns a panic into a generic error page and logs the detail.
func (s *Core) RecoverPanic(c *fiber.Ctx) (err error) {
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

// SecurityHeaders sets a strict CSP and the other protective headers.
func (s *Core) SecurityHeaders(c *fiber.Ctx) error {
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

// NoStore keeps dynamic pages out of every cache.
func NoStore(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	return c.Next()
}

// LoadSettings reads the portal settings once per request, so that every
// instance applies a change at once.
func (s *Core) LoadSettings(c *fiber.Ctx) error {
	if _, ok := c.Locals(LocalSettings).(model.PortalSettings); ok {
		return c.Next() // read already, to route the portal's slug
	}
	if err := s.useSettings(c, false); err != nil {
		return err
	}
	return c.Next()
}

// resumeSession reads the session under the cookie. A visitor without one
// gets a fresh anonymous ID from the server, which anchors the CSRF token
// before login; a cookie the server did not issue is replaced, never
// adopted (sessionid.go). It answers the live session of the given kind,
// or nil; an expired one is deleted and remembered as expired, for the
// login page's message.
func (s *Core) resumeSession(c *fiber.Ctx, cookie, kind string) (*auth.Session, error) {
	sid := c.Cookies(cookie)
	if len(sid) != 43 {
		s.renewAnon(c, cookie)
		return nil, nil
	}
	c.Locals(LocalSID, sid)
	ctx := c.UserContext()
	var se *auth.Session
	var err error
	if p := takePrefetched(c, sid); p != nil && kind == auth.KindContact {
		se, err = p.session, p.err
	} else {
		se, err = s.Sessions.Get(ctx, sid)
	}
	if err != nil {
		s.Log.Error("session store unavailable", slog.Any("err", err))
		return nil, ErrUnavailable
	}
	if se == nil {
		if !s.issuedAnon(sid) {
			s.renewAnon(c, cookie)
		}
		return nil, nil
	}
	if se.Kind != kind {
		return nil, nil
	}
	st := SettingsOf(c)
	now := time.Now()
	if now.Sub(se.LastSeen) > st.IdleTimeout() || now.Sub(se.CreatedAt) > s.MaxLifetime(st) {
		_ = s.Sessions.Delete(ctx, sid)
		c.Locals(LocalExpired, true)
		return nil, nil
	}
	return se, nil
}

// keepSession records the request as activity, or ends the session when
// its account is gone or disabled (ok false): that takes effect at once.
//
// Activity is written at most once per ActivityStep of the idle timeout:
// a session may then end that much before its timeout, never after it,
// and a customer clicking through the portal costs the session store a
// write a minute instead of one per request.
func (s *Core) keepSession(c *fiber.Ctx, se *auth.Session, ok bool) error {
	sid, _ := c.Locals(LocalSID).(string)
	ctx := c.UserContext()
	if !ok {
		_ = s.Sessions.Delete(ctx, sid)
		return nil
	}
	now := time.Now()
	if d := now.Sub(se.LastSeen); d >= 0 && d < ActivityStep(SettingsOf(c).IdleTimeout()) {
		return nil
	}
	se.LastSeen = now
	// Touch, not Put: a session deleted while this request ran (a
	// password change, a disable) stays deleted.
	if err := s.Sessions.Touch(ctx, sid, se, s.MaxLifetime(SettingsOf(c))-now.Sub(se.CreatedAt)); err != nil {
		s.Log.Error("session store unavailable", slog.Any("err", err))
		return ErrUnavailable
	}
	return nil
}

// ActivityStep is how stale a session's last activity may be written: a
// minute, or a thirtieth of a shorter idle timeout.
func ActivityStep(idle time.Duration) time.Duration {
	return min(time.Minute, idle/30)
}

// LoadSession resumes a customer's session and loads the contact.
func (s *Core) LoadSession(c *fiber.Ctx) error {
	se, err := s.resumeSession(c, SessionCookie, auth.KindContact)
	if err != nil {
		return err
	}
	if se == nil {
		return s.loadPreview(c)
	}
	var ct *model.Contact
	if p := takePrefetched(c, c.Cookies(SessionCookie)); p != nil && p.contact != nil && p.contact.ID == se.AccountID {
		ct = p.contact
	} else {
		ct, err = s.Store.Contact(c.UserContext(), se.AccountID)
	}
	if err != nil && !IsNotFound(err) {
		return err
	}
	live := err == nil && !ct.Disabled
	if live {
		// A single sign-on session ends with its provider (ssogate.go).
		if live, err = s.ssoSessionLive(c, se); err != nil {
			return err
		}
	}
	if err := s.keepSession(c, se, live); err != nil {
		return err
	}
	if !live {
		// Ended: the request goes on as an anonymous one, so that it is
		// sent to the login page rather than answered with nothing.
		return s.loadPreview(c)
	}
	c.Locals(localSession, se)
	c.Locals(LocalContact, ct)
	return c.Next()
}

// MaxLifetime is a session's absolute lifetime under the settings.
func (s *Core) MaxLifetime(st model.PortalSettings) time.Duration {
	if st.MaxLifetimeHours > 0 {
		return time.Duration(st.MaxLifetimeHours) * time.Hour
	}
	return s.Config.SessionMaxAge
}

// csrfToken is bound to the session ID, so a new session (at login) gets a
// new token and a token from another session is worthless.
func (s *Core) csrfToken(c *fiber.Ctx) string {
	sid, _ := c.Locals(LocalSID).(string)
	return s.CSRFFor(sid)
}

// CSRFFor is the CSRF token of one session ID.
func (s *Core) CSRFFor(sid string) string {
	if sid == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("csrf:" + sid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF refuses a state change without the session's token, sent as a
// hidden field of the body by plain forms or as a header by htmx; never
// from the query string, where it would leak into logs and Referer.
func (s *Core) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	// Without a session there is no token to match: refuse before the
	// body (perhaps a large upload) is read.
	want := s.csrfToken(c)
	if want == "" {
		return errCSRF
	}
	got := c.Get(CSRFHeader)
	if got == "" {
		got = bodyValue(c, CSRFField)
	}
	if !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return c.Next()
}

// bodyValue is a field of a urlencoded or multipart body, and only of the
// body: unlike c.FormValue, it never falls back to the query string.
func bodyValue(c *fiber.Ctx, name string) string {
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		mf, err := c.MultipartForm()
		if err != nil || len(mf.Value[name]) == 0 {
			return ""
		}
		return mf.Value[name][0]
	}
	return string(c.Request().PostArgs().Peek(name))
}

// ChooseLocale picks the language: the customer's own choice, then the
// browser's Accept-Language among the enabled ones, then the portal's.
func (s *Core) ChooseLocale(c *fiber.Ctx) error {
	st := SettingsOf(c)
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
	if ct := ContactOf(c); ct != nil && allowed(ct.Language) {
		code = ct.Language
	} else if ck := c.Cookies(LanguageCookie); allowed(ck) {
		code = ck
	} else {
		def := st.Language
		if !allowed(def) {
			def = enabled[0]
		}
		code = s.I18n.Match(c.Get(fiber.HeaderAcceptLanguage), enabled, def)
	}
	l := s.I18n.Locale(code)
	l.Default = st.Language
	c.Locals(LocalLocale, l)
	return c.Next()
}

// PortalOn answers the "portal unavailable" page while the portal is off.
func (s *Core) PortalOn(c *fiber.Ctx) error {
	if !SettingsOf(c).Enabled && c.Locals(localPreview) == nil {
		return s.Message(c, fiber.StatusServiceUnavailable, "unavailable.title", "unavailable.body")
	}
	return c.Next()
}

// RequireContact sends an anonymous visitor to the login page, and brings
// them back afterwards. htmx gets HX-Redirect, never a login page inside a
// fragment.
func (s *Core) RequireContact(c *fiber.Ctx) error {
	if ContactOf(c) != nil {
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
		q.Set("next", SafeNext(next, ""))
	}
	if c.Locals(LocalExpired) != nil {
		q.Set("expired", "1")
	}
	to := "/portal/login"
	if enc := q.Encode(); enc != "" {
		to += "?" + enc
	}
	return Redirect(c, to)
}

// checkAccess refuses a contact that the access settings leave out.
func (s *Core) checkAccess(c *fiber.Ctx) error {
	st := SettingsOf(c)
	if c.Locals(localPreview) != nil {
		return c.Next()
	}
	// A single sign-on session follows the SSO access rules; a password
	// session the portal's, and none gets in under "SSO only" (ssogate.go).
	lists := st.AccessLists
	se := sessionOf(c)
	if se == nil || se.SSO == "" {
		if only, err := s.SSOOnly(c); err != nil {
			return err
		} else if only {
			return s.Message(c, fiber.StatusForbidden, "denied.title", "denied.body")
		}
	}
	if se != nil && se.SSO != "" {
		if st.SSOAccess != model.SSOAccessLists {
			return c.Next()
		}
		lists = st.SSOLists
	} else if st.Access != model.AccessLists {
		return c.Next()
	}
	ok, err := store.ContactInLists(c.UserContext(), s.Store.DB, ContactOf(c).ID, lists)
	if err != nil {
		return err
	}
	if !ok {
		return s.Message(c, fiber.StatusForbidden, "denied.title", "denied.body")
	}
	return c.Next()
}
