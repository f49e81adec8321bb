package e2e

// Solving and reopening: the admin lets replies reopen closed tickets of
// the support pipeline, Ana marks a ticket solved through the
// confirmation step, and her next reply reopens it.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserSolveReopen(t *testing.T) {
	s := startServer(t, serverOptions{})
	admin := newBrowser(t, s.URL)
	ana := boSideBrowser(t, admin)

	boStaffLogin(admin, boAdminEmail)
	admin.open("/admin/pipelines")
	admin.waitText("main", "Solving and reopening")
	// The support pipeline comes first.
	card := `main section[id^="pipeline-"]`
	admin.do("choose reopening within 7 days",
		chromedp.SetValue(chromedp.CSS(card+` select[name="reopen_policy"]`), "reopen"),
		chromedp.SetValue(chromedp.CSS(card+` input[name="reopen_days"]`), "seven"),
		chromedp.Click(chromedp.CSS(card+` form[action$="/solve"] button[type="submit"]`)),
	)
	admin.waitText(card, "Enter a whole number of days")
	if v := evalJS[string](admin, `document.querySelector('`+card+` input[name="reopen_days"]').value`); v != "seven" {
		t.Errorf("the typed days became %q", v)
	}
	admin.do("fix the days",
		chromedp.SetValue(chromedp.CSS(card+` input[name="reopen_days"]`), "7"),
		chromedp.Click(chromedp.CSS(card+` form[action$="/solve"] button[type="submit"]`)),
	)
	admin.waitText(card, "Solving and reopening saved")
	shareShot(admin, "solve-settings", 1280, 900, false)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("#solve", "Is your issue solved?")
	ana.do("mark as solved", chromedp.Click(chromedp.CSS(`#solve a[href$="/solve#solve"]`)))
	ana.waitText("#solve", "Mark this ticket solved?")
	shareShot(ana, "solve-confirm", 390, 844, true)
	shareShot(ana, "solve-confirm", 1280, 900, false)
	ana.do("confirm", chromedp.Click(chromedp.CSS(`#solve form button[type="submit"]`)))
	ana.waitText("#solve", "The ticket is marked solved.")
	ana.waitText("#solve", "A reply reopens this ticket.")
	if !strings.Contains(ana.innerText("h1 + *"), "Closed") {
		t.Errorf("the status is not closed: %q", ana.innerText("h1 + *"))
	}
	shareShot(ana, "solve-closed", 390, 844, true)
	shareShot(ana, "solve-closed", 1280, 900, false)

	ana.do("reply to the closed ticket",
		chromedp.SendKeys(chromedp.CSS("#body"), "The printer jams again."),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	ana.waitText("#conversation", "The printer jams again.")
	ana.waitText("#solve", "Is your issue solved?")
	if strings.Contains(ana.innerText("h1 + *"), "Closed") {
		t.Errorf("the ticket did not reopen: %q%s", ana.innerText("h1 + *"), ana.where())
	}
}
