package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
	"github.com/uptrace/bun"

	"portico/app/store"
)

// Inbound is the optional SMTP listener that turns a customer's answer to
// a notification into a reply on the ticket. It accepts mail only for
// reply addresses whose signature checks out.
type Inbound struct {
	Store  *store.Store
	Mailer *Mailer // notifies the agents of the reply; may be nil
	Secret []byte
	Domain string // the domain of reply addresses
	Log    *slog.Logger
	// MaxBytes bounds one message; default 10 MiB.
	MaxBytes int64
}

// SMTP errors the listener answers with.
var (
	errNoRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such recipient"}
	errClosed      = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "This ticket is closed to replies"}
	errEmpty       = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "No reply text found above the quoted message"}
	errTemporary   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
)

// Server returns the SMTP server; Listen runs it.
func (in *Inbound) Server() *smtp.Server {
	if in.Log == nil {
		in.Log = slog.New(slog.DiscardHandler)
	}
	if in.MaxBytes <= 0 {
		in.MaxBytes = 10 << 20
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &inboundSession{in: in}, nil
	}))
	srv.Domain = in.Domain
	srv.MaxMessageBytes = in.MaxBytes
	srv.MaxRecipients = 10
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	return srv
}

// Listen serves on addr until ctx ends.
func (in *Inbound) Listen(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := in.Server()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(l); err != nil && ctx.Err() == nil {
			in.Log.Error("inbound mail listener stopped", "err", err)
		}
	}()
	in.Log.Info("inbound mail listener started", "addr", l.Addr().String(), "domain", in.Domain)
	return nil
}

type replyTarget struct{ ticketID, contactID int64 }

type inboundSession struct {
	in      *Inbound
	targets []replyTarget
}

func (x *inboundSession) Reset()        { x.targets = nil }
func (x *inboundSession) Logout() error { return nil }

func (x *inboundSession) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt refuses every address but a correctly signed reply address.
func (x *inboundSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	t, c, ok := ParseReplyAddress(x.in.Secret, x.in.Domain, to)
	if !ok {
		x.in.Log.Warn("inbound mail refused: bad reply address")
		return errNoRecipient
	}
	x.targets = append(x.targets, replyTarget{t, c})
	return nil
}

// Data stores the trimmed reply on each addressed ticket.
func (x *inboundSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, x.in.MaxBytes+1))
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Malformed message"}
	}
	// Out-of-office and other automatic answers would loop with our
	// notifications: take them and drop them.
	if autoReply(msg.Header) {
		return nil
	}
	text, err := plainText(msg.Header, msg.Body)
	if err != nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Unreadable message"}
	}
	body := TrimReply(text)
	if body == "" {
		return errEmpty
	}
	if utf8.RuneCountInString(body) > 20000 {
		body = string([]rune(body)[:20000])
	}
	ctx := context.Background()
	for _, t := range x.targets {
		if err := x.in.store(ctx, t, body); err != nil {
			return err
		}
	}
	return nil
}

// store appends the reply as the contact's public message, and notifies
// the agents in the same transaction.
func (in *Inbound) store(ctx context.Context, t replyTarget, body string) error {
	err := in.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ct, err := store.ContactByID(ctx, tx, t.contactID)
		if err != nil {
			return err
		}
		if ct.Disabled {
			return store.ErrNotFound
		}
		st, _, err := store.Settings(ctx, tx)
		if err != nil {
			return err
		}
		msg, err := in.Store.AddEmailReply(ctx, tx, t.ticketID, t.contactID, body, st.DefaultInboxID)
		if err != nil {
			return err
		}
		if in.Mailer == nil {
			return nil
		}
		return in.Mailer.NotifyAgents(ctx, tx, EventReply, t.ticketID, msg)
	})
	switch {
	case err == nil:
		in.Log.Info("reply by email stored", "ticket", t.ticketID, "contact", t.contactID)
		return nil
	case errors.Is(err, store.ErrTicketClosed):
		return errClosed
	case errors.Is(err, store.ErrNotFound):
		return errNoRecipient
	}
	in.Log.Error("reply by email not stored", "ticket", t.ticketID, "err", err)
	return errTemporary
}

func autoReply(h netmail.Header) bool {
	if a := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); a != "" && a != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != ""
}

// plainText finds the text of a message: its text/plain part, or its HTML
// part with the tags removed, decoded from its transfer encoding and
// charset.
func plainText(h netmail.Header, body io.Reader) (string, error) {
	text, html, err := walkPart(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), body, 0)
	if err != nil {
		return "", err
	}
	if text == "" && html != "" {
		text = htmlToText(html)
	}
	return text, nil
}

func walkPart(contentType, encoding string, body io.Reader, depth int) (text, html string, err error) {
	if depth > 5 {
		return "", "", nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || contentType == "" {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return text, html, nil
			}
			if err != nil {
				return text, html, err
			}
			if strings.HasPrefix(strings.ToLower(p.Header.Get("Content-Disposition")), "attachment") {
				continue
			}
			t, h, err := walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			if err != nil {
				return text, html, err
			}
			if text == "" {
				text = t
			}
			if html == "" {
				html = h
			}
		}
	}
	if mt != "text/plain" && mt != "text/html" {
		return "", "", nil
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", "", fmt.Errorf("mail: unable to decode part: %w", err)
	}
	s := decodeCharset(b, params["charset"])
	if mt == "text/html" {
		return "", s, nil
	}
	return s, "", nil
}

// decodeCharset reads UTF-8 and Latin-1, the charsets mail clients send
// replies in; anything else is read as UTF-8 with bad bytes replaced.
func decodeCharset(b []byte, charset string) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "windows-1252", "cp1252":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

var (
	htmlQuoteRe = regexp.MustCompile(`(?is)<blockquote.*</blockquote>`)
	htmlDropRe  = regexp.MustCompile(`(?is)<(style|script|head)[^>]*>.*?</(style|script|head)>`)
	htmlBreakRe = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])[^>]*>`)
	htmlTagRe   = regexp.MustCompile(`<[^>]*>`)
)

// htmlToText is a rough reading of an HTML-only reply: quoted blocks and
// styles removed, block ends turned into line breaks, tags dropped.
func htmlToText(s string) string {
	s = htmlDropRe.ReplaceAllString(s, "")
	s = htmlQuoteRe.ReplaceAllString(s, "")
	s = htmlBreakRe.ReplaceAllString(s, "\n")
	s = htmlTagRe.ReplaceAllString(s, "")
	r := strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")
	return r.Replace(s)
}

// newlineStripper drops CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
