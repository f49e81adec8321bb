// Package cli reads the configuration, wires Portico together and runs the
// server or a sub-command.
package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web"
)

// Assets are the embedded files: views/, static/ and db/migrations/ at
// their roots.
type Assets struct {
	Views      fs.FS
	Static     fs.FS
	Migrations fs.FS
}

// Run runs Portico with the given arguments and returns the exit code.
func Run(args []string, assets Assets) int {
	TuneGC(os.Getenv)
	cfg, err := config.FromEnv(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, assets, log); err != nil {
		log.Error(err.Error())
		return 1
	}
	return 0
}

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func run(ctx context.Context, cfg *config.Config, assets Assets, log *slog.Logger) error {
	if sub := cfg.Args(); len(sub) > 0 && sub[0] == "backup" {
		return backup(ctx, cfg, sub[1:], log)
	}
	migrations, err := fs.Sub(assets.Migrations, "db/migrations")
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()

	applied, err := st.Migrate(ctx, migrations)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	sub := cfg.Args()
	if len(sub) > 0 {
		switch sub[0] {
		case "migrate":
			log.Info("database is up to date")
			return nil
		case "admin":
			return adminCommand(ctx, st, sub[1:], os.Stdin, os.Stdout)
		case "reindex":
			return reindex(ctx, st, log)
		default:
			return fmt.Errorf("unknown command %q (want migrate, reindex, backup or admin)", sub[0])
		}
	}
	if cfg.Demo {
		log.Warn("demo mode: demo accounts use the password portico-demo; never use this in production")
		if err := demo.Load(ctx, st); err != nil {
			return err
		}
		if err := demoBaseURL(ctx, st, cfg.BaseURL); err != nil {
			return err
		}
	}
	secret, err := secretKey(cfg)
	if err != nil {
		return err
	}
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	deps := web.Deps{Config: cfg, Store: st, I18n: bundle, Log: log, Secret: secret}
	if cfg.MetricsAddr != "" {
		if deps.Metrics, err = serveMetrics(ctx, cfg.MetricsAddr, st, log); err != nil {
			return err
		}
	}
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("config: PORTICO_REDIS_URL: %v", err)
		}
		// Short timeouts and a circuit breaker: a Redis that is down or
		// frozen makes requests answer "try again" at once.
		rdb := auth.NewRedis(opts)
		defer rdb.Close()
		deps.Sessions = &auth.RedisSessions{Client: rdb, Prefix: "portico:"}
		deps.Limiter = &auth.RedisLimiter{Client: rdb, Prefix: "portico:", Fallback: auth.NewMemoryLimiter()}
	} else {
		deps.Sessions = auth.NewMemorySessions()
		deps.Limiter = auth.NewMemoryLimiter()
	}
	if deps.Views, err = fs.Sub(assets.Views, "views"); err != nil {
		return err
	}
	if deps.Static, err = fs.Sub(assets.Static, "static"); err != nil {
		return err
	}
	// Email: the mailer, the customers' notification of an agent's reply,
	// the delivery worker and the inbound listener.
	if err := startMail(ctx, cfg, st, &deps, log); err != nil {
		return err
	}
	srv, err := web.New(deps)
	if err != nil {
		return err
	}
	// On Postgres, customers' contacts are kept between requests while
	// their changes are heard.
	go st.WatchAccounts(ctx, log)
	log.Info("Portico is listening", "addr", cfg.Addr, "url", cfg.BaseURL+"/portal/")
	return srv.Listen(ctx, cfg.Addr)
}

// reindex rebuilds every derived key (visibility rows, access lists,
// search text) from the base tables. It is safe while Portico serves.
func reindex(ctx context.Context, st *store.Store, log *slog.Logger) error {
	start := time.Now()
	last := time.Now()
	err := st.Reindex(ctx, func(done, total int64) {
		if time.Since(last) > 5*time.Second || done == total {
			log.Info("reindexing", "tickets", done, "of", total)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	log.Info("reindex done", "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// secretKey returns the configured key, or the one generated on first
// start and kept in the data directory.
func secretKey(cfg *config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		return []byte(cfg.SecretKey), nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("config: PORTICO_DATA_DIR: %v", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("config: unable to store the secret key: %v", err)
	}
	return []byte(key), nil
}

// demoBaseURL completes the demo portal's activation checklist with the
// address this instance serves, unless an admin already set one.
func demoBaseURL(ctx context.Context, st *store.Store, baseURL string) error {
	s, _, err := store.Settings(ctx, st.DB)
	if err != nil || s.BaseURL != "" {
		return err
	}
	s.BaseURL = baseURL
	_, err = store.SaveSettings(ctx, st.DB, s)
	return err
}

// startMail builds the mailer, hooks it to agents' public replies, and
// starts the SMTP worker when PORTICO_SMTP_URL is set (without it, mail
// waits in the outbox, readable in the back office) and the inbound
// listener when PORTICO_INBOUND_SMTP_ADDR is set. Both stop with ctx.
func startMail(ctx context.Context, cfg *config.Config, st *store.Store, deps *web.Deps, log *slog.Logger) error {
	mailer, err := mail.NewFromConfig(cfg, deps.Views, deps.I18n, deps.Secret)
	if err != nil {
		return err
	}
	deps.Mail = mailer
	deps.OnAgentReply = func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error {
		return mailer.NotifyContacts(ctx, tx, ticketID, msg)
	}
	if cfg.SMTPURL != "" {
		s, err := mail.ParseSMTPURL(cfg.SMTPURL)
		if err != nil {
			return fmt.Errorf("config: PORTICO_SMTP_URL (--smtp-url): %v", err)
		}
		w := &mail.Worker{Store: st, SMTP: s, From: cfg.MailFrom, Log: log, Metrics: deps.Metrics}
		go w.Run(ctx)
	} else {
		log.Info("no SMTP configured: mail stays in the outbox, readable at /admin/outbox")
	}
	if cfg.InboundSMTPAddr != "" {
		in := &mail.Inbound{Store: st, Mailer: mailer, Secret: deps.Secret, Domain: cfg.InboundDomain, Log: log}
		if err := in.Listen(ctx, cfg.InboundSMTPAddr); err != nil {
			return fmt.Errorf("config: PORTICO_INBOUND_SMTP_ADDR (--inbound-smtp-addr): %v", err)
		}
	}
	return nil
}
