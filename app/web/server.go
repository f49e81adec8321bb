// Package web is Portico's HTTP side, as one server: it builds the web
// core, the portal's and the back office's handlers and the desk service,
// and lists every route in routes.go, so that one read shows who may call
// what.
//
// It holds no handler and no render helper of its own: handlers live in
// portal/ (customers) and admin/ (staff), the HTTP plumbing in core/, and
// the operations on tickets in app/desk.
package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/desk"
	"portico/app/i18n"
	"portico/app/mail"
	"portico/app/metrics"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/sso/samlkind"
	"portico/app/store"
	"portico/app/web/admin"
	"portico/app/web/core"
	"portico/app/web/portal"
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
	// Metrics counts requests, logins, refusals and session store errors;
	// nil counts nothing.
	Metrics *metrics.Metrics
}

// Server is the web core with every route wired.
type Server struct {
	*core.Core
	// Desk runs the ticket operations and the account mail jobs.
	Desk *desk.Service
	// SSO is single sign-on: its kinds plug in here (Register).
	SSO *sso.Service
}

// New builds the Fiber app with every route. The templates are parsed
// here, so that a template error stops start-up.
func New(d Deps) (*Server, error) {
	c, err := core.New(core.Deps{
		Config: d.Config, Store: d.Store, Sessions: d.Sessions, Limiter: d.Limiter, I18n: d.I18n,
		Log: d.Log, Secret: d.Secret, Views: d.Views, Static: d.Static, Mail: d.Mail,
		Metrics: d.Metrics,
	})
	if err != nil {
		return nil, err
	}
	dk := &desk.Service{Store: d.Store, Log: d.Log, Mailer: c.Mailer, OnAgentReply: d.OnAgentReply, Secret: d.Secret}
	ss, err := sso.New(c)
	if err != nil {
		return nil, err
	}
	sk := samlkind.New(ss)
	ss.Register(model.SSOKindSAML, sk)
	routes(c, &portal.Handler{Core: c, Desk: dk}, &admin.Handler{Core: c, Desk: dk, SSO: ss}, ss, sk)
	return &Server{Core: c, Desk: dk, SSO: ss}, nil
}

// Listen serves until ctx ends, then drains the open requests.
func (s *Server) Listen(ctx context.Context, addr string) error {
	app := s.App()
	// The account mail worker (desk/jobs.go) runs beside the server and
	// stops with it.
	jobs, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	go s.Desk.RunJobs(jobs)
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Log.Info("shutting down, draining requests")
	if err := app.ShutdownWithTimeout(30 * time.Second); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
