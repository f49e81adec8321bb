package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	_ "modernc.org/sqlite"

	"portico/app/testutil"
)

// Demo tickets the journeys rely on (see app/demo/tickets.go).
const (
	subjPrinter = "Printer shows error E42"            // #22, Ana, open, internal note
	subjVAT     = "Invoice #2026-0412 shows wrong VAT" // #5, Ana, closed
	subjVPN     = "Acme VPN certificate renewal"       // #26, Ben only: Ana's organization view
)

func TestBrowserJourney(t *testing.T) {
	s := startServer(t, serverOptions{})
	customerJourney(t, s)
}

// TestBrowserJourneyPostgresRedis runs the same journey against the
// production back ends: Postgres for data, Redis for sessions and limits.
func TestBrowserJourneyPostgresRedis(t *testing.T) {
	testutil.Chromium(t)
	redisURL := os.Getenv("PORTICO_TEST_REDIS_URL")
	if redisURL == "" {
		testutil.Unavailable(t, "redis", "PORTICO_TEST_REDIS_URL is not set")
	}
	rdb, _ := testutil.Redis(t) // skips (or fails) when Redis does not answer
	// Portico's login limit counts every login per account for 15 minutes
	// in the shared Redis; start from a clean count so that repeated runs
	// within that window do not trip it.
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "portico:rl:login:acct:"+anaEmail+":*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	s := startServer(t, serverOptions{DatabaseURL: testutil.PostgresURL(t), RedisURL: redisURL})
	customerJourney(t, s)
}

