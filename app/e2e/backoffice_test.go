package e2e

// Back-office journeys: an agent or an admin in one browser, a customer in
// another, each with its own cookies, against one instance.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	boAgentEmail = "agent@example.com"
	boAdminEmail = "admin@example.com"
)

// boSideBrowser opens another tab in the same Chromium as first, in a
// browser context of its own: separate cookies and storage, as a second
// person on another computer, without starting another browser.
func boSideBrowser(t *testing.T, first *browser) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(first.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a second browser context: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: first.base}
	b.do("size the viewport", chromedp.EmulateViewport(1280, 900))
	return b
}

// boStaffLogin logs a staff user in at /admin/login and waits for the back
// office.
func boStaffLogin(b *browser, email string) {
	b.t.Helper()
	b.open("/admin/login")
	b.waitJS("the staff login form", `location.pathname === '/admin/login' && document.querySelector('#email') && document.querySelector('#password')`)
	b.do("staff log in",
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS(`main form[action="/admin/login"] button[type="submit"]`)),
	)
	b.waitJS("leaving the staff login page", `location.pathname.startsWith('/admin/') && location.pathname !== '/admin/login' && document.readyState !== 'loading'`)
}

// boCustomerLogin logs Ana (or another contact) in to the portal.
func boCustomerLogin(b *browser, email, password string) {
	b.t.Helper()
	b.open("/portal/login")
	b.login(email, password)
	b.waitPath("/portal/tickets")
}

// boReloadUntil opens path again and again until the expression is true,
// for state another browser or the server changes.
func boReloadUntil(b *browser, what, path, js string) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		b.open(path)
		if ok, _ := b.poll(js, time.Second); ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s at %s%s", what, path, b.where())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// boBodyText is the whole page's visible text.
func boBodyText(b *browser) string {
	b.t.Helper()
	return b.innerText("body")
}

// boOpenTicketFromInbox opens ticket id from the agent's inbox by clicking
// its row, searching for it when it is not on the first page.
func boOpenTicketFromInbox(b *browser, id int, search string) {
	b.t.Helper()
	b.open("/admin/inbox")
	link := fmt.Sprintf(`#inbox-list tbody a[href="/admin/tickets/%d"]`, id)
	b.waitJS("the inbox", `document.querySelector('#inbox-list')`)
	if ok, _ := b.poll(fmt.Sprintf(`document.querySelector(%s)`, jsString(link)), 2*time.Second); !ok {
		b.do("search the inbox",
			chromedp.SendKeys(chromedp.CSS("#f-q"), search),
			chromedp.Submit(chromedp.CSS("#inbox-list form")),
		)
		b.waitJS("the ticket in the inbox", fmt.Sprintf(`document.querySelector(%s)`, jsString(link)))
	}
	b.do("open the ticket", chromedp.Click(chromedp.CSS(link)))
	b.waitPath(fmt.Sprintf("/admin/tickets/%d", id))
	b.waitJS("the composer", `document.querySelector('#composer-body') && document.querySelector('#ticket-work')`)
}

// boSaveSection clicks the Save button of a settings section and waits for
// the section to say it was saved.
func boSaveSection(b *browser, section string) {
	b.t.Helper()
	sel := fmt.Sprintf(`#%s button[type="submit"]:not([name])`, section)
	evalJS[chromedp.Void](b, fmt.Sprintf(`document.getElementById(%s).dataset.boOld = '1'`, jsString(section)))
	b.do("save "+section, chromedp.Click(chromedp.CSS(sel)))
	b.waitJS(section+" saved", fmt.Sprintf(`(() => { const s = document.getElementById(%s);
		return s && !s.dataset.boOld && !s.querySelector('[role="alert"]') && s.querySelector('[role="status"]') && s.innerText.includes('Saved'); })()`, jsString(section)))
}

