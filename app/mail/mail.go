// Package mail is Portico's email: the outbox that events write to in
// their own transaction, the account emails (invitation, verification,
// password reset), ticket notifications, the SMTP delivery worker, and the
// optional inbound listener for replies by email.
//
// Nothing here sends mail directly from a request. Handlers enqueue, and
// the worker delivers what was committed.
package mail

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"portico/app/config"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/store"
)

// Kinds of mail, as the outbox records them.
const (
	KindInvite      = "invite"
	KindVerify      = "verify"
	KindReset       = "reset"
	KindExists      = "account_exists"
	KindReply       = "reply"        // an agent's public reply, to the ticket's contacts
	KindAgentNotice = "agent_notice" // a customer's reply or new ticket, to the agents
)

// Mail is one email to put in the outbox.
type Mail struct {
	Kind      string
	ToAddr    string
	ToName    string
	Subject   string
	Text      string
	HTML      string
	ReplyTo   string
	DedupeKey string
	// ListUnsubscribe, for a ticket notification, is the one-click
	// unsubscribe URL (RFC 8058) that mutes the ticket for the recipient.
	ListUnsubscribe string
}

// ErrNoRecipient is returned for a mail without a usable address.
var ErrNoRecipient = errors.New("mail: no valid recipient")

// enqueueSkipping is Enqueue for a mail among several of one event: a
// recipient without a usable address is skipped, not an error that would
// undo the event.
func enqueueSkipping(ctx context.Context, db bun.IDB, m Mail) error {
	if _, err := Enqueue(ctx, db, m); err != nil && !errors.Is(err, ErrNoRecipient) {
		return err
	}
	return nil
}

// Enqueue writes the mail to the outbox through db, which should be the
// transaction of the event that causes the mail: if it rolls back, no mail
// exists. A second mail with the same dedupe key is skipped; the result
// says whether this one was added. Names and subjects are made single-line
// here, so that nothing a customer typed can add a header.
func Enqueue(ctx context.Context, db bun.IDB, m Mail) (bool, error) {
	addr := strings.TrimSpace(m.ToAddr)
	if !ValidAddress(addr) {
		return false, ErrNoRecipient
	}
	if m.DedupeKey == "" {
		return false, fmt.Errorf("mail: a dedupe key is required")
	}
	row := &store.OutboxMail{ReplyTo: HeaderText(m.ReplyTo, 320)}
	row.Kind = m.Kind
	row.ToAddr = addr
	row.ToName = HeaderText(m.ToName, 200)
	row.Subject = HeaderText(m.Subject, 250)
	row.TextBody = m.Text
	row.HTMLBody = m.HTML
	row.DedupeKey = m.DedupeKey
	row.ListUnsubscribe = HeaderText(m.ListUnsubscribe, 900)
	return store.EnqueueMail(ctx, db, row)
}

// HeaderText makes s safe for an email header: control characters (CR and
// LF among them) become spaces, runs of spaces fold into one, and the text
// is cut to at most n characters.
func HeaderText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

var addrRe = regexp.MustCompile(`^[^\s@<>()\[\]\\,;:"]+@[^\s@<>()\[\]\\,;:"]+\.[^\s@<>()\[\]\\,;:"]+$`)

// ValidAddress accepts a bare address of sensible length, without
// anything that could end a header or add a recipient.
func ValidAddress(s string) bool {
	return len(s) <= 254 && addrRe.MatchString(s)
}

// Config is what a Mailer needs.
type Config struct {
	Views   fs.FS        // the views folder, holding mail/email.html and mail/email.txt
	I18n    *i18n.Bundle // every language
	BaseURL string       // the configured public URL, used when the settings have none
	Secret  []byte       // signs reply addresses
	// ReplyDomain, when set, gives notifications to contacts a reply
	// address at this domain that the inbound listener accepts.
	ReplyDomain string
}

// Mailer renders Portico's emails and puts them in the outbox.
type Mailer struct {
	cfg  Config
	html *template.Template
	text *texttemplate.Template
}

// New parses the email templates.
func New(cfg Config) (*Mailer, error) {
	if cfg.Views == nil || cfg.I18n == nil {
		return nil, fmt.Errorf("mail: views and translations are required")
	}
	h, err := template.New("email.html").ParseFS(cfg.Views, "mail/email.html")
	if err != nil {
		return nil, fmt.Errorf("mail: unable to parse the HTML template: %w", err)
	}
	t, err := texttemplate.New("email.txt").ParseFS(cfg.Views, "mail/email.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: unable to parse the text template: %w", err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Mailer{cfg: cfg, html: h, text: t}, nil
}

// BaseURL is where links in emails point: the portal's configured public
// URL, else the one from the start-up configuration. Never the Host of a
// request, which a client chooses.
func (m *Mailer) BaseURL(st model.PortalSettings) string {
	if b := strings.TrimRight(st.BaseURL, "/"); absoluteURL(b) {
		return b
	}
	return m.cfg.BaseURL
}

// Link builds an absolute link from the base URL, a path and a query.
func (m *Mailer) Link(st model.PortalSettings, path string, q url.Values) string {
	u := m.BaseURL(st) + st.PortalURL(path)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// locale picks the language of a recipient: its own when it has one the
// portal offers, else the portal's.
func (m *Mailer) locale(st model.PortalSettings, lang string) *i18n.Locale {
	if lang != "" && m.cfg.I18n.Has(lang) {
		for _, l := range st.Languages {
			if l == lang {
				return m.cfg.I18n.Locale(lang)
			}
		}
		if lang == st.Language {
			return m.cfg.I18n.Locale(lang)
		}
	}
	if st.Language != "" && m.cfg.I18n.Has(st.Language) {
		return m.cfg.I18n.Locale(st.Language)
	}
	return m.cfg.I18n.Locale(i18n.Fallback)
}

// NewFromConfig builds the Mailer from the start-up configuration. Reply
// addresses are only handed out when the inbound listener runs.
func NewFromConfig(cfg *config.Config, views fs.FS, bundle *i18n.Bundle, secret []byte) (*Mailer, error) {
	c := Config{Views: views, I18n: bundle, BaseURL: cfg.BaseURL, Secret: secret}
	if cfg.InboundSMTPAddr != "" {
		c.ReplyDomain = cfg.InboundDomain
	}
	return New(c)
}