// customerJourney is Ana's visit: log in, filter, search, switch views,
// go back, reply with an attachment, open a ticket, log out.
func customerJourney(t *testing.T, s *server) {
	b := newBrowser(t, s.URL)

	// A protected page sends an anonymous visitor to the login page, and
	// the login brings them back.
	b.open("/portal/tickets")
	b.waitPath("/portal/login")
	if loc := b.location(); !strings.Contains(loc, "next=%2Fportal%2Ftickets") {
		t.Errorf("login URL %q does not remember the ticket list", loc)
	}
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	b.waitText("#ticket-list", subjPrinter)
	openRows := b.rowSubjects()
	if contains(openRows, subjVAT) {
		t.Errorf("closed ticket %q in the default (open) list: %q", subjVAT, openRows)
	}

	// Status filter: htmx swaps the list, pushes the URL, keeps the page.
	evalJS[chromedp.Void](b, `window.__marker = 1`)
	b.clickListNav("Closed")
	b.waitJS("the closed list", `location.search.includes('status=closed') &&
		document.querySelector('#ticket-list nav a[aria-current="page"][href*="status=closed"]')`)
	closedRows := b.rowSubjects()
	if !contains(closedRows, subjVAT) || contains(closedRows, subjPrinter) || strings.Join(closedRows, "|") == strings.Join(openRows, "|") {
		t.Errorf("closed list did not change as expected:\nopen:   %q\nclosed: %q", openRows, closedRows)
	}
	if !evalJS[bool](b, `window.__marker === 1`) {
		t.Fatal("clicking the Closed tab reloaded the whole page (htmx should swap the list)")
	}

	// Search as you type, across all statuses.
	b.clickListNav("All")
	b.waitJS("the all list", `location.search.includes('status=all')`)
	b.do("type a search", chromedp.SendKeys(chromedp.CSS("#q"), "E42"))
	b.waitJS("search results", `location.search.includes('q=E42') &&
		document.querySelectorAll('#ticket-list tbody tr').length === 1`)
	if rows := b.rowSubjects(); len(rows) != 1 || rows[0] != subjPrinter {
		t.Errorf("search E42 shows %q, want only %q", rows, subjPrinter)
	}
	// Clear the box with the keyboard: the whole list comes back.
	b.do("clear the search",
		chromedp.Focus(chromedp.CSS("#q")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('q').select()`),
		chromedp.KeyEvent(kb.Backspace),
	)
	b.waitJS("the search to clear", `!new URLSearchParams(location.search).get('q') &&
		document.querySelectorAll('#ticket-list tbody tr').length > 1`)

	// My tickets / Organization tickets.
	if contains(b.rowSubjects(), subjVPN) {
		t.Errorf("Ben's ticket %q in Ana's own list", subjVPN)
	}
	b.clickListNav("Organization tickets")
	b.waitJS("the organization view", `location.search.includes('view=org')`)
	b.waitText("#ticket-list tbody", subjVPN)
	b.clickListNav("My tickets")
	b.waitJS("the own view", `!location.search.includes('view=org') &&
		document.querySelector('#ticket-list nav a[aria-current="page"]') &&
		document.querySelector('#ticket-list nav a[aria-current="page"]').textContent.includes('My tickets')`)
	if rows := b.rowSubjects(); contains(rows, subjVPN) {
		t.Errorf("%q still listed under My tickets: %q", subjVPN, rows)
	}
	if !evalJS[bool](b, `window.__marker === 1`) {
		t.Error("the list controls reloaded the whole page")
	}

	// Back restores the organization view, URL and list.
	b.back()
	b.waitJS("the organization view after Back", `location.search.includes('view=org') &&
		document.querySelector('#ticket-list nav a[aria-current="page"]') &&
		document.querySelector('#ticket-list nav a[aria-current="page"]').textContent.includes('Organization tickets')`)
	b.waitText("#ticket-list tbody", subjVPN)

	// Ticket #25 has two threads: only the newer one shows.
	b.open("/portal/tickets/25")
	b.waitText("h1", "Invoice address change")
	if conv := b.innerText("#conversation"); !strings.Contains(conv, "newer thread") || strings.Contains(conv, "older thread") {
		t.Errorf("ticket #25 should show only the newer thread:\n%s", short(conv))
	}

	// Ticket #22: its conversation, and no internal notes.
	b.open("/portal/tickets/22")
	b.waitText("h1", subjPrinter)
	body := b.innerText("body")
	for _, secret := range []string{"INTERNAL NOTE", "INTERNAL COMMENT"} {
		if strings.Contains(body, secret) {
			t.Errorf("ticket page shows %q", secret)
		}
	}
	if !strings.Contains(body, "We tried; the error comes back after a few labels.") {
		t.Errorf("ticket page misses the conversation:\n%s", short(body))
	}

	// Reply with an attachment: the conversation is swapped in place.
	reply := fmt.Sprintf("Browser test reply %d: the printer is still off.", time.Now().UnixNano())
	const attName = "printer-log.txt"
	const attBody = "E42 at 09:14, 09:20 and 09:31\n"
	att := filepath.Join(t.TempDir(), attName)
	if err := os.WriteFile(att, []byte(attBody), 0o600); err != nil {
		t.Fatal(err)
	}
	before := evalJS[string](b, `document.querySelector('#last-activity time').getAttribute('datetime')`)
	evalJS[chromedp.Void](b, `window.__marker = 2`)
	b.do("write and send a reply",
		chromedp.SendKeys(chromedp.CSS("#body"), reply),
		chromedp.SetUploadFiles(chromedp.CSS("#attachments"), []string{att}),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	b.waitText("#conversation", reply)
	b.waitJS("the attachment link", fmt.Sprintf(`[...document.querySelectorAll('#latest a[href^="/portal/attachments/"]')].some(a => a.textContent.includes(%s))`, jsString(attName)))
	if !evalJS[bool](b, `window.__marker === 2`) {
		t.Error("sending a reply reloaded the whole page")
	}
	if p := evalJS[string](b, `location.pathname`); p != "/portal/tickets/22" {
		t.Errorf("after the reply the page is %s", p)
	}
	if v := evalJS[string](b, `document.querySelector('#body').value`); v != "" {
		t.Errorf("reply box still holds %q after sending", v)
	}
	if !strings.Contains(b.innerText("#conversation"), "Your reply was sent.") {
		t.Error("no confirmation after sending the reply")
	}
	if ok, _ := b.poll(`document.getElementById('conversation').contains(document.activeElement)`, 3*time.Second); !ok {
		t.Errorf("focus is not in the new conversation after the reply but on %s",
			evalJS[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'`))
	}
	if after := evalJS[string](b, `document.querySelector('#last-activity time').getAttribute('datetime')`); after == before {
		t.Errorf("last activity did not update (still %s)", after)
	}
	got := evalJS[string](b, fmt.Sprintf(`(async () => {
		const a = [...document.querySelectorAll('#latest a[href^="/portal/attachments/"]')].find(a => a.textContent.includes(%s));
		const r = await fetch(a.getAttribute('href'));
		return r.status + ' ' + await r.text();
	})()`, jsString(attName)), chromedp.EvalAwaitPromise)
	if got != "200 "+attBody {
		t.Errorf("attachment download = %q, want %q", got, "200 "+attBody)
	}

	// Submit a support ticket, then find it in the list.
	b.open("/portal/tickets")
	b.do("open the support form", chromedp.Click(chromedp.CSS(`main a[href="/portal/tickets/new"]`)))
	b.waitPath("/portal/tickets/new")
	b.waitJS("the support form", `document.querySelector('#ticket-form #subject')`)
	subject := fmt.Sprintf("Browser test ticket %d", time.Now().UnixNano())
	b.do("fill the support form",
		chromedp.SendKeys(chromedp.CSS("#subject"), subject),
		chromedp.SetValue(chromedp.CSS("#description"), "The label printer in hall B jams after every tenth label."),
		chromedp.Click(chromedp.CSS(`#ticket-form button[type="submit"]`)),
	)
	b.waitJS("the new ticket page", `/^\/portal\/tickets\/\d+$/.test(location.pathname)`)
	b.waitText("h1", subject)
	b.do("back to the list", chromedp.Click(chromedp.CSS(`main nav a[href="/portal/tickets"]`)))
	b.waitPath("/portal/tickets")
	b.waitText("#ticket-list tbody", subject)

	// Log out: the login page says so, and the list needs a login again.
	b.do("log out", chromedp.Click(chromedp.CSS(`header form[action="/portal/logout"] button`)))
	b.waitPath("/portal/login")
	b.waitText("main", "You have logged out.")
	b.open("/portal/tickets")
	b.waitPath("/portal/login")
	b.waitJS("the login form", `document.querySelector('#password')`)
}

