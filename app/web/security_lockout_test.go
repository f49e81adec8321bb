package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/web/core"
)

// loginFrom posts a login form from a client address behind the trusted
// proxy, with the client's CSRF token.
func (c *client) loginFrom(path, ip, email, password string) (*http.Response, string) {
	c.h.t.Helper()
	form := url.Values{"email": {email}, "password": {password}, core.CSRFField: {c.csrf}}
	req := c.h.newFormRequest(path, form)
	req.Header.Set("X-Forwarded-For", ip)
	return c.do(req)
}

func (h *harness) newFormRequest(path string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// An attacker hammering one account from many addresses is slowed down,
// address by address (429 with Retry-After), and then stopped on the
// account as a whole; the owner, from the address they use, still logs in
// with the right password. For the portal and the back office.
func TestLoginSlowsRatherThanLocks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, path, email, home string }{
		{"portal", "/portal/login", ana, "/portal/tickets"},
		{"staff", "/admin/login", demo.AdminEmail, "/admin/inbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newPortal(t, func(d *Deps) { d.Config.TrustedProxies = []string{"0.0.0.0"} })
			// The account-wide limit, lowered so the test runs few
			// password checks; the rest are Portico's own.
			h.srv.Login.PerAccount = 20
			lim := h.srv.Login
			const home = "192.0.2.10"
			owner := h.client()
			owner.get(tc.path, false)
			if res, _ := owner.loginFrom(tc.path, home, tc.email, "portico-demo"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the owner's first login: %d", res.StatusCode)
			}

			attacker := h.client()
			attacker.get(tc.path, false)
			failures := 0
			for n := 1; n <= 8; n++ {
				ip := "203.0.113." + strconv.Itoa(n)
				refused := false
				for try := 0; try < lim.AccountIP.Free+3 && !refused; try++ {
					res, body := attacker.loginFrom(tc.path, ip, tc.email, "guess-"+strconv.Itoa(try))
					switch res.StatusCode {
					case http.StatusUnprocessableEntity:
						failures++
					case http.StatusTooManyRequests:
						refused = true
						if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
							t.Errorf("429 with Retry-After %q", res.Header.Get("Retry-After"))
						}
						if h1(body) != "Too many attempts" {
							t.Errorf("429 page: %q", h1(body))
						}
						// Slowed down, address by address: the free
						// failures, and one more that starts the wait.
						if failures < lim.PerAccount && try != lim.AccountIP.Free+1 {
							t.Errorf("address %s was refused after %d tries, want %d", ip, try, lim.AccountIP.Free+1)
						}
					default:
						t.Fatalf("attempt from %s: %d", ip, res.StatusCode)
					}
				}
				if !refused {
					t.Fatalf("address %s was never slowed down", ip)
				}
			}
			if failures < lim.PerAccount {
				t.Fatalf("only %d failures; the account-wide limit (%d) was not reached", failures, lim.PerAccount)
			}
			// Past the account-wide limit, a new address is refused at once,
			// before any password is checked...
			if res, _ := attacker.loginFrom(tc.path, "198.51.100.77", tc.email, "portico-demo"); res.StatusCode != http.StatusTooManyRequests {
				t.Errorf("a new address past the account-wide limit: %d", res.StatusCode)
			}
			// ...but the owner, from their own address, logs in (in a new
			// browser session: the address is what counts).
			owner = h.client()
			owner.get(tc.path, false)
			res, _ := owner.loginFrom(tc.path, home, tc.email, "portico-demo")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.home {
				t.Fatalf("the owner during the attack: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			// Other accounts are untouched, from the attacker's addresses too
			// (the account's wait is per account and address).
			if tc.name == "portal" {
				other := h.client()
				other.get(tc.path, false)
				if res, _ := other.loginFrom(tc.path, "203.0.113.1", ben, "portico-demo"); res.StatusCode != http.StatusSeeOther {
					t.Errorf("another account from an attacker's address: %d", res.StatusCode)
				}
			}
		})
	}
}
