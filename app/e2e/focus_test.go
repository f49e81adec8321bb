package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// fcHelpers are functions the focus tests define in the page:
// ringOf(el) answers the colour of el's visible focus indicator (an
// outline, or a box-shadow with a spread, as Tailwind's rings are), or
// null; contrast(a, b) is the WCAG ratio of two computed colours.
const fcHelpers = `(() => {
	const rgb = s => { const m = s.match(/rgba?\(([^)]*)\)/); if (!m) return null;
		const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
	const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	window.fcContrast = (a, b) => { const x = lum(rgb(a)), y = lum(rgb(b)); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
	// A ring may be drawn by the element or by a pseudo-element of it (a
	// link stretched over a whole card draws its ring with ::after).
	window.fcRingOf = el => window.fcRingOfStyle(getComputedStyle(el)) ||
		window.fcRingOfStyle(getComputedStyle(el, '::after')) || window.fcRingOfStyle(getComputedStyle(el, '::before'));
	window.fcRingOfStyle = cs => {
		// Tailwind's outline-none leaves a transparent outline: not an indicator.
		if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 && rgb(cs.outlineColor).a > 0) return cs.outlineColor;
		const re = /(rgba?\([^)]*\))\s+(-?[\d.]+)px\s+(-?[\d.]+)px\s+([\d.]+)px\s+([\d.]+)px/g;
		let m, ring = null;
		while ((m = re.exec(cs.boxShadow))) { const c = rgb(m[1]); if (parseFloat(m[5]) >= 1 && c.a > 0) ring = m[1]; }
		return ring;
	};
	window.fcActive = () => { const a = document.activeElement; return a ? (a.id ? '#' + a.id : a.tagName.toLowerCase()) + ' ' + (a.textContent || '').trim().slice(0, 40) : 'none'; };
	return true;
})()`

