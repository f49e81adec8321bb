package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

func mlRegister(h *harness, name, email, password string) (int, string) {
	h.t.Helper()
	c := h.mlAnon("/portal/register")
	res, body := c.post("/portal/register", url.Values{
		"name": {name}, "email": {email}, "password": {password}, "consent": {"yes"},
	}, false)
	return res.StatusCode, body
}

// With verification required, registration answers "check your email"
// for a new and for a known address alike; the new one gets a
// confirmation link, the known one a "you already have an account" mail.
func TestMailRegisterRequiresVerification(t *testing.T) {
	h := mlHarness(t)
	h.mlSettings(func(s *model.PortalSettings) { s.RequireVerification = true })
	const email = "dora@newco.example"
	code, nbody := mlRegister(h, "Dora", email, "a long enough phrase")
	if code != http.StatusOK || h1(nbody) != "Check your email" {
		t.Fatalf("new address: %d %q", code, h1(nbody))
	}
	code, kbody := mlRegister(h, "Dora", ana, "a long enough phrase")
	if code != http.StatusOK {
		t.Fatalf("known address: %d", code)
	}
	mlSame(t, strings.ReplaceAll(nbody, email, "X"), strings.ReplaceAll(kbody, ana, "X"))
	h.drainJobs() // the worker makes the account and the mails
	ct, err := store.ContactByEmail(context.Background(), h.st.DB, email)
	if err != nil || !ct.EmailVerifiedAt.IsZero() {
		t.Fatalf("contact %+v, %v", ct, err)
	}
	if n := h.count("SELECT count(*) FROM consent_records WHERE contact_id = ?", ct.ID); n != 1 {
		t.Fatalf("%d consent records", n)
	}
	if n := len(h.mlMailsTo(email, mail.KindVerify)); n != 1 {
		t.Fatalf("%d verification mails", n)
	}
	if n := len(h.mlMailsTo(ana, mail.KindExists)); n != 1 || len(h.mlMailsTo(ana, mail.KindVerify)) != 0 {
		t.Fatalf("%d 'account exists' mails to the known address", n)
	}
	// Ana's account is untouched.
	before, _ := store.ContactByEmail(context.Background(), h.st.DB, ana)
	if before.Name == "Dora" {
		t.Fatal("the known account was changed")
	}

	// Logging in before verifying is refused, with a way to get a new link.
	l := h.mlAnon("/portal/login")
	res, body := l.post("/portal/login", url.Values{"email": {email}, "password": {"a long enough phrase"}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Confirm your email address before you log in") ||
		!strings.Contains(body, `action="/portal/verify/resend"`) {
		t.Fatalf("unverified login: %d", res.StatusCode)
	}
	res, body = l.post("/portal/verify/resend", url.Values{"email": {email}}, false)
	if res.StatusCode != http.StatusOK || len(h.mlMailsTo(email, mail.KindVerify)) != 2 {
		t.Fatalf("resend: %d, %d mails", res.StatusCode, len(h.mlMailsTo(email, mail.KindVerify)))
	}
	_, other := l.post("/portal/verify/resend", url.Values{"email": {"nobody@newco.example"}}, false)
	mlSame(t, body, other)

	// The link shows a button (a GET changes nothing); the POST verifies
	// and logs in, once.
	path := mlPath(h.mlLink(email, mail.KindVerify))
	token := path[strings.Index(path, "token=")+6:]
	v := h.client()
	res, body = v.get(path, false)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `action="/portal/verify"`) {
		t.Fatalf("verify page: %d", res.StatusCode)
	}
	if ct, _ := store.ContactByEmail(context.Background(), h.st.DB, email); !ct.EmailVerifiedAt.IsZero() {
		t.Fatal("a GET verified the address")
	}
	res, _ = v.post("/portal/verify", url.Values{"token": {token}}, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/tickets") {
		t.Fatalf("verify: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := v.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("not logged in after verifying: %d", res.StatusCode)
	}
	if ct, _ := store.ContactByEmail(context.Background(), h.st.DB, email); ct.EmailVerifiedAt.IsZero() {
		t.Fatal("not verified")
	}
	w := h.mlAnon("/portal/login")
	if res, _ := w.post("/portal/verify", url.Values{"token": {token}}, false); res.StatusCode != http.StatusGone {
		t.Fatalf("a used link: %d", res.StatusCode)
	}
	// The older link from the first mail still works only until used, and
	// expires: an expired one is refused.
	raw, _ := store.CreateToken(context.Background(), h.st.DB, model.TokenVerify, ct.ID, -time.Second)
	if res, _ := w.get("/portal/verify?token="+raw, false); res.StatusCode != http.StatusGone {
		t.Fatalf("an expired link: %d", res.StatusCode)
	}
	// Now the password logs in.
	res, _ = w.post("/portal/login", url.Values{"email": {email}, "password": {"a long enough phrase"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login after verifying: %d", res.StatusCode)
	}
}

// Without verification (the demo's setting) registration answers alike
// for a new and a known address: the same status, the same page. Only the
// worker tells them apart: the new address gets its account, ready to log
// in, and no mail; the known one gets a "you already have an account"
// mail, and its account is untouched.
func TestMailRegisterWithoutVerification(t *testing.T) {
	h := mlHarness(t)
	h.mlSettings(func(s *model.PortalSettings) { s.RequireVerification = false })
	const email = "eve@newco.example"
	register := func(addr string) (*http.Response, string) {
		c := h.mlAnon("/portal/register")
		res, _ := c.post("/portal/register", url.Values{"name": {"Eve"}, "email": {addr}, "password": {"a long enough phrase"}, "consent": {"yes"}}, false)
		_, page := c.get(res.Header.Get("Location"), false)
		return res, page
	}
	nres, npage := register(email)
	kres, kpage := register(ana)
	if nres.StatusCode != http.StatusSeeOther || kres.StatusCode != nres.StatusCode {
		t.Fatalf("statuses %d and %d", nres.StatusCode, kres.StatusCode)
	}
	if nres.Header.Get("Location") != "/portal/login?registered=1" || kres.Header.Get("Location") != nres.Header.Get("Location") {
		t.Fatalf("locations %q and %q", nres.Header.Get("Location"), kres.Header.Get("Location"))
	}
	for _, res := range []*http.Response{nres, kres} {
		for _, ck := range res.Cookies() {
			if ck.Name == "portico_sid" {
				t.Error("a registration answer sets a session cookie")
			}
		}
	}
	mlSame(t, npage, kpage)
	if !strings.Contains(npage, "Thank you for registering") {
		t.Error("the login page does not say what happened")
	}
	// Nothing is done in the request: the worker does it.
	if n := h.count("SELECT count(*) FROM mail_jobs"); n != 2 {
		t.Fatalf("%d jobs queued, want 2", n)
	}
	if n := h.count("SELECT count(*) FROM contacts WHERE email = ?", email); n != 0 {
		t.Fatal("the account was made in the request")
	}
	if n := h.drainJobs(); n != 2 {
		t.Fatalf("the worker did %d jobs, want 2", n)
	}
	if n := len(h.mlMailsTo(ana, mail.KindExists)); n != 1 {
		t.Fatalf("%d 'account exists' mails to the known address, want 1", n)
	}
	if n := len(h.mlMailsTo(email, "")); n != 0 {
		t.Fatalf("%d mails to the new address", n)
	}
	if before, _ := store.ContactByEmail(context.Background(), h.st.DB, ana); before.Name == "Eve" {
		t.Fatal("the known account was changed")
	}
	// The new account logs in with the password it chose.
	c := h.mlAnon("/portal/login")
	if res, _ := c.post("/portal/login", url.Values{"email": {email}, "password": {"a long enough phrase"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login of the new account: %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM mail_jobs"); n != 0 {
		t.Fatalf("%d jobs left", n)
	}
}

// Email verification is a switch in the access section of the settings:
// saved with an audit entry, and registration follows it at once.
func TestMailVerificationSetting(t *testing.T) {
	h := mlHarness(t)
	admin := h.mlStaff(demo.AdminEmail)
	save := func(verify bool) {
		t.Helper()
		form := url.Values{"access": {"registration"}, "sso_access": {"all"}, "invite_hours": {"24"}}
		if verify {
			form.Set("require_verification", "yes")
		}
		res, body := admin.post("/admin/portal/access", form, true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("save access: %d", res.StatusCode)
		}
		if got := h.settingsNow().RequireVerification; got != verify {
			t.Fatalf("saved verification %v, want %v", got, verify)
		}
		if a := h.admLastAudit(); a.Action != "settings.access" || !strings.Contains(a.After, fmt.Sprintf(`"require_verification":%v`, verify)) {
			t.Errorf("audit entry %s: %s", a.Action, a.After)
		}
		checked := regexp.MustCompile(`<input[^>]*id="require_verification"[^>]*>`).FindString(body)
		if strings.Contains(checked, "checked") != verify {
			t.Errorf("the re-rendered section shows %q", checked)
		}
	}
	save(true)
	if code, body := mlRegister(h, "Fay", "fay@newco.example", "a long enough phrase"); code != http.StatusOK || h1(body) != "Check your email" {
		t.Errorf("with verification: %d %q", code, h1(body))
	}
	save(false)
	c := h.mlAnon("/portal/register")
	res, _ := c.post("/portal/register", url.Values{"name": {"Gus"}, "email": {"gus@newco.example"}, "password": {"a long enough phrase"}, "consent": {"yes"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/login?registered=1" {
		t.Errorf("without verification: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
