package e2e

// Rating: an agent closes Ana's ticket, Ana rates it from the portal and
// changes her rating, and the agent sees it on the ticket.

import (
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserRating(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)
	agent := boSideBrowser(t, ana)

	boStaffLogin(agent, boAgentEmail)
	agent.open("/admin/tickets/22")
	agent.waitJS("the properties form", `document.querySelector('#ticket-props #p-stage')`)
	picked := evalJS[string](agent, `(() => {
		const sel = document.querySelector('#p-stage');
		const pipe = document.querySelector('#p-pipeline');
		const group = [...sel.querySelectorAll('optgroup')].find(g => g.label === (pipe.selectedOptions[0] || {}).text) || sel;
		const opt = [...group.querySelectorAll('option')].find(o => o.text.trim().startsWith('Closed'));
		if (!opt) return '';
		sel.value = opt.value;
		return opt.text.trim();
	})()`)
	if picked == "" {
		t.Fatalf("no Closed stage in the ticket's pipeline%s", agent.where())
	}
	evalJS[chromedp.Void](agent, `document.getElementById('ticket-props').dataset.rtOld = '1'`)
	agent.do("close the ticket", chromedp.Click(chromedp.CSS(`#ticket-props button[type="submit"]`)))
	agent.waitJS("the ticket closed", `(() => { const s = document.getElementById('ticket-props');
		return s && !s.dataset.rtOld && s.innerText.includes('Saved'); })()`)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("#rating", "How did we do?")
	shareShot(ana, "rating-panel", 1280, 900, false)
	ana.do("rate good",
		chromedp.Click(chromedp.CSS(`#rating input[name="score"][value="good"]`)),
		chromedp.SendKeys(chromedp.CSS("#rating-comment"), "Quick and clear."),
		chromedp.Click(chromedp.CSS(`#rating button[type="submit"]`)),
	)
	ana.waitText("#rating", "Your rating is saved")
	ana.waitText("#rating", "Your rating: Good")
	if v := evalJS[string](ana, `document.querySelector('#rating-comment').value`); v != "Quick and clear." {
		t.Errorf("the comment box shows %q after saving", v)
	}

	// Change it to okay.
	ana.do("change to okay",
		chromedp.Click(chromedp.CSS(`#rating input[name="score"][value="okay"]`)),
		chromedp.Click(chromedp.CSS(`#rating button[type="submit"]`)),
	)
	ana.waitText("#rating", "Your rating: Okay")
	if !evalJS[bool](ana, `!!document.querySelector('#rating input[name="score"][value="okay"]:checked')`) {
		t.Error("the form does not show the saved rating")
	}
	shareShot(ana, "rating-panel-saved", 1280, 900, false)
	shareShot(ana, "rating-panel-saved", 390, 844, true)

	agent.open("/admin/tickets/22")
	agent.waitText("#rating", "Okay, by Ana")
	agent.waitText("#rating", "Quick and clear.")
	shareShot(agent, "rating-agent", 1280, 900, false)

	agent.open("/admin/ratings")
	agent.waitText("main", "Quick and clear.")
	shareShot(agent, "rating-report", 1280, 900, false)
	shareShot(agent, "rating-report", 390, 844, true)
}