// TestBrowserNoJavaScript uses the portal with scripts switched off: every
// control is a plain link or form.
func TestBrowserNoJavaScript(t *testing.T) {
	s := startServer(t, serverOptions{})
	b := newBrowser(t, s.URL)
	b.do("switch scripts off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))

	b.open("/portal/login")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	b.waitText("#ticket-list", subjPrinter)
	if evalJS[bool](b, `typeof window.htmx !== 'undefined'`) {
		t.Fatal("htmx is loaded: scripts are not switched off")
	}

	b.clickListNav("Closed")
	b.waitJS("the closed list", `document.readyState === 'complete' && location.search.includes('status=closed') &&
		document.querySelector('#ticket-list nav a[aria-current="page"][href*="status=closed"]')`)
	if rows := b.rowSubjects(); !contains(rows, subjVAT) || contains(rows, subjPrinter) {
		t.Errorf("closed list: %q", rows)
	}

	b.clickListNav("All")
	b.waitJS("the all list", `document.readyState === 'complete' && location.search.includes('status=all')`)
	b.do("search",
		chromedp.SendKeys(chromedp.CSS("#q"), "E42"),
		chromedp.Click(chromedp.CSS(`#ticket-list form[role="search"] button[type="submit"]`)),
	)
	b.waitJS("search results", `document.readyState === 'complete' && location.search.includes('q=E42') && location.search.includes('status=all')`)
	if rows := b.rowSubjects(); len(rows) != 1 || rows[0] != subjPrinter {
		t.Errorf("search E42 shows %q, want only %q", rows, subjPrinter)
	}

	b.do("open the ticket", chromedp.Click(chromedp.CSS(`#ticket-list tbody a[href="/portal/tickets/22"]`)))
	b.waitPath("/portal/tickets/22")
	reply := fmt.Sprintf("Reply without JavaScript %d", time.Now().UnixNano())
	const attName = "no-js-photo.txt"
	att := filepath.Join(t.TempDir(), attName)
	if err := os.WriteFile(att, []byte("label jam, photo to follow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("send a reply",
		chromedp.SendKeys(chromedp.CSS("#body"), reply),
		chromedp.SetUploadFiles(chromedp.CSS("#attachments"), []string{att}),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	b.waitJS("the ticket after the reply", `document.readyState === 'complete' && location.pathname === '/portal/tickets/22' && location.search.includes('sent=1')`)
	b.waitText("#conversation", reply)
	b.waitText("#conversation", "Your reply was sent.")
	b.waitText("#latest", attName)
}

// TestBrowserIdleTimeout lets a session go idle: the next htmx request
// leads the whole page to the login page, and logging in again returns
// to where the customer was.
func TestBrowserIdleTimeout(t *testing.T) {
	s := startServer(t, serverOptions{})
	setIdleTimeout(t, s, 3)
	b := newBrowser(t, s.URL)

	b.open("/portal/login")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	b.open("/portal/tickets/22")
	b.waitText("h1", subjPrinter)

	time.Sleep(5 * time.Second) // idle longer than the timeout

	// (a) An htmx request (the reply form) gets HX-Redirect to login.
	b.do("send a reply after the timeout",
		chromedp.SendKeys(chromedp.CSS("#body"), "Are you still there?"),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	expectExpiredLogin(t, b, "/portal/tickets/22")
	// (b) Logging in goes back to the ticket.
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets/22")
	b.waitText("h1", subjPrinter)
	if strings.Contains(b.innerText("#conversation"), "Are you still there?") {
		t.Error("a reply sent after the timeout was saved")
	}

	// The same from the list: a status tab after the timeout.
	b.open("/portal/tickets?status=open")
	b.waitText("#ticket-list", subjPrinter)
	time.Sleep(5 * time.Second)
	b.clickListNav("Closed")
	expectExpiredLogin(t, b, "/portal/tickets?status=open")
	b.login(anaEmail, demoPassword)
	b.waitPath("/portal/tickets")
	if q := evalJS[string](b, `location.search`); q != "?status=open" {
		t.Errorf("after the login the list URL has %q, want ?status=open", q)
	}
	b.waitText("#ticket-list", subjPrinter)
}

// expectExpiredLogin checks that the whole page is the login page with the
// inactivity message, and that it will return to next.
func expectExpiredLogin(t *testing.T, b *browser, next string) {
	t.Helper()
	b.waitPath("/portal/login")
	b.waitText("main", "logged out after a period of inactivity")
	if n := evalJS[string](b, `new URLSearchParams(location.search).get('next') || ''`); n != next {
		t.Errorf("login page next = %q, want %q", n, next)
	}
	if evalJS[bool](b, `!!document.querySelector('#ticket-list, #conversation') || document.querySelectorAll('#password').length !== 1 || document.querySelectorAll('main').length !== 1`) {
		t.Errorf("the login form landed inside a fragment, not as a whole page%s", b.where())
	}
}

// setIdleTimeout changes the portal's idle timeout in the instance's
// embedded database; settings are read on every request.
func setIdleTimeout(t *testing.T, s *server, seconds int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "portico.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE portal_settings SET data = json_set(data, '$.idle_timeout_seconds', ?), version = version + 1 WHERE id = 1`, seconds)
	if err != nil {
		t.Fatalf("set the idle timeout: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("set the idle timeout: %d settings rows updated, want 1", n)
	}
}
