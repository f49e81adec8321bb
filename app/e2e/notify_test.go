package e2e

// Notification choices: Ana mutes a ticket from its page and unmutes it,
// then picks her default on the Notifications page reached from the
// header.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserNotifyChoices(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)
	boCustomerLogin(ana, anaEmail, demoPassword)

	ana.open("/portal/tickets/22")
	ana.waitText("#mute", "Email for this ticket")
	ana.do("mute the ticket", chromedp.Click(chromedp.CSS(`#mute button[type="submit"]`)))
	ana.waitText("#mute", "Ticket muted.")
	ana.waitJS("the muted state", `document.querySelector('#mute [data-mute-state="muted"]')`)
	if p := ana.location(); !strings.HasSuffix(p, "/portal/tickets/22") {
		t.Errorf("htmx left the page for %s", p)
	}
	shareShot(ana, "notify-ticket", 1280, 900, false)
	shareShot(ana, "notify-ticket", 390, 844, true)
	ana.do("size the viewport back", chromedp.EmulateViewport(1280, 900))

	// The mute holds on a fresh load, and unmuting restores it.
	ana.open("/portal/tickets/22")
	ana.waitText("#mute", "This ticket is muted")
	ana.do("unmute the ticket", chromedp.Click(chromedp.CSS(`#mute button[type="submit"]`)))
	ana.waitText("#mute", "Ticket unmuted.")
	ana.waitJS("the unmuted state", `document.querySelector('#mute [data-mute-state="on"]')`)

	// The default, from the header's link.
	ana.do("open the notifications page", chromedp.Click(chromedp.CSS(`header a[href$="/notifications"]`)))
	ana.waitJS("the notifications page", `location.pathname.endsWith('/notifications') && document.querySelector('input[name="choice"][value="all"]:checked')`)
	ana.do("choose agents only",
		chromedp.Click(chromedp.CSS(`input[name="choice"][value="agents"]`)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
	ana.waitText("main", "Your choice is saved.")
	if !evalJS[bool](ana, `!!document.querySelector('input[name="choice"][value="agents"]:checked')`) {
		t.Error("the saved choice is not checked")
	}
	shareShot(ana, "notify-settings", 1280, 900, false)
	shareShot(ana, "notify-settings", 390, 844, true)
}