// fcShot saves a screenshot to PORTICO_SCREENSHOT_DIR when it is set.
func fcShot(b *browser, name string) {
	b.t.Helper()
	dir := os.Getenv("PORTICO_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// fcSettled waits until htmx is loaded and no swap is under way.
func fcSettled(b *browser) {
	b.t.Helper()
	b.waitJS("htmx to settle", `window.htmx && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`)
	evalJS[bool](b, fcHelpers)
}

// fcPress focuses the element, then presses a key, as a keyboard user
// does (the key press makes the next focus a keyboard one).
func fcPress(b *browser, sel, key string) {
	b.t.Helper()
	fcSettled(b)
	if !evalJS[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false; e.focus(); return document.activeElement === e; })()`, jsString(sel))) {
		b.t.Fatalf("cannot focus %s%s", sel, b.where())
	}
	b.do("press a key on "+sel, chromedp.KeyEvent(key))
}

// fcFocusVisible fails the test unless focus is on an element matching
// sel and that element shows a focus indicator.
func fcFocusVisible(b *browser, what, sel string) {
	b.t.Helper()
	evalJS[bool](b, fcHelpers)
	if !evalJS[bool](b, fmt.Sprintf(`document.activeElement && document.activeElement.matches(%s)`, jsString(sel))) {
		b.t.Errorf("%s: focus is on %s, want %s", what, evalJS[string](b, `fcActive()`), sel)
		return
	}
	if ring := evalJS[*string](b, `fcRingOf(document.activeElement)`); ring == nil {
		b.t.Errorf("%s: %s has focus but shows no focus indicator", what, sel)
	}
}

// TestBrowserListFocusAndAnnouncements drives the ticket list by keyboard:
// after each swap, focus is on the control used (or the list's first
// link), visibly, the page's one live region says the new count, and the
// region being loaded was marked busy meanwhile.
func TestBrowserListFocusAndAnnouncements(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)
	b.open("/portal/login")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	fcSettled(b)

	// The no-JavaScript buttons are in the page but hidden.
	if !evalJS[bool](b, `document.documentElement.classList.contains('js')`) {
		t.Error("the script did not mark <html> with the js class")
	}
	for _, sel := range []string{`#ticket-list form:not([role]) button[type="submit"]`, `form[action$="/language"] button[type="submit"]`} {
		if d := evalJS[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? getComputedStyle(e).display : 'missing'; })()`, jsString(sel))); d != "none" {
			t.Errorf("%s with JavaScript on: display %s, want none", sel, d)
		}
	}
	if n := evalJS[int](b, `document.querySelectorAll('[aria-live], [role="status"], [role="alert"]').length`); n != 1 {
		t.Errorf("%d live regions in the list page, want the one of the layout", n)
	}
	if evalJS[bool](b, `!!document.querySelector('#ticket-list #announcer, #ticket-list [aria-live]')`) {
		t.Error("the live region is inside the swapped list")
	}

	// Record every aria-busy the page goes through.
	evalJS[bool](b, `(() => { window.fcBusy = [];
		new MutationObserver(ms => ms.forEach(m => window.fcBusy.push((m.target.id || m.target.tagName) + ':' + m.target.getAttribute('aria-busy'))))
			.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-busy'] });
		return true; })()`)

	// A status tab, by keyboard.
	countRe := regexp.MustCompile(`^\d+ tickets? found$`)
	fcPress(b, `#status-tabs a[href*="status=closed"]`, kb.Enter)
	b.waitJS("the closed list and its announcement", `document.querySelector('#status-tabs a[aria-current][href*="status=closed"]') &&
		document.getElementById('announcer').textContent === document.getElementById('ticket-count').textContent.trim()`)
	closedSays := b.innerText("#announcer")
	if !countRe.MatchString(closedSays) {
		t.Errorf("the live region says %q after the Closed tab", closedSays)
	}
	fcFocusVisible(b, "after the Closed tab", `#status-tabs a[href*="status=closed"]`)
	fcShot(b, "focus-closed-tab-desktop")
	busy := evalJS[[]string](b, `window.fcBusy`)
	if !contains(busy, "ticket-list:true") {
		t.Errorf("the list was not marked busy while it loaded: %q", busy)
	}
	if n := evalJS[int](b, `document.querySelectorAll('[aria-busy]').length`); n != 0 {
		t.Errorf("%d elements still marked busy after the swap", n)
	}
	// The next Tab goes on from the tab used, not back to the start.
	b.do("Tab", chromedp.KeyEvent(kb.Tab))
	fcFocusVisible(b, "Tab after the Closed tab", `#status-tabs a[href*="status=all"]`)

	// The All tab: a different count, announced.
	fcPress(b, `#status-tabs a[href*="status=all"]`, kb.Enter)
	b.waitJS("the all list", `document.querySelector('#status-tabs a[aria-current][href*="status=all"]') &&
		document.getElementById('announcer').textContent === document.getElementById('ticket-count').textContent.trim()`)
	if allSays := b.innerText("#announcer"); allSays == closedSays || !countRe.MatchString(allSays) {
		t.Errorf("the live region says %q after All (it said %q for Closed)", allSays, closedSays)
	}
	fcFocusVisible(b, "after the All tab", `#status-tabs a[href*="status=all"]`)

	// The My / Organization toggle.
	other := evalJS[string](b, `document.querySelector('#view-toggle a:not([aria-current])').textContent.trim()`)
	fcPress(b, `#view-toggle a:not([aria-current])`, kb.Enter)
	b.waitJS("the other view", fmt.Sprintf(`(() => { const a = document.querySelector('#view-toggle a[aria-current]'); return a && a.textContent.trim() === %s; })()`, jsString(other)))
	fcSettled(b)
	fcFocusVisible(b, "after the view toggle", `#view-toggle a[aria-current]`)

	// A sort header.
	fcPress(b, `#ticket-list thead th:nth-child(2) a`, kb.Enter)
	b.waitJS("the sorted list", `location.search.includes('sort=')`)
	fcSettled(b)
	fcFocusVisible(b, "after a sort header", `#ticket-list thead th:nth-child(2) a`)

	// Pagination, when there is a second page: the Next link, or when it
	// is gone, the list's first link.
	if evalJS[bool](b, `!!document.querySelector('#ticket-list a[rel="next"]')`) {
		fcPress(b, `#ticket-list a[rel="next"]`, kb.Enter)
		b.waitJS("the next page", `!!document.querySelector('#ticket-list a[rel="prev"]')`)
		fcSettled(b)
		fcFocusVisible(b, "after Next", `#ticket-list a[rel="next"], #ticket-results tbody tr:first-child a`)
	} else {
		t.Log("one page only: pagination not exercised")
	}

	// Search: focus stays in the box while the results change.
	b.do("search for nothing", chromedp.Click(chromedp.CSS("#q")), chromedp.SendKeys(chromedp.CSS("#q"), "zzqx-no-such-ticket"))
	b.waitJS("no results, announced", `document.getElementById('announcer').textContent.startsWith('0 ')`)
	if id := evalJS[string](b, `document.activeElement.id`); id != "q" {
		t.Errorf("after a search focus is on %q, want the search box", id)
	}

	// An error answer is shown in the page's alert area and said by the
	// same live region.
	evalJS[bool](b, `(() => { htmx.ajax('GET', '/portal/tickets/999999', { target: '#ticket-list', swap: 'outerHTML' }); return true; })()`)
	b.waitJS("the error, announced", `(() => { const f = document.querySelector('#flash [data-announce]');
		return f && f.textContent.trim() !== '' && document.getElementById('announcer').textContent === f.textContent.trim(); })()`)
	if n := evalJS[int](b, `document.querySelectorAll('[aria-live], [role="status"], [role="alert"]').length`); n != 1 {
		t.Errorf("%d live regions after an error, want the one of the layout", n)
	}

	// Phones get the same: the sort menu keeps focus across its swap.
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
	b.open("/portal/tickets?status=all")
	fcSettled(b)
	fcPress(b, `#status-tabs a[href*="status=closed"]`, kb.Enter)
	b.waitJS("the closed list on a phone", `document.querySelector('#status-tabs a[aria-current][href*="status=closed"]')`)
	fcSettled(b)
	fcFocusVisible(b, "after the Closed tab on a phone", `#status-tabs a[href*="status=closed"]`)
	fcShot(b, "focus-closed-tab-phone")
}

