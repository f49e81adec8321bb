package e2e

// Email journeys: links that arrive by mail (address confirmation and the
// invitation's set-password link), read from the back office's outbox by
// an admin and followed by the customer in a browser context of its own.

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite"
)

// emSetVerification switches address verification for self-registration
// in the instance's embedded database; settings are read on every request.
func emSetVerification(t *testing.T, s *server, on bool) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "portico.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := "false"
	if on {
		val = "true"
	}
	res, err := db.Exec(`UPDATE portal_settings SET data = json_set(data, '$.require_verification', json(?)), version = version + 1 WHERE id = 1`, val)
	if err != nil {
		t.Fatalf("set require_verification: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("set require_verification: %d settings rows updated, want 1", n)
	}
}

// emMailLink finds, in the outbox, the newest mail of the kind (its label
// in the list) to addr, opens it, and returns the path and query of its
// link to linkPath, for another browser to follow on the test instance.
func emMailLink(t *testing.T, admin *browser, addr, kind, linkPath string) string {
	t.Helper()
	row := fmt.Sprintf(`[...document.querySelectorAll('main tbody tr')].find(r => r.innerText.includes(%s) && r.innerText.includes(%s))`,
		jsString(addr), jsString(kind))
	link := `(() => { const r = ` + row + `; return r ? r.querySelector('a[href^="/admin/outbox/"]') : null; })()`
	boReloadUntil(admin, fmt.Sprintf("the %q mail to %s in the outbox", kind, addr), "/admin/outbox", link)
	mailPath := evalJS[string](admin, link+`.getAttribute('href')`)
	admin.do("open the mail", chromedp.Evaluate[chromedp.Void](link+`.click()`))
	admin.waitPath(mailPath)
	if body := boBodyText(admin); !strings.Contains(body, addr) {
		t.Errorf("the mail at %s does not name its recipient %s", mailPath, addr)
	}
	a := fmt.Sprintf(`[...document.querySelectorAll('main a[href]')].find(a => new URL(a.href).pathname === %s)`, jsString(linkPath))
	admin.waitJS("the link to "+linkPath+" in the mail", a)
	href := evalJS[string](admin, a+`.href`)
	u, err := url.Parse(href)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("mail link %q has no token (%v)", href, err)
	}
	if base, _ := url.Parse(admin.base); u.Host != base.Host {
		t.Logf("mail link points to %s, not the test instance: following its path there", u.Host)
	}
	return u.RequestURI()
}

// emLoggedIn checks that the browser is on the customer's ticket list with
// a session.
func emLoggedIn(t *testing.T, b *browser) {
	t.Helper()
	b.waitPath("/portal/tickets")
	b.waitJS("the logout form", `document.querySelector('form[action="/portal/logout"]')`)
}

// emSubmit marks the page, clicks the submit button of the form matching
// sel, and waits for the answer to replace the page.
func emSubmit(b *browser, what, sel string) {
	b.t.Helper()
	evalJS[chromedp.Void](b, `window.__emOld = 1`)
	b.do(what, chromedp.Click(chromedp.CSS(sel+` button[type="submit"]`)))
	b.waitJS("the answer to "+what, `!window.__emOld && document.readyState !== 'loading'`)
}

