package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// a11yCheck lists what a page gets wrong, as short sentences.
const a11yCheck = `(() => {
	const problems = [];
	const show = el => el.outerHTML.replace(/\s+/g, ' ').slice(0, 140);
	const byIDs = ids => (ids || '').split(/\s+/).filter(Boolean)
		.map(id => document.getElementById(id)).filter(Boolean)
		.map(e => e.textContent.trim()).join(' ').trim();
	const named = el => byIDs(el.getAttribute('aria-labelledby')) || (el.getAttribute('aria-label') || '').trim();

	for (const el of document.querySelectorAll('input, select, textarea')) {
		if (el.type === 'hidden') continue;
		let label = named(el);
		if (!label && el.id) {
			label = [...document.querySelectorAll('label[for="' + CSS.escape(el.id) + '"]')]
				.map(l => l.textContent.trim()).join(' ').trim();
		}
		if (!label && el.closest('label')) label = el.closest('label').textContent.trim();
		if (!label) problems.push('form control without a label: ' + show(el));
	}
	const mains = document.querySelectorAll('main').length;
	if (mains !== 1) problems.push(mains + ' <main> elements, want 1');
	const h1s = document.querySelectorAll('h1').length;
	if (h1s !== 1) problems.push(h1s + ' <h1> elements, want 1');
	if (!(document.documentElement.getAttribute('lang') || '').trim()) problems.push('<html> has no lang');
	if (!document.title.trim()) problems.push('the page has no title');
	for (const img of document.querySelectorAll('img')) {
		if (!img.hasAttribute('alt')) problems.push('image without alt: ' + show(img));
	}
	for (const el of document.querySelectorAll('a[href], button, [role=button]')) {
		const text = named(el) || el.textContent.trim() ||
			[...el.querySelectorAll('img[alt]')].map(i => i.alt).join(' ').trim();
		if (!text) problems.push('control without accessible text: ' + show(el));
	}
	const seen = new Set();
	for (const el of document.querySelectorAll('[id]')) {
		if (seen.has(el.id)) problems.push('duplicate id: ' + el.id);
		seen.add(el.id);
	}
	return problems;
})()`

// TestBrowserAccessibility checks the basics of the four main pages, focus
// after an htmx swap, and the skip link.
func TestBrowserAccessibility(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)

	check := func(name string) {
		t.Helper()
		for _, p := range evalJS[[]string](b, a11yCheck) {
			t.Errorf("%s: %s", name, p)
		}
		// Keyboard: the first Tab from the top reaches the skip link.
		b.do("focus the top of "+name, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)`))
		b.do("press Tab on "+name, chromedp.KeyEvent(kb.Tab))
		first := evalJS[string](b, `(() => { const a = document.activeElement; return a ? a.tagName + ' ' + (a.getAttribute('href') || '') + ' ' + a.textContent.trim() : ''; })()`)
		if first != "A #main Skip to content" {
			t.Errorf("%s: first Tab stop is %q, want the Skip to content link", name, first)
		}
	}

	b.open("/portal/login")
	b.waitJS("the login form", `document.querySelector('#email')`)
	check("login page")
	// Following the skip link moves focus into the main content.
	b.do("follow the skip link", chromedp.KeyEvent(kb.Enter))
	b.waitJS("focus on <main>", `document.activeElement && document.activeElement.id === 'main'`)

	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	b.waitText("#ticket-list", subjPrinter)
	check("ticket list")

	// A keyboard user opens the Closed tab: focus moves to the new list.
	b.do("press Enter on the Closed tab",
		chromedp.Focus(chromedp.CSS(`#ticket-list nav a[href*="status=closed"]`)),
		chromedp.KeyEvent(kb.Enter),
	)
	b.waitJS("the closed list", `location.search.includes('status=closed') &&
		document.querySelector('#ticket-list nav a[aria-current="page"][href*="status=closed"]')`)
	b.waitJS("focus inside the swapped list", `document.getElementById('ticket-list').contains(document.activeElement)`)
	for _, p := range evalJS[[]string](b, a11yCheck) {
		t.Errorf("ticket list after a swap: %s", p)
	}

	b.open("/portal/tickets/22")
	b.waitText("h1", subjPrinter)
	check("ticket page")

	b.open("/portal/tickets/new")
	b.waitJS("the support form", `document.querySelector('#ticket-form #subject')`)
	check("new ticket page")
}