// TestBrowserFailedSubmitFocus sends forms with errors: focus lands on the
// error summary (visibly), which links to each invalid field.
func TestBrowserFailedSubmitFocus(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)

	// Login: a wrong password (a full-page error) and empty fields.
	b.open("/portal/login")
	b.waitJS("the login form", `document.querySelector('#password')`)
	b.do("log in wrongly",
		chromedp.SetValue(chromedp.CSS("#email"), anaEmail),
		chromedp.SetValue(chromedp.CSS("#password"), "not-the-password"),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)),
	)
	b.waitJS("the login error", `document.readyState === 'complete' && document.querySelector('#error-summary')`)
	fcFocusVisible(b, "after a wrong password", "#error-summary")
	fcShot(b, "login-error-desktop")
	evalJS[bool](b, `(() => { document.querySelector('#email').value = ''; document.querySelector('#password').value = ''; return true; })()`)
	b.do("log in with nothing", chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)))
	b.waitJS("the field errors", `document.readyState === 'complete' && document.querySelector('#error-summary a[href="#email"]')`)
	fcFocusVisible(b, "after an empty login", "#error-summary")
	if !evalJS[bool](b, `document.querySelector('#email').getAttribute('aria-invalid') === 'true' && document.querySelector('#email').getAttribute('aria-describedby') === 'email-error'`) {
		t.Error("the invalid email field is not marked and described")
	}
	// The summary's link leads to its field.
	b.do("follow the summary's link", chromedp.Click(chromedp.CSS(`#error-summary a[href="#email"]`)))
	b.waitJS("focus on the email field", `document.activeElement && document.activeElement.id === 'email'`)

	// Register, empty.
	b.open("/portal/register")
	b.waitJS("the register form", `document.querySelector('#consent')`)
	b.do("register with nothing", chromedp.Click(chromedp.CSS(`main form[action="/portal/register"] button[type="submit"]`)))
	b.waitJS("the register errors", `document.readyState === 'complete' && document.querySelector('#error-summary')`)
	fcFocusVisible(b, "after an empty registration", "#error-summary")
	links := evalJS[[]string](b, `[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))`)
	for _, want := range []string{"#name", "#email", "#password", "#consent"} {
		if !contains(links, want) {
			t.Errorf("the register summary links %q, missing %s", links, want)
		}
	}
	if first := evalJS[string](b, `document.querySelector('#register-heading').nextElementSibling.id`); first != "error-summary" {
		t.Errorf("the element after the register heading is %q, want the error summary", first)
	}

	// The support form (htmx): an empty send shows the sending state, then
	// focuses the summary.
	b.open("/portal/login")
	b.login(anaEmail, demoPassword)
	b.open("/portal/tickets/new")
	b.waitJS("the support form", `document.querySelector('#ticket-form')`)
	fcSettled(b)
	evalJS[bool](b, `(() => { window.fcButton = [];
		const rec = () => { const x = document.querySelector('#ticket-form button[type="submit"]'); if (x) window.fcButton.push(x.textContent.trim() + '|' + x.disabled); };
		new MutationObserver(rec).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['disabled', 'aria-disabled'] });
		document.querySelectorAll('#ticket-form input[type="text"], #ticket-form textarea').forEach(e => e.value = '');
		return true; })()`)
	b.do("send the support form empty", chromedp.Click(chromedp.CSS(`#ticket-form button[type="submit"]`)))
	b.waitJS("the support form's errors", `document.querySelector('#ticket-form #error-summary')`)
	fcSettled(b)
	fcFocusVisible(b, "after an empty support form", "#error-summary")
	fcShot(b, "support-form-error-desktop")
	seen := evalJS[[]string](b, `window.fcButton`)
	if !contains(seen, "Sending…|true") {
		t.Errorf("the submit button never showed the sending state: %q", seen)
	}
	if got := evalJS[string](b, `document.querySelector('#ticket-form button[type="submit"]').textContent.trim() + '|' + document.querySelector('#ticket-form button[type="submit"]').disabled`); got != "Submit ticket|false" {
		t.Errorf("after the answer the button is %q", got)
	}

	// A filled form sent twice at once makes one request, then the new
	// ticket says it was created, through the live region too.
	subject := fmt.Sprintf("Focus test %d", time.Now().UnixNano())
	requests := evalJS[int](b, fmt.Sprintf(`(() => {
		const f = document.querySelector('#ticket-form');
		f.querySelectorAll('input[type="text"], textarea').forEach(e => e.value = 'Details of the focus test');
		f.querySelector('[name="subject"], #subject, input[type="text"]').value = %s;
		f.querySelectorAll('select').forEach(s => { if (s.options.length > 1) s.selectedIndex = 1; });
		// Counted where the count outlives the page: a queued second
		// request would start as the first one ends, before the redirect.
		sessionStorage.fcRequests = 0;
		document.addEventListener('htmx:beforeRequest', () => { sessionStorage.fcRequests = +sessionStorage.fcRequests + 1; });
		f.requestSubmit(); f.requestSubmit();
		return +sessionStorage.fcRequests; })()`, jsString(subject)))
	if requests != 1 {
		t.Errorf("two quick submits started %d requests, want 1", requests)
	}
	b.waitJS("the new ticket", `/^\/portal\/tickets\/\d+$/.test(location.pathname) && document.readyState === 'complete'`)
	if n := evalJS[string](b, `sessionStorage.fcRequests`); n != "1" {
		t.Errorf("two quick submits made %s requests in all, want 1", n)
	}
	if !strings.Contains(b.location(), "created=1") {
		t.Errorf("the new ticket's page is %s, without the created confirmation", b.location())
	}
	b.waitJS("the confirmation, announced", `(() => { const c = document.querySelector('[data-announce-load]'); return c && c.innerText.includes('was submitted') && document.getElementById('announcer').textContent === c.textContent.trim(); })()`)
	fcShot(b, "ticket-created-desktop")

	// A closed ticket links to the support form.
	b.open("/portal/tickets/5")
	fcShot(b, "ticket-closed-desktop")
	if href := evalJS[string](b, `(() => { const a = document.querySelector('#conversation [role="note"] a'); return a ? a.getAttribute('href') : ''; })()`); href != "/portal/tickets/new" {
		t.Errorf("the closed-ticket notice links to %q", href)
	}
}