func TestBrowserAgentReplyAndNote(t *testing.T) {
	s := startServer(t, serverOptions{})
	agent := newBrowser(t, s.URL)
	ana := boSideBrowser(t, agent)

	boStaffLogin(agent, boAgentEmail)
	boOpenTicketFromInbox(agent, 22, "E42")
	agent.waitText("h1", subjPrinter)

	stamp := time.Now().UnixNano()
	reply := fmt.Sprintf("Agent reply %d: please restart the printer.", stamp)
	note := fmt.Sprintf("Secret agent note %d: firmware bug suspected.", stamp)

	evalJS[chromedp.Void](agent, `window.__boMarker = 7`)
	agent.do("write and send a public reply",
		chromedp.SendKeys(chromedp.CSS("#composer-body"), reply),
		chromedp.Click(chromedp.CSS(`#ticket-work form button[hx-post$="/replies"]`)),
	)
	agent.waitText("#ticket-work", reply)
	agent.waitText("#ticket-work", "Reply sent to the customer.")
	if v := evalJS[string](agent, `document.querySelector('#composer-body').value`); v != "" {
		t.Errorf("composer still holds %q after the reply", v)
	}
	agent.do("write and add an internal note",
		chromedp.SendKeys(chromedp.CSS("#composer-body"), note),
		chromedp.Click(chromedp.CSS(`#ticket-work form button[hx-post$="/notes"]`)),
	)
	agent.waitText("#ticket-work", note)
	agent.waitText("#ticket-work", "Internal note added.")
	if !evalJS[bool](agent, `window.__boMarker === 7`) {
		t.Error("the composer reloaded the whole page (htmx should swap #ticket-work)")
	}
	if p := evalJS[string](agent, `location.pathname`); p != "/admin/tickets/22" {
		t.Errorf("after the composer the agent is on %s", p)
	}

	// Ana sees the reply and never the note.
	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("h1", subjPrinter)
	ana.waitText("#conversation", reply)
	if body := boBodyText(ana); strings.Contains(body, note) || strings.Contains(body, "Secret agent note") {
		t.Errorf("the customer sees the internal note:\n%s", short(body))
	}
	html := evalJS[string](ana, `document.documentElement.outerHTML`)
	if strings.Contains(html, "Secret agent note") {
		t.Error("the internal note is in the customer's page source")
	}

	// The reply queued one notification to Ana, carrying the reply and not
	// the note.
	toAna := fmt.Sprintf(`[...document.querySelectorAll('main tbody tr')].filter(r => r.innerText.includes(%s) && r.innerText.includes('Ticket #22') && r.innerText.includes('Reply to customer'))`, jsString(anaEmail))
	boReloadUntil(agent, "a notification to Ana", "/admin/outbox", toAna+`.length > 0`)
	if n := evalJS[int](agent, toAna+`.length`); n != 1 {
		t.Errorf("%d reply notifications to Ana for #22, want 1 (the note must not mail the customer)", n)
	}
	mailPath := evalJS[string](agent, toAna+`[0].querySelector('a[href^="/admin/outbox/"]').getAttribute('href')`)
	agent.open(mailPath)
	agent.waitText("main", reply)
	if strings.Contains(boBodyText(agent), "Secret agent note") {
		t.Error("the notification mail to the customer carries the internal note")
	}
}

