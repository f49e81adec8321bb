package e2e

// Sharing a ticket: Ana adds her colleague Ben as a participant, sees who
// can see the ticket, Ben finds it under "Shared with me", and Ana's
// removal takes it away again.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

const benEmail = "ben@acme.example"

// shareShot checks that the page fits the width and keeps a full-page
// screenshot in PORTICO_SCREENSHOT_DIR when it is set.
func shareShot(b *browser, name string, width, height int64, phone bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	b.do("size the viewport", chromedp.EmulateViewport(width, height, opts...))
	if over := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		b.t.Errorf("%s at %dpx: the page is %dpx wider than the screen", name, width, over)
	}
	dir := os.Getenv("PORTICO_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func TestBrowserSharing(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)
	ben := boSideBrowser(t, ana)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("#participants", "Who can see this ticket")
	ana.waitText("#participants", "Everyone at Acme Corp")

	// A stranger is refused at the field, and what was typed stays.
	ana.do("share with a stranger",
		chromedp.SendKeys(chromedp.CSS("#share-email"), "gina@globex.example"),
		chromedp.Click(chromedp.CSS(`#participants form[action$="/participants"] button[type="submit"]`)),
	)
	ana.waitText("#share-email-error", "Only people at your company")
	if v := evalJS[string](ana, `document.querySelector('#share-email').value`); v != "gina@globex.example" {
		t.Errorf("the typed address became %q", v)
	}
	if d := evalJS[string](ana, `document.activeElement && document.activeElement.id`); d != "share-email" {
		t.Logf("focus after the error is on %q", d)
	}

	ana.do("share with Ben",
		chromedp.SetValue(chromedp.CSS("#share-email"), benEmail),
		chromedp.Click(chromedp.CSS(`#participants form[action$="/participants"] button[type="submit"]`)),
	)
	ana.waitText("#participants", "They can now see this ticket")
	ana.waitText("#participants", "Ben Brown")
	ana.waitText("#participants", "added by Ana Álvarez")
	if p := ana.location(); !strings.HasSuffix(p, "/portal/tickets/22") {
		t.Errorf("htmx left the page for %s", p)
	}
	shareShot(ana, "sharing-ticket", 1280, 900, false)
	shareShot(ana, "sharing-ticket", 390, 844, true)
	ana.do("size the viewport back", chromedp.EmulateViewport(1280, 900))

	boCustomerLogin(ben, benEmail, demoPassword)
	ben.clickListNav("Shared with me")
	ben.waitJS("the shared list", `location.search.includes('view=shared') && document.querySelector('#ticket-list tbody a[href$="/tickets/22"]')`)
	if subjects := ben.rowSubjects(); len(subjects) != 1 || subjects[0] != subjPrinter {
		t.Errorf("Ben's shared tickets: %v", subjects)
	}
	ben.waitJS("htmx to settle", `!document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`)
	shareShot(ben, "sharing-list", 1280, 900, false)
	ben.do("size the viewport back", chromedp.EmulateViewport(1280, 900))

	ana.do("remove Ben", chromedp.Click(chromedp.CSS(`#participants li[data-person] form button[type="submit"]`)))
	ana.waitText("#participants", "They can no longer see this ticket")
	if strings.Contains(ana.innerText("#participants"), "Ben Brown") {
		t.Error("Ben is still listed")
	}

	ben.open("/portal/tickets?view=shared&status=all")
	ben.waitJS("the list", `document.querySelector('#ticket-list')`)
	if strings.Contains(ben.innerText("#ticket-list"), "Shared with me") || evalJS[bool](ben, `!!document.querySelector('#ticket-list tbody a[href$="/tickets/22"]')`) {
		t.Error("Ben still has the shared view after the removal")
	}

	// The back office shows the same people, plus the agents.
	agent := boSideBrowser(t, ana)
	boStaffLogin(agent, boAgentEmail)
	agent.open("/admin/tickets/22")
	agent.waitText("#participants", "Everyone at Acme Corp")
	agent.waitText("#participants", "Sam Agent")
	agent.do("share from the back office",
		chromedp.SetValue(chromedp.CSS("#participant-email"), benEmail),
		chromedp.Click(chromedp.CSS(`#participants form[action$="/participants"] button[type="submit"]`)),
	)
	agent.waitText("#participants", "Ben Brown")
	agent.waitText("#participants", "added by Sam Agent")
	shareShot(agent, "sharing-backoffice", 1280, 900, false)
}

// Ben, a participant, stops the sharing with him from the ticket's page:
// a link, a confirmation, a button, and the page says what is left of his
// view (he still sees the ticket as everyone at Acme does).
func TestBrowserLeaveShared(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)
	ben := boSideBrowser(t, ana)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("#participants", "Who can see this ticket")
	ana.do("share with Ben",
		chromedp.SetValue(chromedp.CSS("#share-email"), benEmail),
		chromedp.Click(chromedp.CSS(`#participants form[action$="/participants"] button[type="submit"]`)),
	)
	ana.waitText("#participants", "They can now see this ticket")
	if evalJS[bool](ana, `!!document.querySelector('[data-leave-link]')`) {
		t.Error("the ticket's contact is offered to stop sharing with herself")
	}

	boCustomerLogin(ben, benEmail, demoPassword)
	ben.open("/portal/tickets/22")
	ben.waitText("#participants", "Stop sharing with me")
	ben.do("ask to stop sharing", chromedp.Click(chromedp.CSS(`[data-leave-link]`)))
	ben.waitText("#participants", "You will no longer get this ticket's emails")
	shareShot(ben, "leave-confirm", 1280, 900, false)
	shareShot(ben, "leave-confirm", 390, 844, true)
	ben.do("size the viewport back", chromedp.EmulateViewport(1280, 900))
	ben.do("confirm", chromedp.Click(chromedp.CSS(`[data-leave] button[type="submit"]`)))
	ben.waitText("#participants", "The ticket is no longer shared with you")
	if strings.Contains(ben.innerText("#participants"), "Ben Brown") {
		t.Error("Ben is still listed as a participant")
	}
	shareShot(ben, "leave-done", 390, 844, true)
	ben.do("size the viewport back", chromedp.EmulateViewport(1280, 900))

	ana.open("/portal/tickets/22")
	ana.waitText("#participants", "Everyone at Acme Corp")
	if strings.Contains(ana.innerText("#participants"), "Ben Brown") {
		t.Error("Ana still sees Ben among the participants")
	}
}
