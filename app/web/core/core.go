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
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/i18n"
	"portico/app/mail"
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
}

// Core carries the dependencies and the Fiber app into the handlers of
// both audiences, which embed it.
type Core struct {
	Deps
	// Login holds the login limits: DefaultLoginLimits(), which tests
	// may lower.
	Login   LoginLimits
	app     *fiber.App
	assets  map[string]string
	cache   settingsCache
	proxies proxies
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
	s := &Core{Deps: d, Login: DefaultLoginLimits(), assets: assets, proxies: parseProxies(d.Config.TrustedProxies)}
	// Room for the largest allowed upload set, plus the form text. Each
	// file's size is still checked on its own.
	bodyLimit := int(d.Config.MaxUploadSize)*max(d.Config.MaxUploads, 1) + 1<<20
	s.app = fiber.New(fiber.Config{
		Views:                 engine,
		Immutable:             true,
		BodyLimit:             bodyLimit,
		ErrorHandler:          s.HandleError,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// The client's address comes from ClientIP, never from Fiber's
		// reading of a forwarded header, which takes it whole.
		EnableTrustedProxyCheck: len(d.Config.TrustedProxies) > 0,
		TrustedProxies:          d.Config.TrustedProxies,
	})
	return s, nil
}

// App returns the Fiber app, for tests and for serving.
func (s *Core) App() *fiber.App { return s.app }