func TestBrowserCustomerReplyReachesAgent(t *testing.T) {
	s := startServer(t, serverOptions{})
	ana := newBrowser(t, s.URL)
	agent := boSideBrowser(t, ana)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitText("h1", subjPrinter)
	reply := fmt.Sprintf("Ana follow-up %d label jam", time.Now().UnixNano())
	ana.do("send a reply",
		chromedp.SendKeys(chromedp.CSS("#body"), reply),
		chromedp.Click(chromedp.CSS(`#conversation form button[type="submit"]`)),
	)
	ana.waitText("#conversation", reply)
	ana.waitText("#conversation", "Your reply was sent.")

	// The ticket page.
	boStaffLogin(agent, boAgentEmail)
	agent.open("/admin/tickets/22")
	agent.waitText("#ticket-work", reply)

	// The inbox, by last activity (the default order, and asked for).
	for _, path := range []string{"/admin/inbox", "/admin/inbox?sort=-activity"} {
		agent.open(path)
		agent.waitJS("inbox rows", `document.querySelector('#inbox-list tbody tr')`)
		first := evalJS[string](agent, `(() => { const a = document.querySelector('#inbox-list tbody tr td:nth-child(2) a'); return a ? a.getAttribute('href') : ''; })()`)
		if first != "/admin/tickets/22" {
			t.Errorf("%s: first row links to %q, want ticket #22 (last activity)", path, first)
		}
	}

	// Ana's contact page.
	agent.open("/admin/contacts?q=ana")
	rowLink := fmt.Sprintf(`[...document.querySelectorAll('main tbody tr')].filter(r => r.innerText.includes(%s)).map(r => r.querySelector('a[href^="/admin/contacts/"]')).filter(Boolean)[0]`, jsString(anaEmail))
	agent.waitJS("Ana in the contact list", rowLink)
	href := evalJS[string](agent, rowLink+`.getAttribute('href')`)
	agent.do("open Ana's contact page", chromedp.Evaluate[chromedp.Void](rowLink+`.click()`))
	agent.waitPath(href)
	agent.waitText("#contact-timeline", reply)
}

func TestBrowserClosedStageIsReadOnly(t *testing.T) {
	s := startServer(t, serverOptions{})
	agent := newBrowser(t, s.URL)
	ana := boSideBrowser(t, agent)

	boCustomerLogin(ana, anaEmail, demoPassword)
	ana.open("/portal/tickets/22")
	ana.waitJS("the reply form", `document.querySelector('#conversation form[action="/portal/tickets/22/replies"] #body')`)

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
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return opt.text.trim();
	})()`)
	if picked == "" {
		t.Fatalf("no Closed stage in the ticket's pipeline%s", agent.where())
	}
	evalJS[chromedp.Void](agent, `window.__boMarker = 3; document.getElementById('ticket-props').dataset.boOld = '1'`)
	agent.do("save the properties", chromedp.Click(chromedp.CSS(`#ticket-props button[type="submit"]`)))
	agent.waitJS("the properties saved", `(() => { const s = document.getElementById('ticket-props');
		return s && !s.dataset.boOld && s.innerText.includes('Saved'); })()`)
	if got := evalJS[string](agent, `document.querySelector('#p-stage').selectedOptions[0].text.trim()`); got != picked {
		t.Errorf("stage after saving = %q, want %q", got, picked)
	}
	if !evalJS[bool](agent, `window.__boMarker === 3`) {
		t.Error("saving the properties reloaded the whole page")
	}

	ana.open("/portal/tickets/22")
	ana.waitText("#conversation", "This ticket is closed, so it can't be answered.")
	if evalJS[bool](ana, `!!document.querySelector('#conversation form, #body, form[action$="/replies"]')`) {
		t.Errorf("a closed ticket still offers a reply form%s", ana.where())
	}
	// A direct post is refused as well: the reply is not saved.
	res := evalJS[string](ana, `(async () => {
		const fd = new FormData(); fd.append('body', 'Sneaky reply to a closed ticket');
		const csrf = (JSON.parse(document.body.getAttribute('hx-headers') || '{}'))['X-CSRF-Token'] || '';
		fd.append('_csrf', csrf);
		const r = await fetch('/portal/tickets/22/replies', {method: 'POST', body: fd, headers: {'X-CSRF-Token': csrf}});
		return String(r.status);
	})()`, chromedp.EvalAwaitPromise)
	ana.open("/portal/tickets/22")
	ana.waitText("#conversation", "This ticket is closed")
	if strings.Contains(ana.innerText("#conversation"), "Sneaky reply") {
		t.Errorf("a reply posted to the closed ticket was saved (status %s)", res)
	}
}
