// Package web is Portico's HTTP side: the server, its routes, middleware,
// render helpers and handlers, one action per file.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/i18n"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

// Deps is everything the server needs, built once in main.
type Deps struct {
	Config   *config.Config
	Store    *store.Store
	Sessions auth.SessionStore
	Limiter  auth.Limiter
	I18n     *i18n.Bundle
	Log      *slog.Logger
	Secret   []byte
	Views    fs.FS // holds layouts/, pages/ and partials/
	// OnAgentReply runs in the transaction of an agent's public reply, to
	// queue the customers' notification with it.
	OnAgentReply func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error
	Static       fs.FS // holds css/ and js/
	// Mail renders and queues email; when nil, one is built from the
	// fields above on demand.
	Mail *mail.Mailer
}

// Server carries the dependencies into handlers.
type Server struct {
	Deps
	app    *fiber.App
	assets map[string]string
}

// New builds the Fiber app with every route. The templates are parsed
// here, so that a template error stops start-up.
func New(d Deps) (*Server, error) {
	engine := html.NewFileSystem(http.FS(d.Views), ".html")
	engine.AddFuncMap(templateFuncs())
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("web: unable to load templates: %w", err)
	}
	assets, err := assetURLs(d.Static)
	if err != nil {
		return nil, fmt.Errorf("web: unable to read static files: %w", err)
	}
	s := &Server{Deps: d, assets: assets}
	proxyHeader := ""
	if len(d.Config.TrustedProxies) > 0 {
		proxyHeader = fiber.HeaderXForwardedFor
	}
	// Room for the largest allowed upload set, plus the form text. Each
	// file's size is still checked on its own.
	bodyLimit := int(d.Config.MaxUploadSize)*max(d.Config.MaxUploads, 1) + 1<<20
	s.app = fiber.New(fiber.Config{
		Views:                   engine,
		Immutable:               true,
		BodyLimit:               bodyLimit,
		ErrorHandler:            s.handleError,
		DisableStartupMessage:   true,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		ProxyHeader:             proxyHeader,
		EnableTrustedProxyCheck: len(d.Config.TrustedProxies) > 0,
		TrustedProxies:          d.Config.TrustedProxies,
	})
	s.routes()
	return s, nil
}

// App returns the Fiber app, for tests and for serving.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves until ctx ends, then drains the open requests.
func (s *Server) Listen(ctx context.Context, addr string) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down, draining requests")
	if err := s.app.ShutdownWithTimeout(30 * time.Second); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"add": func(a, b int) int { return a + b },
		"sub": func(a, b int) int { return a - b },
		"seq": func(from, to int) []int {
			var out []int
			for i := from; i <= to; i++ {
				out = append(out, i)
			}
			return out
		},
		"lower":     strings.ToLower,
		"join":      strings.Join,
		"hasPrefix": strings.HasPrefix,
		"div":       func(a, b int) int { return a / b },
		"fieldName": form.FieldName,
		"imageSrc":  imageSrc,
		// noticeHTML shows the consent notice's links; it is sanitized at
		// save and again here, so stored markup can never carry a script.
		"noticeHTML": func(s string) template.HTML { return template.HTML(form.SanitizeNotice(s)) },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"list": func(v ...string) []string { return v },
		// stageLabel is the stage name when the settings show stage names,
		// and "" for plain Open/Closed.
		"stageLabel": func(show bool, name string) string {
			if show {
				return name
			}
			return ""
		},
		"kb": func(n int64) string {
			if n < 1024 {
				return strconv.FormatInt(n, 10) + " B"
			}
			if n < 1<<20 {
				return strconv.FormatInt((n+512)/1024, 10) + " KB"
			}
			return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
		},
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return ""
		},
		"upper": strings.ToUpper,
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m
		},
	}
}
