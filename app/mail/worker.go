package mail

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"portico/app/metrics"
	"portico/app/store"
)

// SMTP is a parsed PORTICO_SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// Security is "none" (smtp://: STARTTLS when the server offers it),
	// "starttls" (smtp+starttls://: STARTTLS required) or "tls" (smtps://:
	// TLS from the first byte).
	Security string
	// SkipVerify accepts any server certificate (?skip_verify=true), for a
	// relay on the same host with a self-signed certificate.
	SkipVerify bool
}

// ParseSMTPURL reads smtp://user:pass@host:port, smtp+starttls://… or
// smtps://…. The default ports are 25, 587 and 465.
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	s := &SMTP{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.Security, s.Port = "none", 25
	case "smtp+starttls":
		s.Security, s.Port = "starttls", 587
	case "smtps":
		s.Security, s.Port = "tls", 465
	default:
		return nil, fmt.Errorf("want an smtp://, smtp+starttls:// or smtps:// URL")
	}
	if s.Host == "" {
		return nil, fmt.Errorf("the URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("bad port %q", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	s.SkipVerify = u.Query().Get("skip_verify") == "true"
	return s, nil
}

func (s *SMTP) client(timeout time.Duration) (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(timeout)}
	switch s.Security {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.SkipVerify {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{ServerName: s.Host, InsecureSkipVerify: true})) //nolint:gosec // opted in by the operator
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return gomail.NewClient(s.Host, opts...)
}

// Worker delivers the outbox over SMTP. Several workers, in one process
// or on several instances, may run against the same database: each mail
// is claimed by one of them at a time and marked sent once.
type Worker struct {
	Store *store.Store
	SMTP  *SMTP
	From  string // PORTICO_MAIL_FROM: "Name <address>" or a bare address
	Log   *slog.Logger
	// Metrics counts deliveries and failed attempts; nil counts nothing.
	Metrics *metrics.Metrics

	Interval    time.Duration // between polls when idle; default 5s
	Batch       int           // mails per claim; default 20
	BaseDelay   time.Duration // first retry delay, doubled each attempt; default 30s
	MaxDelay    time.Duration // longest retry delay; default 6h
	MaxAttempts int           // then the mail is failed; default 12
	Lease       time.Duration // how long a claim lasts; default 10m
	Timeout     time.Duration // for one SMTP conversation; default 1m
}

func (w *Worker) defaults() {
	if w.Interval <= 0 {
		w.Interval = 5 * time.Second
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.BaseDelay <= 0 {
		w.BaseDelay = 30 * time.Second
	}
	if w.MaxDelay <= 0 {
		w.MaxDelay = 6 * time.Hour
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 12
	}
	if w.Timeout <= 0 {
		w.Timeout = time.Minute
	}
	// A claim must outlive the SMTP conversation, or a second worker could
	// take the mail while the first still sends it.
	if w.Lease < 3*w.Timeout {
		w.Lease = max(10*time.Minute, 3*w.Timeout)
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	w.Log.Info("mail worker started", "smtp", w.SMTP.Host, "port", w.SMTP.Port)
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("mail worker", "err", err)
		}
		wait := w.Interval
		if n >= w.Batch {
			wait = 0 // more may be waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// RunOnce claims one batch of due mail and tries to deliver it. It returns
// how many mails were claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	mails, err := w.Store.ClaimMails(ctx, time.Now(), w.Lease, w.Batch)
	if err != nil || len(mails) == 0 {
		return 0, err
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	// Bookkeeping outlives a cancelled ctx, so that a mail that went out is
	// recorded as sent.
	bg := context.WithoutCancel(ctx)
	c, err := w.SMTP.client(w.Timeout)
	if err == nil {
		err = c.DialWithContext(sendCtx)
	}
	if err != nil {
		for i := range mails {
			w.failed(bg, &mails[i], fmt.Errorf("connect: %w", err))
		}
		return len(mails), nil
	}
	defer c.Close()
	for i := range mails {
		m := &mails[i]
		msg, err := w.message(m)
		if err != nil {
			// A mail that can never be built is failed at once.
			m.Attempts = max(m.Attempts, w.MaxAttempts)
			w.failed(bg, m, err)
			continue
		}
		if sendCtx.Err() != nil {
			w.failed(bg, m, sendCtx.Err())
			continue
		}
		if err := c.Send(msg); err != nil {
			w.failed(bg, m, err)
			// The connection may be unusable after an error: start over.
			_ = c.Reset()
			continue
		}
		w.Metrics.MailSent()
		if ok, err := store.MarkMailSent(bg, w.Store.DB, m.ID, m.Attempts, time.Now()); err != nil {
			w.Log.Error("mail sent but not recorded", "mail", m.ID, "err", err)
		} else if !ok {
			w.Log.Warn("mail sent after its claim ended", "mail", m.ID)
		}
	}
	return len(mails), nil
}

// failed records a failed attempt and schedules the next with exponential
// backoff, or gives up after MaxAttempts.
func (w *Worker) failed(ctx context.Context, m *store.OutboxMail, cause error) {
	final := m.Attempts >= w.MaxAttempts
	delay := w.BaseDelay << min(m.Attempts-1, 30)
	if delay <= 0 || delay > w.MaxDelay {
		delay = w.MaxDelay
	}
	problem := HeaderText(cause.Error(), 1000)
	w.Metrics.MailFailed(final)
	w.Log.Warn("mail delivery failed", "mail", m.ID, "attempt", m.Attempts, "final", final, "err", problem)
	if err := store.MarkMailFailed(ctx, w.Store.DB, m.ID, m.Attempts, problem, time.Now().Add(delay), final); err != nil {
		w.Log.Error("mail failure not recorded", "mail", m.ID, "err", err)
	}
}

// message builds the MIME message: text and HTML alternatives, From the
// configured sender, and header values made single-line again, whatever is
// in the row.
func (w *Worker) message(m *store.OutboxMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from, err := mail.ParseAddress(w.From)
	if err != nil {
		return nil, fmt.Errorf("PORTICO_MAIL_FROM: %w", err)
	}
	msg.FromMailAddress(from)
	if !ValidAddress(m.ToAddr) {
		return nil, ErrNoRecipient
	}
	msg.AddToMailAddress(&mail.Address{Name: HeaderText(m.ToName, 200), Address: m.ToAddr})
	if m.ReplyTo != "" && ValidAddress(m.ReplyTo) {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, err
		}
	}
	msg.Subject(HeaderText(m.Subject, 250))
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(m, from.Address))
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if u := listUnsubscribe(m.ListUnsubscribe); u != "" {
		// RFC 2369 and RFC 8058: a one-click POST to the URL mutes the ticket.
		msg.SetGenHeader(gomail.Header("List-Unsubscribe"), "<"+u+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.TextBody)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	return msg, nil
}

// messageID is the same for every attempt at one mail, so that a receiving
// server that got a mail twice (a crash between its acceptance and our
// bookkeeping) can tell it is a duplicate.
func messageID(m *store.OutboxMail, from string) string {
	domain := "portico.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at+1 < len(from) {
		domain = from[at+1:]
	}
	h := sha256.Sum256([]byte(m.DedupeKey))
	return "portico." + strconv.FormatInt(m.ID, 10) + "." + hex.EncodeToString(h[:8]) + "@" + domain
}
