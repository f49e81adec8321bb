// Package core is the only place that knows how Portico speaks HTTP: it
// builds the Fiber app and holds the middleware, the sessions and CSRF,
// the render helpers (page or fragment, HX-Redirect, the message page),
// the error handler, uploads, attachments and static assets.
//
// Both audiences' handlers (portal and admin) build on it. It must not hold
// handlers of either audience, nor logic about tickets that is not about
// HTTP: that lives in the desk service.
package core

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/i18n"
	"portico/app/mail"
	"portico/app/metrics"
	"portico/app/store"
)

// Deps is what the web core needs, handed over by the web package.
type Deps struct {
	Config   *config.Config
	Store    *store.Store
	Sessions auth.SessionStore
	Limiter  auth.Limiter
	I18n     *i18n.Bundle
	Log      *slog.Logger
	Secret   []byte
	Views    fs.FS // holds layouts/, pages/ and partials/
	Static   fs.FS // holds css/ and js/
	// Mail renders and queues email; when nil, one is built from the
	// fields above on demand.
	Mail *mail.Mailer
	// Metrics counts requests, logins, refusals and session store errors;
	// nil counts nothing.
	Metrics *metrics.Metrics
}

// Core carries the dependencies and the Fiber app into the handlers of
// both audiences, which embed it.
type Core struct {
	Deps
	// Login holds the login limits: DefaultLoginLimits(), which tests
	// may lower.
	Login LoginLimits
	// Posts holds the limits on replies and support-form tickets:
	// DefaultPostLimits(), which tests may change.
	Posts   PostLimits
	app     *fiber.App
	assets  map[string]string
	cache   settingsCache
	proxies proxies

	localSlotsOnce sync.Once
	localSlots     auth.Slots
}

// New builds the Fiber app, without routes. The templates are parsed here,
// so that a template error stops start-up.
func New(d Deps) (*Core, error) {
	engine := html.NewFileSystem(http.FS(d.Views), ".html")
	engine.AddFuncMap(templateFuncs())
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("web: unable to load templates: %w", err)
	}
	assets, err := assetURLs(d.Static)
	if err != nil {
		return nil, fmt.Errorf("web: unable to read static files: %w", err)
	}
	if d.Metrics != nil {
		d.Sessions = countedSessions{SessionStore: d.Sessions, m: d.Metrics}
	}
	s := &Core{Deps: d, Login: DefaultLoginLimits(), Posts: DefaultPostLimits(), assets: assets, proxies: parseProxies(d.Config.TrustedProxies)}
	s.app = fiber.New(fiber.Config{
		Views:     views{engine},
		Immutable: true,
		// Bodies are streamed: a multipart form is parsed as it arrives,
		// its files spooled to temporary files, never held whole in
		// memory. LimitBody refuses a body larger than its kind allows;
		// BodyLimit stays above the largest allowed request.
		BodyLimit:                    int(uploadBodyLimit(d.Config.MaxUploadSize, d.Config.MaxUploads)),
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.HandleError,
		DisableStartupMessage:        true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		// The client's address comes from ClientIP, never from Fiber's
		// reading of a forwarded header, which takes it whole.
		EnableTrustedProxyCheck: len(d.Config.TrustedProxies) > 0,
		TrustedProxies:          d.Config.TrustedProxies,
	})
	s.warmRender()
	return s, nil
}

// warmRender calls Render once before serving: Fiber prepares its render
// state on the first call, and two first requests rendering at once would
// race on it. The name is no template's, so nothing is rendered.
func (s *Core) warmRender() {
	c := s.app.AcquireCtx(&fasthttp.RequestCtx{})
	defer s.app.ReleaseCtx(c)
	_ = c.Render("no template: warm-up", fiber.Map{})
}

// App returns the Fiber app, for tests and for serving.
func (s *Core) App() *fiber.App { return s.app }
