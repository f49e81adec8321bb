package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"portico/app/testutil"
)

// browser is one headless Chromium with one tab, bound to the test's
// timeout.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newBrowser starts Chromium with a fresh profile and a desktop-sized
// viewport. It closes with the test, and lives at most testTimeout.
func newBrowser(t *testing.T, base string, ctxOpts ...chromedp.ContextOption) *browser {
	t.Helper()
	return newBrowserFor(t, base, testTimeout, ctxOpts...)
}

// newBrowserFor is newBrowser for a test that needs the browser longer
// than testTimeout, such as one that walks every page.
func newBrowserFor(t *testing.T, base string, life time.Duration, ctxOpts ...chromedp.ContextOption) *browser {
	t.Helper()
	execPath := testutil.Chromium(t)
	profile, err := os.MkdirTemp("", "portico-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeProfile(t, profile) })

	ctx, cancelTimeout := context.WithTimeout(context.Background(), life)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, ctxOpts...)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	// The first run starts the browser and binds it to its context, so it
	// gets the tab's context itself, not one of the shorter ones of do.
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b := &browser{t: t, ctx: tabCtx, base: base}
	b.do("size the viewport", chromedp.EmulateViewport(1280, 900))
	return b
}

// removeProfile deletes the browser profile. Chromium's helper processes
// can still be writing for a moment after the browser has exited.
func removeProfile(t *testing.T, dir string) {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("could not remove the browser profile %s: %v", dir, err)
}

// do runs the steps and fails the test with what was being done.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.where())
	}
}

// open navigates to a path of the server and waits for the load.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// back goes one step back in the tab's history, as the browser's Back
// button does, without waiting for a load (htmx history may not reload).
func (b *browser) back() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	h, err := chromedp.Call(ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		b.t.Fatalf("history: %v", err)
	}
	if h.CurrentIndex < 1 {
		b.t.Fatalf("no history entry to go back to")
	}
	entry := h.Entries[h.CurrentIndex-1]
	if _, err := chromedp.Call(ctx, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: entry.ID}); err != nil {
		b.t.Fatalf("back: %v", err)
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](b *browser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("evaluate %q: %v%s", short(js), err, b.where())
	}
	return v
}

// poll evaluates the expression until it is true or the timeout ends.
// Errors while a page is being replaced count as "not yet".
func (b *browser) poll(js string, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return true, nil
		}
		if err != nil {
			lastErr = err
		}
		if b.ctx.Err() != nil || time.Now().After(deadline) {
			return false, lastErr
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitJS waits until the expression is true, across page loads, and
// fails the test when it does not become true in time.
func (b *browser) waitJS(what, js string) {
	b.t.Helper()
	if ok, err := b.poll(js, waitTimeout); !ok {
		msg := ""
		if err != nil {
			msg = fmt.Sprintf(" (last error: %v)", err)
		}
		b.t.Fatalf("timed out waiting for %s%s%s", what, msg, b.where())
	}
}

// waitText waits until the element matching the CSS selector shows text.
func (b *browser) waitText(sel, text string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("%q in %s", text, sel),
		fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e && e.innerText.includes(%s); })()`, jsString(sel), jsString(text)))
}

// waitPath waits until the page's path is the one given.
func (b *browser) waitPath(path string) {
	b.t.Helper()
	b.waitJS("path "+path, fmt.Sprintf(`location.pathname === %s && document.readyState !== 'loading'`, jsString(path)))
}

// location returns the page's URL.
func (b *browser) location() string {
	b.t.Helper()
	return evalJS[string](b, `location.href`)
}

// innerText returns the text of the first element matching sel, or "".
func (b *browser) innerText(sel string) string {
	b.t.Helper()
	return evalJS[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : ''; })()`, jsString(sel)))
}

// where describes the current page, for failure messages.
func (b *browser) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.body ? document.body.innerText.slice(0, 600) : "")`))
	if err != nil {
		return ""
	}
	return "\npage: " + loc
}

// login fills and submits the login form the browser is on.
func (b *browser) login(email, password string) {
	b.t.Helper()
	b.waitJS("the login form", `location.pathname === '/portal/login' && document.querySelector('#email') && document.querySelector('#password')`)
	// Filled in one step each (typing is exercised where it matters, in
	// the search box and the reply).
	b.do("log in",
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`main form[action="/portal/login"] button[type="submit"]`)),
	)
	b.waitJS("leaving the login page", `location.pathname !== '/portal/login' && document.readyState !== 'loading'`)
}

// rowSubjects returns the subjects in the ticket list, top to bottom.
func (b *browser) rowSubjects() []string {
	b.t.Helper()
	return evalJS[[]string](b, `[...document.querySelectorAll('#ticket-list tbody tr td:nth-child(2) a')].map(a => a.textContent.trim())`)
}

// clickListNav clicks the link in the ticket list's navigation whose label
// starts with text ("Closed 6" is the Closed tab).
func (b *browser) clickListNav(text string) {
	b.t.Helper()
	sel := fmt.Sprintf(`//section[@id="ticket-list"]//nav//a[starts-with(normalize-space(.), %s)]`, xpathString(text))
	// A link swapped in a moment ago is a plain link until htmx has
	// processed it: clicking it then would load the whole page.
	b.waitJS("htmx to settle before clicking "+text, `!window.htmx || !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`)
	b.do("click "+text, chromedp.Click(sel))
}

func jsString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\n':
			sb.WriteString(`\n`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
