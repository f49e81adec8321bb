package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserAdminSettings(t *testing.T) {
	s := startServer(t, serverOptions{})
	admin := newBrowser(t, s.URL)
	customer := boSideBrowser(t, admin)

	customer.open("/portal/login")
	customer.waitText("main", "Register here")

	boStaffLogin(admin, boAdminEmail)
	admin.open("/admin/portal")
	admin.waitJS("the settings", `document.querySelector('#general') && document.querySelector('#access') && document.querySelector('#switch') && document.querySelector('#branding') && document.querySelector('#preview-email')`)

	// Access: only contacts on lists, with "Portal customers" ticked.
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
	if !evalJS[bool](admin, `document.querySelector('#access input[name="access"][value="lists"]').checked`) {
		t.Error("the access section does not show list access after saving")
	}
	customer.open("/portal/login")
	customer.waitJS("the login form", `document.querySelector('#password')`)
	if body := boBodyText(customer); strings.Contains(body, "Register here") {
		t.Error("the login page still offers registration after self-registration was switched off")
	}

	// General: the title.
	title := fmt.Sprintf("Acme Help %d", time.Now().UnixNano()%100000)
	admin.do("set the title", chromedp.SetValue(chromedp.CSS("#general #title_en"), title))
	boSaveSection(admin, "general")

	// Branding: the primary colour.
	const color, triplet = "#aa3311", "170 51 17"
	admin.do("set the primary colour", chromedp.SetValue(chromedp.CSS("#branding #primary_color"), color))
	boSaveSection(admin, "branding")
	if got := evalJS[string](admin, `document.querySelector('#branding #primary_color').value`); got != color {
		t.Errorf("primary colour after saving = %q, want %q", got, color)
	}

	customer.open("/portal/login")
	customer.waitJS("the login form", `document.querySelector('#password')`)
	if got := evalJS[string](customer, `document.title`); !strings.Contains(got, title) {
		t.Errorf("portal <title> = %q, want it to carry %q", got, title)
	}
	css := evalJS[string](customer, `(async () => {
		const l = [...document.querySelectorAll('link[rel="stylesheet"]')].find(l => l.getAttribute('href').startsWith('/portal/theme.css'));
		if (!l) return 'no theme stylesheet';
		const r = await fetch(l.getAttribute('href'));
		return await r.text();
	})()`, chromedp.EvalAwaitPromise)
	if !strings.Contains(css, "--brand:"+triplet) {
		t.Errorf("theme stylesheet does not carry the new colour %s:\n%s", triplet, css)
	}
	applied := evalJS[string](customer, `getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()`)
	if applied != triplet {
		t.Errorf("the page's --brand is %q, want %q", applied, triplet)
	}

	// Switch: off, then on.
	admin.do("switch the portal off", chromedp.Click(chromedp.CSS(`#switch input[name="enabled"][value="off"]`)))
	boSaveSection(admin, "switch")
	customer.open("/portal/login")
	customer.waitText("body", "Portal unavailable")
	if evalJS[bool](customer, `!!document.querySelector('#password')`) {
		t.Error("the unavailable page still shows the login form")
	}
	admin.do("switch the portal on", chromedp.Click(chromedp.CSS(`#switch input[name="enabled"][value="on"]`)))
	boSaveSection(admin, "switch")
	customer.open("/portal/login")
	customer.waitJS("the login form again", `document.querySelector('#password')`)

	// Preview as Ana.
	admin.do("preview as Ana",
		chromedp.SendKeys(chromedp.CSS("#preview-email"), anaEmail),
		chromedp.Click(chromedp.CSS(`#preview button[type="submit"]`)),
	)
	admin.waitPath("/portal/tickets")
	admin.waitText("#ticket-list", subjPrinter)
	admin.waitText("body", "Preview: you are viewing the portal as this customer.")
	admin.waitText("body", anaEmail)
	if got := evalJS[string](admin, `document.title`); !strings.Contains(got, title) {
		t.Errorf("preview <title> = %q, want it to carry %q", got, title)
	}
}
