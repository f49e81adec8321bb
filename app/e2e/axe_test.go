package e2e

// The accessibility audit: axe-core, from the test tree, on every page of
// the portal and the back office, at desktop and phone widths, in English
// and Spanish, with a check that nothing is wider than a phone's screen.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets the audit runs: WCAG 2.0, 2.1 and 2.2, levels
// A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeRun runs axe on the document and returns one line per failing node:
// the rule, the node's selector, and axe's explanation.
var axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ` + jsArray(axeTags) + `}, resultTypes: ['violations']})
	.then(r => r.violations.flatMap(v => v.nodes.map(n => {
		const why = [...n.any, ...n.all, ...n.none].map(c => c.message).filter(Boolean).join('; ');
		return v.id + ' | ' + n.target.join(' ') + ' | ' + why.replace(/\s+/g, ' ').slice(0, 220);
	})))`

// axeWidest names the element that sticks out furthest to the right, the
// innermost one when several end at the same place.
const axeWidest = `(() => {
	let best = null, right = 0;
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right >= right) { best = el; right = r.right; }
	}
	if (!best) return '';
	const name = best.tagName.toLowerCase() + (best.id ? '#' + best.id : '') +
		[...best.classList].slice(0, 4).map(c => '.' + c).join('');
	return name + ' ends at ' + Math.round(right) + 'px: ' + best.outerHTML.replace(/\s+/g, ' ').slice(0, 160);
})()`

// axeLayout checks the layout of every page: the back office's navigation
// marks the current page (the settings' portal samples have none); on phones the portal's header takes at most two
// rows, a ticket card is one link from edge to edge, and a ticket's
// conversation comes before its details. It returns the problems found.
const axeLayout = `(() => {
	const problems = [], phone = window.innerWidth < 640;
	// The settings' samples are portal pages shown to an admin: the portal's
	// menu marks no current page.
	if (location.pathname.startsWith('/admin/') && !location.pathname.startsWith('/admin/portal/sample/') && document.querySelector('header nav')) {
		const cur = document.querySelectorAll('header nav a[aria-current="page"]');
		if (cur.length !== 1) problems.push(cur.length + ' navigation links marked as the current page, want 1');
		else if (getComputedStyle(cur[0]).backgroundColor === getComputedStyle(cur[0].parentElement).backgroundColor)
			problems.push('the current page has no visible mark in the navigation');
	}
	const hdr = document.querySelector('header .hdr');
	if (phone && hdr) {
		// Items that overlap vertically share a row.
		const boxes = [...hdr.children].map(e => e.getBoundingClientRect()).filter(r => r.height > 0).sort((a, b) => a.top - b.top);
		let rows = 0, bottom = -Infinity;
		for (const r of boxes) {
			if (r.top >= bottom) { rows++; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom);
		}
		if (rows > 2) problems.push('the header takes ' + rows + ' rows');
	}
	for (const tr of document.querySelectorAll('#ticket-list tbody tr')) {
		const r = tr.getBoundingClientRect(), link = tr.querySelector('a');
		for (const [x, y] of [[r.left + 4, r.top + 4], [r.right - 4, r.bottom - 4]]) {
			const hit = document.elementFromPoint(x, y);
			if (r.top >= 0 && r.bottom <= innerHeight && (!hit || hit.closest('a') !== link)) {
				problems.push('a tap at the edge of the card of ' + (link ? link.textContent : '?') + ' misses its link');
				break;
			}
		}
		if (tr.querySelectorAll('a, button, input, select, textarea').length !== 1) problems.push('a ticket card holds more than one control');
	}
	const conv = document.querySelector('#conversation'), props = document.querySelector('#props-heading');
	if (phone && conv && props && props.getBoundingClientRect().top < conv.getBoundingClientRect().top)
		problems.push("the ticket's details come before its conversation");
	return problems;
})()`

// axePage is one page of the audit: who looks at it, where, and what
// shows it is ready. do, when set, brings the page into its state (an
// error after a submit) instead of opening path.
type axePage struct {
	name  string
	who   *browser
	path  string
	ready string
	do    func(b *browser)
}

func TestBrowserAxe(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, serverOptions{})
	guest := newBrowserFor(t, s.URL, 15*time.Minute) // anonymous: login, register, system pages
	ana := boSideBrowser(t, guest)                   // a customer with tickets
	fresh := boSideBrowser(t, guest)                 // a customer with none
	admin := boSideBrowser(t, guest)                 // the back office
	tabs := []*browser{guest, ana, fresh, admin}
	for _, b := range tabs {
		ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: string(src)})
		cancel()
		if err != nil {
			t.Fatalf("inject axe: %v", err)
		}
	}

	boCustomerLogin(ana, anaEmail, demoPassword)
	fresh.open("/portal/register")
	fresh.waitJS("the register form", `document.querySelector('#name')`)
	fresh.do("register",
		chromedp.SetValue(chromedp.CSS("#name"), "Olga Ortiz"),
		chromedp.SetValue(chromedp.CSS("#email"), "olga@example.net"),
		chromedp.SetValue(chromedp.CSS("#password"), "Lantern-Orchard-31"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#consent') && (document.querySelector('#consent').checked = true)`),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/register"] button[type="submit"]`)),
	)
	fresh.waitPath("/portal/login")
	fresh.login("olga@example.net", "Lantern-Orchard-31")
	fresh.waitPath("/portal/tickets")
	boStaffLogin(admin, boAdminEmail)

	// A password reset mail, for the outbox and the reset form (looking
	// at the form does not use the link up).
	guest.open("/portal/password/forgot")
	guest.waitJS("the forgot form", `document.querySelector('main form[action="/portal/password/forgot"] #email')`)
	guest.do("ask for a reset",
		chromedp.SetValue(chromedp.CSS("#email"), anaEmail),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/password/forgot"] button[type="submit"]`)),
	)
	guest.waitJS("the reset request's answer", `location.pathname === '/portal/password/forgot' && document.querySelector('main h1')`)
	resetPath := emMailLink(t, admin, anaEmail, "Password reset", "/portal/password/reset")
	mailPath := evalJS[string](admin, `location.pathname`)

	// The first record of each kind, from its index.
	first := func(index string) string {
		t.Helper()
		admin.open(index)
		js := fmt.Sprintf(`[...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href')).find(h => /^\/\d+$/.test(h.slice(%d)) && h.startsWith(%s))`,
			len(index), jsString(index))
		admin.waitJS("a record in "+index, js)
		return evalJS[string](admin, js)
	}
	contactPath, companyPath := first("/admin/contacts"), first("/admin/companies")
	listPath, formPath := first("/admin/lists"), first("/admin/forms")

	ready := `document.querySelector('main h1')`
	pages := []axePage{
		{name: "login", who: guest, path: "/portal/login", ready: `document.querySelector('#email')`},
		{name: "login-error", who: guest, ready: `document.querySelector('#error-summary, #form-error, [aria-invalid="true"]')`, do: func(b *browser) {
			b.open("/portal/login")
			b.waitJS("the login form", `document.querySelector('#email')`)
			b.do("log in with a wrong password",
				chromedp.SetValue(chromedp.CSS("#email"), "nobody@example.net"),
				chromedp.SetValue(chromedp.CSS("#password"), "not-the-password"),
				chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)),
			)
		}},
		{name: "register", who: guest, path: "/portal/register", ready: `document.querySelector('#name')`},
		{name: "password-forgot", who: guest, path: "/portal/password/forgot", ready: `document.querySelector('#email')`},
		{name: "password-reset", who: guest, path: resetPath, ready: `document.querySelector('#password')`},
		{name: "password-reset-expired", who: guest, path: "/portal/password/reset?token=expired", ready: ready},
		{name: "verify-expired", who: guest, path: "/portal/verify?token=expired", ready: ready},
		{name: "not-found", who: guest, path: "/portal/no-such-page", ready: ready},
		{name: "tickets", who: ana, path: "/portal/tickets", ready: `document.querySelector('#ticket-list tbody tr')`},
		{name: "tickets-org", who: ana, path: "/portal/tickets?view=org", ready: `document.querySelector('#ticket-list tbody tr')`},
		{name: "tickets-closed", who: ana, path: "/portal/tickets?status=closed", ready: `document.querySelector('#ticket-list tbody tr')`},
		{name: "tickets-no-result", who: ana, path: "/portal/tickets?q=zzqx", ready: `document.querySelector('#ticket-results .border-dashed')`},
		{name: "tickets-empty", who: fresh, path: "/portal/tickets", ready: `document.querySelector('#ticket-results .border-dashed')`},
		{name: "ticket-open", who: ana, path: "/portal/tickets/22", ready: `document.querySelector('#conversation article')`},
		{name: "ticket-closed", who: ana, path: "/portal/tickets/5", ready: `document.querySelector('#conversation article')`},
		{name: "ticket-new", who: ana, path: "/portal/tickets/new", ready: `document.querySelector('#ticket-form #subject')`},
		{name: "mydata", who: ana, path: "/portal/me/data", ready: `document.querySelector('#mydata-json')`},
		{name: "ticket-new-error", who: ana, ready: `document.querySelector('#ticket-form [aria-invalid="true"]')`, do: func(b *browser) {
			b.open("/portal/tickets/new")
			b.waitJS("the support form", `document.querySelector('#ticket-form #subject') && window.htmx`)
			b.do("send the empty form", chromedp.Click(chromedp.CSS(`#ticket-form button[type="submit"]`)))
		}},
		{name: "admin-login", who: guest, path: "/admin/login", ready: `document.querySelector('#email')`},
		{name: "admin-inbox", who: admin, path: "/admin/inbox", ready: `document.querySelector('#inbox-list tbody tr')`},
		{name: "admin-ticket", who: admin, path: "/admin/tickets/22", ready: `document.querySelector('#composer-body')`},
		{name: "admin-ticket-new", who: admin, path: "/admin/tickets/new", ready: ready},
		{name: "admin-contacts", who: admin, path: "/admin/contacts", ready: `document.querySelector('main tbody tr')`},
		{name: "admin-contact", who: admin, path: contactPath, ready: ready},
		{name: "admin-deletion-requests", who: admin, path: "/admin/contacts/deletion-requests", ready: ready},
		{name: "admin-contact-new", who: admin, path: "/admin/contacts/new", ready: ready},
		{name: "admin-companies", who: admin, path: "/admin/companies", ready: `document.querySelector('main tbody tr')`},
		{name: "admin-company", who: admin, path: companyPath, ready: ready},
		{name: "admin-lists", who: admin, path: "/admin/lists", ready: ready},
		{name: "admin-list", who: admin, path: listPath, ready: ready},
		{name: "admin-pipelines", who: admin, path: "/admin/pipelines", ready: ready},
		{name: "admin-inboxes", who: admin, path: "/admin/inboxes", ready: ready},
		{name: "admin-forms", who: admin, path: "/admin/forms", ready: ready},
		{name: "admin-form", who: admin, path: formPath, ready: ready},
		{name: "admin-outbox", who: admin, path: "/admin/outbox", ready: `document.querySelector('main tbody tr')`},
		{name: "admin-outbox-mail", who: admin, path: mailPath, ready: ready},
		{name: "admin-settings", who: admin, path: "/admin/portal", ready: ready},
		{name: "admin-ratings", who: admin, path: "/admin/ratings?weeks=52", ready: `document.querySelector('main tbody tr')`},
		// The settings' previews of the portal with sample data.
		{name: "admin-sample-detail", who: admin, path: "/admin/portal/sample/detail", ready: `document.querySelector('#participants') && document.querySelector('#solve')`},
		{name: "admin-sample-closed", who: admin, path: "/admin/portal/sample/closed", ready: `document.querySelector('#rating')`},
		{name: "admin-sample-rate", who: admin, path: "/admin/portal/sample/rate", ready: `document.querySelector('#rating textarea')`},
		{name: "admin-sample-notifications", who: admin, path: "/admin/portal/sample/notifications", ready: `document.querySelector('input[name="choice"]')`},
		{name: "admin-sample-mydata", who: admin, path: "/admin/portal/sample/mydata", ready: `document.querySelector('#deletion-submit')`},
	}

	shots := os.Getenv("PORTICO_SCREENSHOT_DIR")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, lang := range []string{"en", "es"} {
		for _, b := range tabs {
			ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
			_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}})
			cancel()
			if err != nil {
				t.Fatalf("set the language %s: %v", lang, err)
			}
		}
		// A contact's own choice outranks the browser's: the new account
		// took the language it registered in, so it uses the switch.
		fresh.open("/portal/tickets")
		fresh.waitJS("the language switch", `document.querySelector('#lang')`)
		fresh.do("choose "+lang, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
			`(() => { const s = document.querySelector('#lang'); s.value = %s; s.form.submit(); })()`, jsString(lang))))
		fresh.waitJS("the page in "+lang, fmt.Sprintf(`document.documentElement.lang === %s && document.readyState === 'complete'`, jsString(lang)))
		for _, width := range []int64{1280, 390} {
			for _, b := range tabs {
				if width < 640 {
					b.do("size a phone's viewport", chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
				} else {
					b.do("size a desktop viewport", chromedp.EmulateViewport(width, 900))
				}
			}
			for _, p := range pages {
				t.Run(fmt.Sprintf("%s/%d/%s", lang, width, p.name), func(t *testing.T) {
					b := &browser{t: t, ctx: p.who.ctx, base: p.who.base}
					if p.do != nil {
						p.do(b)
					} else {
						b.open(p.path)
					}
					b.waitJS(p.name+" ready", p.ready)
					b.waitJS("axe and htmx to settle", `window.axe && document.readyState === 'complete' &&
						!document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`)
					if got := evalJS[string](b, `document.documentElement.lang`); got != lang {
						t.Errorf("%s: the page is in %q, want %q", p.name, got, lang)
					}
					for _, v := range evalJS[[]string](b, axeRun, chromedp.EvalAwaitPromise) {
						total++
						t.Errorf("axe: %s | page %s (%s) | %dpx | %s", v, p.name, p.path, width, lang)
					}
					for _, p := range evalJS[[]string](b, axeLayout) {
						t.Errorf("layout: %s | page %s | %dpx | %s", p, b.location(), width, lang)
					}
					if width < 640 {
						if sw := evalJS[int64](b, `document.documentElement.scrollWidth`); sw > width {
							t.Errorf("overflow: page %s is %dpx wide at %dpx (%s); widest: %s", p.name, sw, width, lang, evalJS[string](b, axeWidest))
						}
					}
					if shots != "" {
						ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
						png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
						cancel()
						if err != nil {
							t.Fatalf("screenshot: %v", err)
						}
						file := filepath.Join(shots, fmt.Sprintf("axe-%s-%d-%s.png", lang, width, p.name))
						if err := os.WriteFile(file, png, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		}
	}
	if total > 0 {
		t.Errorf("axe found %d violations in all", total)
	}
}

func jsArray(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
