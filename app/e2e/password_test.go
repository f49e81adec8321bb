package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserPasswordReset(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)        // A: Ana, logged in
	requester := boSideBrowser(t, ana) // B: asks for the reset
	admin := boSideBrowser(t, ana)     // C: reads the outbox, follows the link

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.waitText("#ticket-list", subjPrinter)

	requester.open("/portal/password/forgot")
	requester.waitJS("the forgot form", `document.querySelector('main form[action="/portal/password/forgot"] #email')`)
	requester.do("ask for a reset",
		chromedp.SetValue(chromedp.CSS("#email"), anaEmail),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/password/forgot"] button[type="submit"]`)),
	)
	requester.waitText("main", "Check your email")

	boStaffLogin(admin, boAdminEmail)
	newest := fmt.Sprintf(`(() => { const r = document.querySelector('main tbody tr');
		return r && r.innerText.includes(%s) && r.innerText.includes('Password reset') ? r.querySelector('a[href^="/admin/outbox/"]') : null; })()`, jsString(anaEmail))
	boReloadUntil(admin, "the reset mail at the top of the outbox", "/admin/outbox", newest)
	mailPath := evalJS[string](admin, newest+`.getAttribute('href')`)
	admin.do("open the reset mail", chromedp.Evaluate[chromedp.Void](newest+`.click()`))
	admin.waitPath(mailPath)
	linkJS := `[...document.querySelectorAll('main a[href]')].find(a => a.href.includes('/portal/password/reset'))`
	admin.waitJS("the reset link", linkJS)
	href := evalJS[string](admin, linkJS+`.href`)
	u, err := url.Parse(href)
	if err != nil || u.RawQuery == "" {
		t.Fatalf("reset link %q has no token (%v)", href, err)
	}
	if base, _ := url.Parse(s.URL); u.Host != base.Host {
		t.Logf("reset link points to %s, not the test instance: following its path there", u.Host)
		admin.open(u.RequestURI())
	} else {
		admin.do("follow the reset link", chromedp.Evaluate[chromedp.Void](linkJS+`.removeAttribute('target'); `+linkJS+`.click()`))
	}
	admin.waitPath("/portal/password/reset")
	admin.waitJS("the new password form", `document.querySelector('main form #password')`)
	const newPassword = "Tangerine-Harbour-77"
	admin.do("set a new password",
		chromedp.SetValue(chromedp.CSS("main form #password"), newPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	admin.waitJS("leaving the reset page", `location.pathname !== '/portal/password/reset' && document.readyState !== 'loading'`)
	admin.waitPath("/portal/tickets")
	admin.waitText("#ticket-list", subjPrinter)
	if !evalJS[bool](admin, `!!document.querySelector('form[action="/portal/logout"]')`) {
		t.Errorf("not logged in after setting the password%s", admin.where())
	}

	// The link works once.
	requester.open(u.RequestURI())
	if ok, _ := requester.poll(`document.querySelector('main form #password')`, time.Second); ok {
		requester.do("reuse the link",
			chromedp.SetValue(chromedp.CSS("main form #password"), "Another-Password-99"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		)
		if ok, _ := requester.poll(`location.pathname === '/portal/tickets'`, 2*time.Second); ok {
			t.Error("the reset link worked a second time")
		}
	}

	// Ana's old session has ended.
	ana.open("/portal/tickets")
	ana.waitPath("/portal/login")

	// The old password no longer works; the new one does.
	ana.waitJS("the login form", `document.querySelector('#password')`)
	ana.do("log in with the old password",
		chromedp.SetValue(chromedp.CSS("#email"), anaEmail),
		chromedp.SetValue(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)),
	)
	ana.waitJS("the login refusal", `location.pathname === '/portal/login' && document.querySelector('#error-summary')`)
	ana.login(anaEmail, newPassword)
	ana.waitPath("/portal/tickets")
}
