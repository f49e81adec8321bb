package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
)

var mlCSRFRe = regexp.MustCompile(`"X-CSRF-Token": "[^"]+"`)

// mlSame fails unless two pages are the same but for their CSRF tokens.
func mlSame(t *testing.T, a, b string) {
	t.Helper()
	strip := func(s string) string { return mlCSRFRe.ReplaceAllString(csrfRe.ReplaceAllString(s, ""), "") }
	a, b = strip(a), strip(b)
	if a == b {
		return
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	t.Fatalf("the pages differ at %d: %q vs %q", i, a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
}

// mlForgot posts the forgot-password form from a fresh browser, with a
// forged Host and X-Forwarded-Host.
func (h *harness) mlForgot(email string) (int, string) {
	h.t.Helper()
	c := h.mlAnon("/portal/password/forgot")
	form := url.Values{"email": {email}, core.CSRFField: {c.csrf}}
	req := httptest.NewRequest(http.MethodPost, "/portal/password/forgot", strings.NewReader(form.Encode()))
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, body := c.do(req)
	return res.StatusCode, body
}

// The request page answers alike for known and unknown addresses, and
// only a known one gets a mail, whose link uses the configured base URL
// whatever Host the request claimed.
func TestMailForgotPasswordAnswersAlike(t *testing.T) {
	h := mlHarness(t)
	h.mlSettings(func(s *model.PortalSettings) { s.BaseURL = "https://help.acme.example" })
	known, kbody := h.mlForgot(ana)
	unknown, ubody := h.mlForgot("nobody@acme.example")
	if known != http.StatusOK || unknown != http.StatusOK {
		t.Fatalf("statuses %d / %d", known, unknown)
	}
	mlSame(t, kbody, ubody)
	if h1(kbody) != "Check your email" {
		t.Fatalf("heading %q", h1(kbody))
	}
	if n := len(h.mlMails()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	link := h.mlLink(ana, mail.KindReset)
	if !strings.HasPrefix(link, "https://help.acme.example/portal/password/reset?token=") || strings.Contains(link, "evil") {
		t.Fatalf("link %s", link)
	}
	// Without a base URL in the settings, the configured one.
	h.mlSettings(func(s *model.PortalSettings) { s.BaseURL = "" })
	h.mlForgot(ana)
	if link := h.mlLink(ana, mail.KindReset); !strings.HasPrefix(link, h.srv.Config.BaseURL+"/portal/password/reset?token=") {
		t.Fatalf("link %s, want the configured %s", link, h.srv.Config.BaseURL)
	}
	// Per address: the fourth request in an hour sends nothing, and looks the same.
	h.mlForgot(ana)
	_, third := h.mlForgot(ana)
	code, body := h.mlForgot(ana)
	if code != http.StatusOK {
		t.Fatalf("a limited request: %d", code)
	}
	mlSame(t, third, body)
	if n := len(h.mlMailsTo(ana, mail.KindReset)); n != 3 {
		t.Fatalf("%d reset mails, want 3 (limit per address)", n)
	}
	// A bad address is an error at the field.
	c := h.mlAnon("/portal/password/forgot")
	res, body := c.post("/portal/password/forgot", url.Values{"email": {"not an address"}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || fieldErrors(body)["email"] == "" {
		t.Fatalf("bad address: %d %v", res.StatusCode, fieldErrors(body))
	}
}

// A reset link sets the password once, ends every other session of the
// account, and logs this browser in.
func TestMailResetEndsOtherSessions(t *testing.T) {
	h := mlHarness(t)
	other := h.mlContact(ana)
	if res, _ := other.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("the other session: %d", res.StatusCode)
	}
	h.mlForgot(ana)
	path := mlPath(h.mlLink(ana, mail.KindReset))
	token := path[strings.Index(path, "token=")+6:]

	b := h.client()
	res, body := b.get(path, false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="token" value="`+token+`"`) {
		t.Fatalf("reset form: %d", res.StatusCode)
	}
	res, body = b.post("/portal/password/reset", url.Values{"token": {token}, "password": {"password"}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || fieldErrors(body)["password"] == "" {
		t.Fatalf("a common password: %d %v", res.StatusCode, fieldErrors(body))
	}
	res, _ = b.post("/portal/password/reset", url.Values{"token": {token}, "password": {"correct horse battery"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets" {
		t.Fatalf("reset: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := b.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("not logged in after the reset: %d", res.StatusCode)
	}
	if res, _ := other.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other session survived the reset: %d", res.StatusCode)
	}
	// The link works once.
	c := h.client()
	if res, _ := c.get(path, false); res.StatusCode != http.StatusGone {
		t.Fatalf("reused link GET: %d", res.StatusCode)
	}
	res, _ = c.post("/portal/password/reset", url.Values{"token": {token}, "password": {"another good phrase"}}, false)
	if res.StatusCode != http.StatusGone {
		t.Fatalf("reused link POST: %d", res.StatusCode)
	}
	// The new password logs in.
	l := h.mlAnon("/portal/login")
	res, _ = l.post("/portal/login", url.Values{"email": {ana}, "password": {"correct horse battery"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", res.StatusCode)
	}
}

// An expired reset link is refused, like a used one.
func TestMailResetLinkExpires(t *testing.T) {
	h := mlHarness(t)
	raw, err := store.CreateToken(context.Background(), h.st.DB, model.TokenReset, h.contactID(ana), -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c := h.client()
	if res, _ := c.get("/portal/password/reset?token="+raw, false); res.StatusCode != http.StatusGone {
		t.Fatalf("expired link GET: %d", res.StatusCode)
	}
	c = h.mlAnon("/portal/login")
	res, _ := c.post("/portal/password/reset", url.Values{"token": {raw}, "password": {"correct horse battery"}}, false)
	if res.StatusCode != http.StatusGone {
		t.Fatalf("expired link POST: %d", res.StatusCode)
	}
	// A reset token is not an invitation token.
	raw, _ = store.CreateToken(context.Background(), h.st.DB, model.TokenReset, h.contactID(ana), time.Hour)
	if res, _ := c.get("/portal/password/set?token="+raw, false); res.StatusCode != http.StatusGone {
		t.Fatalf("a reset token on the invitation page: %d", res.StatusCode)
	}
}

// The login page links to the reset page, whose texts come from the
// settings when an admin set them.
func TestMailForgotLinkAndPageTexts(t *testing.T) {
	h := mlHarness(t)
	_, body := h.client().get("/portal/login", false)
	if !strings.Contains(body, `href="/portal/password/forgot"`) {
		t.Fatal("no forgot-password link on the login page")
	}
	h.mlSettings(func(s *model.PortalSettings) {
		s.Pages = map[string]model.PageText{"password_reset": {Heading: model.PlainText("Lost your key?"), Intro: model.PlainText("We'll mail you a new one.")}}
	})
	_, body = h.client().get("/portal/password/forgot", false)
	if h1(body) != "Lost your key?" || !strings.Contains(body, "We&#39;ll mail you a new one.") {
		t.Fatalf("settings texts not used: %q", h1(body))
	}
}