func TestBrowserRegisterAndVerify(t *testing.T) {
	s := startServer(t, serverOptions{})
	emSetVerification(t, s, true)
	visitor := newBrowser(t, s.URL)
	admin := boSideBrowser(t, visitor)

	const (
		name     = "Nora Lindqvist"
		email    = "nora.lindqvist@example.net"
		password = "Copper-Lantern-Meadow-58"
	)

	// Register.
	visitor.open("/portal/register")
	visitor.waitJS("the registration form", `document.querySelector('main form[action="/portal/register"] #consent')`)
	visitor.do("fill the registration form",
		chromedp.SetValue(chromedp.CSS("#name"), name),
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#consent")),
	)
	if !evalJS[bool](visitor, `document.querySelector('#consent').checked`) {
		t.Fatalf("the consent box is not ticked%s", visitor.where())
	}
	emSubmit(visitor, "register", `main form[action="/portal/register"]`)
	visitor.waitText("main h1", "Check your email")
	visitor.waitText(`main [role="status"]`, email)
	if evalJS[bool](visitor, `!!document.querySelector('form[action="/portal/logout"]')`) {
		t.Errorf("registering with verification on logged the visitor in%s", visitor.where())
	}

	// Logging in before confirming is refused, with a way to get a new link.
	visitor.open("/portal/login")
	visitor.waitJS("the login form", `document.querySelector('main form[action="/portal/login"] #password')`)
	visitor.do("fill the login form",
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
	)
	emSubmit(visitor, "log in before confirming", `main form[action="/portal/login"]`)
	visitor.waitText(`#error-summary-title`, "Confirm your email address before you log in")
	if p := evalJS[string](visitor, `location.pathname`); p != "/portal/login" {
		t.Errorf("a login before confirming led to %s", p)
	}
	if !evalJS[bool](visitor, `!!document.querySelector('form[action="/portal/verify/resend"] button[type="submit"]')`) {
		t.Errorf("the refusal offers no new confirmation link%s", visitor.where())
	}
	visitor.open("/portal/tickets")
	visitor.waitPath("/portal/login")

	// The admin finds the confirmation mail; the visitor follows its link.
	boStaffLogin(admin, boAdminEmail)
	link := emMailLink(t, admin, email, "Email confirmation", "/portal/verify")

	visitor.open(link)
	visitor.waitText("main h1", "Confirm your email")
	visitor.waitJS("the confirm button", `document.querySelector('main form[action="/portal/verify"] button[type="submit"]')`)
	visitor.do("confirm", chromedp.Click(chromedp.CSS(`main form[action="/portal/verify"] button[type="submit"]`)))
	emLoggedIn(t, visitor)

	// The link works once.
	visitor.open(link)
	visitor.waitText("main h1", "This confirmation link no longer works")
	if evalJS[bool](visitor, `!!document.querySelector('main form[action="/portal/verify"]')`) {
		t.Errorf("a used confirmation link still offers the confirm button%s", visitor.where())
	}
	// Even posted directly, the used token logs nobody in.
	fresh := boSideBrowser(t, visitor)
	fresh.open("/portal/login")
	fresh.waitJS("the login form", `document.querySelector('#password')`)
	status := evalJS[string](fresh, fmt.Sprintf(`(async () => {
		const fd = new FormData();
		fd.append('token', new URL(%s, location.href).searchParams.get('token'));
		fd.append('_csrf', (document.querySelector('input[name="_csrf"]') || {}).value || '');
		const r = await fetch('/portal/verify', {method: 'POST', body: fd});
		return r.status + ' ' + new URL(r.url).pathname;
	})()`, jsString(link)), chromedp.EvalAwaitPromise)
	if !strings.HasPrefix(status, "410") {
		t.Errorf("posting the used confirmation link again answered %q, want 410", status)
	}
	fresh.open("/portal/tickets")
	fresh.waitPath("/portal/login")

	// Confirmed, the account logs in normally.
	fresh.login(email, password)
	fresh.waitPath("/portal/tickets")
}