// TestBrowserLightBrandContrast saves a light brand colour in the back
// office and measures, in the portal, the contrast of a link, a button and
// a focus ring.
func TestBrowserLightBrandContrast(t *testing.T) {
	s := startServer(t, serverOptions{})
	customer := newBrowser(t, s.URL)
	admin := boSideBrowser(t, customer)
	boStaffLogin(admin, boAdminEmail)
	admin.open("/admin/portal")
	admin.waitJS("the branding section", `document.querySelector('#branding #primary_color')`)
	admin.do("set a light yellow", chromedp.SetValue(chromedp.CSS("#branding #primary_color"), "#facc15"))
	boSaveSection(admin, "branding")
	if note := admin.innerText("#brand-shades"); !strings.Contains(note, "accessible shades") {
		t.Errorf("the branding section says %q about the shades", note)
	}

	customer.open("/portal/login")
	customer.waitJS("the login form", `document.querySelector('#password')`)
	fcSettled(customer)
	link := evalJS[float64](customer, `fcContrast(getComputedStyle(document.querySelector('a[href$="/password/forgot"]')).color, 'rgb(255, 255, 255)')`)
	btn := evalJS[float64](customer, `(() => { const cs = getComputedStyle(document.querySelector('main form[action$="/login"] button[type="submit"]')); return fcContrast(cs.color, cs.backgroundColor); })()`)
	// Tab from the password field to the button, as a keyboard user.
	customer.do("focus the password", chromedp.Focus(chromedp.CSS("#password")))
	for range 4 {
		if evalJS[bool](customer, `document.activeElement.matches('main form[action$="/login"] button[type="submit"]')`) {
			break
		}
		customer.do("Tab", chromedp.KeyEvent(kb.Tab))
	}
	ring := evalJS[*string](customer, `fcRingOf(document.activeElement)`)
	if ring == nil {
		t.Fatalf("the focused login button (%s) shows no ring", evalJS[string](customer, `fcActive()`))
	}
	ringRatio := evalJS[float64](customer, fmt.Sprintf(`fcContrast(%s, 'rgb(255, 255, 255)')`, jsString(*ring)))
	t.Logf("brand #facc15: link %.2f:1, button text %.2f:1, focus ring %s %.2f:1", link, btn, *ring, ringRatio)
	if link < 4.5 {
		t.Errorf("link contrast %.2f:1, want at least 4.5", link)
	}
	if btn < 4.5 {
		t.Errorf("button text contrast %.2f:1, want at least 4.5", btn)
	}
	if ringRatio < 3 {
		t.Errorf("focus ring contrast %.2f:1, want at least 3", ringRatio)
	}
	fcShot(customer, "brand-facc15-login-desktop")
	customer.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
	fcShot(customer, "brand-facc15-login-phone")
}