// TestBrowserCSP walks through the portal while listening to the console:
// no Content Security Policy violation and no script error.
func TestBrowserCSP(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)

	var mu sync.Mutex
	var problems, notes []string
	record := func(bad bool, msg string) {
		mu.Lock()
		defer mu.Unlock()
		if bad {
			problems = append(problems, msg)
		} else {
			notes = append(notes, msg)
		}
	}
	isCSP := func(s string) bool {
		return strings.Contains(s, "Content Security Policy") || strings.Contains(s, "Refused to")
	}
	err := chromedp.Listen(b.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			text := fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
			record(isCSP(text) || ev.Type == runtime.ConsoleAPICalledTypeError, text)
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := "exception: " + d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			record(true, text)
		case *log.EventEntryAdded:
			e := ev.Entry
			text := fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL)
			// A missing favicon is the browser's own guess, not the portal's.
			bad := isCSP(e.Text) || e.Source == log.EntrySourceSecurity ||
				(e.Level == log.EntryLevelError && !strings.HasSuffix(e.URL, "/favicon.ico"))
			record(bad, text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The page's own view of violations, from the first script on.
	b.do("watch for CSP violations", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
				e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`,
		})
		return err
	}))
	pageViolations := func(where string) {
		t.Helper()
		for _, v := range evalJS[[]string](b, `window.__csp || []`) {
			t.Errorf("%s: CSP violation %s", where, v)
		}
	}

	b.open("/portal/login")
	pageViolations("login page")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	b.waitText("#ticket-list", subjPrinter)
	b.clickListNav("Closed")
	b.waitJS("the closed list", `location.search.includes('status=closed') &&
		document.querySelector('#ticket-list nav a[aria-current="page"][href*="status=closed"]')`)
	b.do("type a search", chromedp.SendKeys(chromedp.CSS("#q"), "VAT"))
	b.waitJS("search results", `location.search.includes('q=VAT')`)
	pageViolations("ticket list")

	b.open("/portal/tickets/22")
	b.waitText("h1", subjPrinter)
	b.do("send a reply",
		chromedp.SendKeys(chromedp.CSS("#body"), "Checking the console."),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	b.waitText("#conversation", "Your reply was sent.")
	pageViolations("ticket page")

	b.open("/portal/tickets/new")
	b.waitJS("the support form", `document.querySelector('#ticket-form #subject')`)
	pageViolations("new ticket page")

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
	for _, n := range notes {
		t.Logf("browser console (ignored): %s", n)
	}
}

// TestBrowserResponsiveScreenshots renders the main pages at desktop and
// phone widths, checks that nothing overflows sideways, and saves
// full-page PNGs to PORTICO_SCREENSHOT_DIR when it is set.
func TestBrowserResponsiveScreenshots(t *testing.T) {
	s := startServer(t, serverOptions{})
	dir := os.Getenv("PORTICO_SCREENSHOT_DIR")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	type viewport struct {
		name          string
		width, height int64
		phone         bool
	}
	sizes := []viewport{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}
	b := newBrowser(t, s.URL)
	resize := func(v viewport) {
		t.Helper()
		var opts []chromedp.EmulateViewportOption
		if v.phone {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
		}
		b.do("size the viewport for "+v.name, chromedp.EmulateViewport(v.width, v.height, opts...))
	}
	shot := func(name string, v viewport) {
		t.Helper()
		if over := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("%s at %s width: the page is %dpx wider than the screen", name, v.name, over)
		}
		ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot of %s: %v", name, err)
		}
		if len(png) < 1000 {
			t.Errorf("screenshot of %s at %s width is only %d bytes", name, v.name, len(png))
		}
		if dir != "" {
			file := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, v.name))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("saved %s", file)
		}
	}

	for _, v := range sizes {
		resize(v)
		b.open("/portal/login")
		b.waitJS("the login form", `document.querySelector('#email')`)
		shot("login", v)
	}
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")

	pages := []struct{ name, path, ready string }{
		{"tickets", "/portal/tickets", `document.querySelector('#ticket-list tbody tr')`},
		{"ticket", "/portal/tickets/22", `document.querySelector('#conversation article')`},
		{"ticket-new", "/portal/tickets/new", `document.querySelector('#ticket-form #subject')`},
	}
	for _, v := range sizes {
		resize(v)
		for _, p := range pages {
			b.open(p.path)
			b.waitJS(p.name, p.ready)
			shot(p.name, v)
		}
	}
}
