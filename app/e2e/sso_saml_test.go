package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"portico/app/sso/saml/samltest"
)

// TestBrowserSAMLLogin adds a SAML provider in the settings as an admin
// would, pointing it at an in-process IdP by its metadata URL, then signs
// a new customer in through the portal's button and the IdP's own login
// page. The IdP is "localhost" and the portal 127.0.0.1, two sites: the
// IdP's POST carries no session cookie, so the portal's hand-over page
// posts it again, and the customer lands on the page they wanted.
func TestBrowserSAMLLogin(t *testing.T) {
	t.Parallel()
	s, idp := samlE2E(t)

	b := newBrowser(t, s.URL)
	b.open("/portal/tickets?status=closed")
	b.waitPath("/portal/login")
	b.waitJS("the Okta button", `document.querySelector('a[data-sso="okta"]')`)
	b.do("choose Okta", chromedp.Click(chromedp.CSS(`a[data-sso="okta"]`)))
	b.waitJS("the IdP's login page", fmt.Sprintf(`location.href.startsWith(%s) && document.querySelector('#idp-user')`, jsString(idp.URL+"/sso")))
	b.do("sign in at the IdP",
		chromedp.SetValue(chromedp.CSS("#idp-user"), "nora"),
		chromedp.SetValue(chromedp.CSS("#idp-password"), "nora-pw"),
		chromedp.Click(chromedp.CSS("#idp-submit")),
	)
	b.waitPath("/portal/tickets")
	if loc := b.location(); !strings.HasSuffix(loc, "/portal/tickets?status=closed") {
		t.Fatalf("landed on %s", loc)
	}
	b.waitJS("Nora's portal", `document.body.textContent.includes('Nora')`)

	// Logging out ends the portal's session, then Okta's (single logout),
	// and the IdP sends the browser back to the login page.
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/portal/logout"] button[type="submit"]`)))
	b.waitJS("back on the login page after single logout", `location.pathname === '/portal/login' && location.search.includes('logged_out=1')`)
	if n := idp.Logouts(); n != 1 {
		t.Fatalf("the IdP ended %d sessions", n)
	}
	b.open("/portal/tickets")
	b.waitPath("/portal/login")
}

// TestBrowserSAMLLoginNoJS signs in with JavaScript off: the IdP's and the
// portal's hand-over pages each wait for their Continue button.
func TestBrowserSAMLLoginNoJS(t *testing.T) {
	t.Parallel()
	s, idp := samlE2E(t)
	b := newBrowser(t, s.URL)
	b.do("turn JavaScript off", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.open("/portal/login")
	b.do("choose Okta", chromedp.Click(chromedp.CSS(`a[data-sso="okta"]`)))
	b.waitJS("the IdP's login page", fmt.Sprintf(`location.href.startsWith(%s) && document.querySelector('#idp-user')`, jsString(idp.URL+"/sso")))
	b.do("sign in at the IdP",
		chromedp.SetValue(chromedp.CSS("#idp-user"), "nora"),
		chromedp.SetValue(chromedp.CSS("#idp-password"), "nora-pw"),
		chromedp.Click(chromedp.CSS("#idp-submit")),
	)
	b.waitJS("the IdP's Continue button", `document.querySelector('#SAMLSubmitButton')`)
	b.do("continue at the IdP", chromedp.Click(chromedp.CSS("#SAMLSubmitButton")))
	b.waitJS("the portal's hand-over page", `document.querySelector('#saml-continue')`)
	b.do("continue at the portal", chromedp.Click(chromedp.CSS("#saml-continue")))
	b.waitPath("/portal/tickets")
	b.waitJS("Nora's portal", `document.body.textContent.includes('Nora')`)
}

// samlE2E starts Portico and an IdP ("localhost", another site than the
// portal's 127.0.0.1), and adds an enabled SAML provider "okta" for it
// through the settings, as an admin would.
func samlE2E(t *testing.T) (*server, *samltest.IdP) {
	t.Helper()
	s := startServer(t, serverOptions{})
	idp := samltest.New(t, samltest.Host("localhost"))
	idp.AddUser(samltest.User{Name: "nora", Password: "nora-pw", NameID: "00u-nora", Email: "nora@newco.example",
		FirstName: "Nora", LastName: "Nuevo"})

	admin := newBrowser(t, s.URL)
	boStaffLogin(admin, "admin@example.com")
	admin.open("/admin/portal/sso/new?kind=saml")
	admin.waitJS("the SAML provider form", `document.querySelector('#metadata_url') && document.querySelector('#slug')`)
	admin.do("fill the SAML provider",
		chromedp.SetValue(chromedp.CSS("#sso form #name"), "Okta"),
		chromedp.SetValue(chromedp.CSS("#sso form #slug"), "okta"),
		chromedp.SetValue(chromedp.CSS("#sso form #metadata_url"), idp.MetadataURL()),
	)
	admin.do("enable and save", chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.querySelector('#metadata_url').form;
		const on = f.querySelector('input[name="enabled"]'); if (on && !on.checked) on.click();
		// The IdP vouches for emails: a first sign-in may create the contact.
		const ver = f.querySelector('input[name="email_verified"]'); if (ver && !ver.checked) ver.click();
		f.requestSubmit();
	})()`))
	if ok, _ := admin.poll(`document.body.innerText.includes('/portal/sso/okta/acs')`, waitTimeout); !ok {
		t.Fatalf("provider not saved: %s", admin.innerText("#sso form"))
	}

	// The IdP learns the SP from the metadata URL Portico shows.
	resp, err := http.Get(s.URL + "/portal/sso/okta/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SP metadata: %d", resp.StatusCode)
	}
	idp.AddSP(t, md, false)
	return s, idp
}