// TestBrowserNoScriptButtonsWork checks, with scripts off, that the
// buttons hidden for JavaScript are shown and do their job.
func TestBrowserNoScriptButtonsWork(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)
	b.do("switch scripts off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
	b.open("/portal/login")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	apply := `#ticket-list form:not([role]) button[type="submit"]`
	if d := evalJS[string](b, fmt.Sprintf(`getComputedStyle(document.querySelector(%s)).display`, jsString(apply))); d == "none" {
		t.Fatalf("the sort menu's Apply button is hidden with scripts off")
	}
	b.do("sort by subject and apply",
		chromedp.SetValue(chromedp.CSS("#sort-phone"), "subject"),
		chromedp.Click(chromedp.CSS(apply)),
	)
	b.waitJS("the sorted page", `document.readyState === 'complete' && location.search.includes('sort=subject')`)
}

// TestBrowserBackOfficeListFocus changes a filter of the back-office inbox
// by keyboard: focus stays on the filter across the swap, the page's live
// region says the new count, and the filters' Apply button is hidden.
func TestBrowserBackOfficeListFocus(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)
	boStaffLogin(b, boAdminEmail)
	b.open("/admin/inbox")
	b.waitJS("the inbox", `document.querySelector('#inbox-list #f-status')`)
	fcSettled(b)
	if d := evalJS[string](b, `getComputedStyle(document.querySelector('#inbox-list form button[type="submit"]')).display`); d != "none" {
		t.Errorf("the inbox's Apply button with JavaScript on: display %s", d)
	}
	before := evalJS[string](b, `document.querySelector('#inbox-list [data-announce]').textContent.trim()`)
	b.do("focus the status filter", chromedp.Focus(chromedp.CSS("#f-status")))
	b.do("choose another status by keyboard", chromedp.KeyEvent(kb.ArrowDown))
	b.waitJS("the new list, announced", fmt.Sprintf(`(() => { const c = document.querySelector('#inbox-list [data-announce]');
		return c && c.textContent.trim() !== %s && document.getElementById('announcer').textContent === c.textContent.trim(); })()`, jsString(before)))
	fcSettled(b)
	if id := evalJS[string](b, `document.activeElement.id`); id != "f-status" {
		t.Errorf("after the filter changed focus is on %s, want #f-status", evalJS[string](b, `fcActive()`))
	}
	// A sort header keeps focus too, with a visible indicator.
	fcPress(b, `#inbox-list thead th:nth-child(2) a`, kb.Enter)
	b.waitJS("the sorted inbox", `location.search.includes('sort=')`)
	fcSettled(b)
	fcFocusVisible(b, "after an inbox sort header", `#inbox-list thead th:nth-child(2) a`)

	// A settings section saved with an invalid field: focus on that field.
	b.open("/admin/portal")
	b.waitJS("the general section", `document.querySelector('#general #title_en')`)
	fcSettled(b)
	evalJS[bool](b, `(() => { document.querySelector('#general #title_en').value = ''; return true; })()`)
	b.do("save the general section", chromedp.Click(chromedp.CSS(`#general button[type="submit"]:not([name])`)))
	b.waitJS("the general section's error", `document.querySelector('#general #title_en[aria-invalid="true"]')`)
	fcSettled(b)
	if id := evalJS[string](b, `document.activeElement.id`); id != "title_en" {
		t.Errorf("after a failed save focus is on %s, want the invalid #title_en", evalJS[string](b, `fcActive()`))
	}
}

