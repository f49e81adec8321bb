package web

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

// Helpers for the email tests. Names start with "ml" so as not to collide
// with other tests' helpers.

// mlHarness is a demo harness whose server has a real Mailer and the
// agent-reply hook wired as in production.
func mlHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	return newHarness(t, append([]harnessOpt{mlHarnessOpt(t)}, opts...)...)
}

// mlHarnessOpt gives a harness's server a real Mailer and the agent-reply
// hook, as in production.
func mlHarnessOpt(t *testing.T) harnessOpt {
	return func(d *Deps) {
		m, err := mail.NewFromConfig(d.Config, d.Views, d.I18n, d.Secret)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = m
		d.OnAgentReply = func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error {
			return m.NotifyContacts(ctx, tx, ticketID, msg)
		}
	}
}

// drainJobs runs the account mail worker over every due job, as the
// running server does in the background (desk/jobs.go).
func (h *harness) drainJobs() int {
	h.t.Helper()
	n, err := h.srv.Desk.RunDueJobs(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// mlMails returns the outbox, oldest first, once the worker has done the
// queued account mail.
func (h *harness) mlMails() []store.OutboxMail {
	h.t.Helper()
	h.drainJobs()
	var out []store.OutboxMail
	if err := h.st.DB.NewSelect().Model(&out).Order("id").Scan(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// mlMailsTo returns the mails of one kind to one address.
func (h *harness) mlMailsTo(addr, kind string) []store.OutboxMail {
	h.t.Helper()
	var out []store.OutboxMail
	for _, m := range h.mlMails() {
		if m.ToAddr == addr && (kind == "" || m.Kind == kind) {
			out = append(out, m)
		}
	}
	return out
}

var mlLinkRe = regexp.MustCompile(`https?://[^\s"<>]+token=[A-Za-z0-9_-]+`)

// mlLink is the token link of the last mail of a kind to an address.
func (h *harness) mlLink(addr, kind string) string {
	h.t.Helper()
	ms := h.mlMailsTo(addr, kind)
	if len(ms) == 0 {
		h.t.Fatalf("no %s mail to %s", kind, addr)
	}
	l := mlLinkRe.FindString(ms[len(ms)-1].TextBody)
	if l == "" {
		h.t.Fatalf("no link in %q", ms[len(ms)-1].TextBody)
	}
	return l
}

// mlStaff gives a browser a staff session without the password form.
func (h *harness) mlStaff(email string) *client {
	h.t.Helper()
	ctx := context.Background()
	u, err := store.StaffByEmail(ctx, h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	if err := h.srv.Sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindStaff, AccountID: u.ID, CreatedAt: now, LastSeen: now}, time.Hour); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	c.cookies[core.StaffCookie] = sid
	c.csrf = h.srv.CSRFFor(sid)
	return c
}

// mlContact gives a browser a contact session without the password form.
func (h *harness) mlContact(email string) *client {
	h.t.Helper()
	ctx := context.Background()
	ct, err := store.ContactByEmail(ctx, h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	if err := h.srv.Sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindContact, AccountID: ct.ID, CreatedAt: now, LastSeen: now}, time.Hour); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	c.cookies[core.SessionCookie] = sid
	c.csrf = h.srv.CSRFFor(sid)
	return c
}

// mlAnon is a browser that has loaded a portal page, so it has an
// anonymous session and its CSRF token.
func (h *harness) mlAnon(path string) *client {
	h.t.Helper()
	c := h.client()
	if res, _ := c.get(path, false); res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if c.csrf == "" {
		h.t.Fatalf("no CSRF token on %s", path)
	}
	return c
}

// mlSettings changes the portal settings.
func (h *harness) mlSettings(change func(*model.PortalSettings)) {
	h.t.Helper()
	ctx := context.Background()
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	change(&st)
	if _, err := store.SaveSettings(ctx, h.st.DB, st); err != nil {
		h.t.Fatal(err)
	}
}

// mlPath is the path and query of an absolute link.
func mlPath(link string) string {
	for i := len("https://"); i < len(link); i++ {
		if link[i] == '/' {
			return link[i:]
		}
	}
	return "/"
}
