package e2e

// Notification choices: Ana mutes a ticket from its page and unmutes it,
// picks her default on the Notifications page reached from the header,
// and a notification's "mute this ticket" link, opened in a browser with
// no session, asks before it mutes.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"portico/app/mail"
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

	ana.do("size the viewport back", chromedp.EmulateViewport(1280, 900))

	// The link of a notification: the instance's secret signs Ana's
	// contact ID and the ticket.
	ana.open("/portal/tickets/22")
	me := evalJS[string](ana, `(() => { for (const li of document.querySelectorAll('#participants li[data-person]')) { if (li.textContent.includes('(you)')) return li.dataset.person } return '' })()`)
	anaID, err := strconv.ParseInt(me, 10, 64)
	if err != nil {
		t.Fatalf("Ana's contact ID: %q", me)
	}
	key, err := os.ReadFile(filepath.Join(s.DataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	link := "/portal/unsubscribe/" + mail.UnsubscribeToken([]byte(strings.TrimSpace(string(key))), 22, anaID)
	reader := boSideBrowser(t, ana)
	reader.open(link)
	reader.waitText("main", "Mute this ticket?")
	shareShot(reader, "notify-unsubscribe", 1280, 900, false)
	shareShot(reader, "notify-unsubscribe", 390, 844, true)
	ana.open("/portal/tickets/22")
	ana.waitJS("not muted by the GET", `document.querySelector('#mute [data-mute-state="on"]')`)
	reader.do("confirm", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	// The confirmation page says the same sentence before the POST: wait
	// for the answer's own heading.
	reader.waitText("main h1", "Ticket muted")
	ana.open("/portal/tickets/22")
	ana.waitJS("muted by the POST", `document.querySelector('#mute [data-mute-state="muted"]')`)
}