// TestBrowserEmptyAccount registers a new customer, who sees one call to
// action and no empty filters, at both widths.
func TestBrowserEmptyAccount(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)
	email := fmt.Sprintf("newcomer%d@example.com", time.Now().UnixNano()%1000000)
	const password = "a-long-enough-password"
	b.open("/portal/register")
	b.waitJS("the register form", `document.querySelector('#consent')`)
	b.do("register",
		chromedp.SetValue(chromedp.CSS("#name"), "Nora Newcomer"),
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#consent")),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/register"] button[type="submit"]`)),
	)
	b.waitJS("the login page", `location.pathname === '/portal/login' && location.search.includes('registered=1')`)
	// The account is made by a background job: log in until it exists.
	deadline := time.Now().Add(waitTimeout)
	for {
		b.open("/portal/login")
		b.waitJS("the login form", `document.querySelector('#password')`)
		b.do("log in",
			chromedp.SetValue(chromedp.CSS("#email"), email),
			chromedp.SetValue(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)),
		)
		if ok, _ := b.poll(`location.pathname === '/portal/tickets' && document.readyState === 'complete'`, 2*time.Second); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new account could not log in%s", b.where())
		}
	}
	fcSettled(b)
	if n := evalJS[int](b, `document.querySelectorAll('main a[href="/portal/tickets/new"]').length`); n != 1 {
		t.Errorf("%d calls to action on an empty account, want 1", n)
	}
	if evalJS[bool](b, `!!document.querySelector('#status-tabs, form[role="search"], #sort-phone')`) {
		t.Error("an empty account still shows the list's filters")
	}
	fcShot(b, "empty-account-desktop")
	b.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
	fcShot(b, "empty-account-phone")
}