func TestBrowserInvitedContactSetsPassword(t *testing.T) {
	s := startServer(t, serverOptions{})
	admin := newBrowser(t, s.URL)
	contact := boSideBrowser(t, admin)

	const (
		name     = "Tomas Okafor"
		email    = "tomas.okafor@example.net"
		password = "Harbour-Willow-Signal-31"
	)

	// A contact without a password, on the list "Portal customers".
	boStaffLogin(admin, boAdminEmail)
	admin.open("/admin/contacts/new")
	admin.waitJS("the new contact form", `document.querySelector('#contact-form #name') && document.querySelector('#contact-form #email')`)
	admin.do("fill the new contact",
		chromedp.SetValue(chromedp.CSS("#contact-form #name"), name),
		chromedp.SetValue(chromedp.CSS("#contact-form #email"), email),
		chromedp.Click(chromedp.CSS(`#contact-form button[type="submit"]`)),
	)
	admin.waitJS("the new contact's page", `/^\/admin\/contacts\/\d+$/.test(location.pathname) && document.querySelector('#contact-lists')`)
	picked := evalJS[bool](admin, `(() => {
		const sel = document.querySelector('#contact-list-add');
		const opt = sel && [...sel.options].find(o => o.text.trim() === 'Portal customers');
		if (!opt) return false;
		sel.value = opt.value;
		return true;
	})()`)
	if !picked {
		t.Fatalf("no \"Portal customers\" list to add the contact to%s", admin.where())
	}
	admin.do("add to the list", chromedp.Click(chromedp.CSS(`#contact-lists form:has(#contact-list-add) button[type="submit"]`)))
	admin.waitJS("the contact on the list", `[...document.querySelectorAll('#contact-lists li a')].some(a => a.textContent.trim() === 'Portal customers')`)

	// Access by lists, with "Portal customers" ticked.
	admin.open("/admin/portal")
	admin.waitJS("the access section", `document.querySelector('#access input[name="access"][value="lists"]')`)
	admin.do("choose list access", chromedp.Click(chromedp.CSS(`#access input[name="access"][value="lists"]`)))
	ticked := evalJS[bool](admin, `(() => {
		const l = [...document.querySelectorAll('#access label')].find(l => l.querySelector('input[name="access_lists"]') && l.textContent.trim() === 'Portal customers');
		if (!l) return false;
		const box = l.querySelector('input');
		if (!box.checked) box.click();
		return box.checked;
	})()`)
	if !ticked {
		t.Fatalf("no \"Portal customers\" list box in the access section%s", admin.where())
	}
	boSaveSection(admin, "access")

	// The invitation waits in the outbox; the contact follows its link.
	link := emMailLink(t, admin, email, "Invitation", "/portal/password/set")
	contact.open(link)
	contact.waitText("main h1", "Set your password")
	form := `main form[action="/portal/password/set"]`
	contact.waitJS("the set-password form", `document.querySelector('main form[action="/portal/password/set"] #password')`)

	// Too short: refused, with the error at the field.
	contact.do("type a short password", chromedp.SetValue(chromedp.CSS(form+" #password"), "Ab3-x"))
	emSubmit(contact, "set a short password", form)
	contact.waitText("#password-error", "Use at least 8 characters.")
	if p := evalJS[string](contact, `location.pathname`); p != "/portal/password/set" {
		t.Errorf("a too-short password led to %s", p)
	}
	if !evalJS[bool](contact, `(() => { const i = document.querySelector('#password');
		return i && i.getAttribute('aria-invalid') === 'true' && (i.getAttribute('aria-describedby') || '').split(' ').includes('password-error'); })()`) {
		t.Errorf("the password field is not marked invalid and tied to its error%s", contact.where())
	}
	if evalJS[bool](contact, `!!document.querySelector('form[action="/portal/logout"]')`) {
		t.Errorf("a too-short password logged the contact in%s", contact.where())
	}

	// A good one: logged in on the ticket list.
	contact.do("type a good password", chromedp.SetValue(chromedp.CSS(form+" #password"), password))
	contact.do("set the password", chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	emLoggedIn(t, contact)

	// The invitation link is used up.
	contact.open(link)
	contact.waitText("main h1", "This link no longer works")
	if evalJS[bool](contact, `!!document.querySelector('main form[action="/portal/password/set"]')`) {
		t.Errorf("a used invitation link still offers the password form%s", contact.where())
	}
}
