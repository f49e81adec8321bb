package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"portico/app/web/core"
)

// Another customer's ticket answers exactly like a missing one, on every
// route, and nothing is stored.
func TestAccessOtherCustomersTicket(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	g := h.client()
	g.as(gina)
	shot := h.attachmentID("screenshot.png")
	log := h.attachmentID("error-log.txt") // Ben's #21: Acme, not Globex
	messages := func() int { return h.count("SELECT count(*) FROM messages") }

	type probe struct {
		name string
		send func(path string) (*http.Response, string)
	}
	get := probe{"page", func(p string) (*http.Response, string) { return g.get(p, false) }}
	frag := probe{"htmx", func(p string) (*http.Response, string) { return g.get(p, true) }}
	reply := probe{"reply", func(p string) (*http.Response, string) {
		return g.multipart(p, [][2]string{{"body", "mine now"}}, []upload{{"x.txt", []byte("x")}}, false)
	}}
	replyHX := probe{"reply htmx", func(p string) (*http.Response, string) {
		return g.multipart(p, [][2]string{{"body", "mine now"}}, nil, true)
	}}
	groups := []struct {
		probe   probe
		foreign []string // someone else's
		missing []string // nobody's
	}{
		{get, []string{"/portal/tickets/22", "/portal/tickets/26", "/portal/tickets/16"}, []string{"/portal/tickets/99999", "/portal/tickets/0", "/portal/tickets/-1", "/portal/tickets/abc", "/portal/tickets/22.0", "/portal/tickets/9223372036854775808"}},
		{frag, []string{"/portal/tickets/22"}, []string{"/portal/tickets/99999"}},
		{get, []string{fmt.Sprintf("/portal/attachments/%d", shot), fmt.Sprintf("/portal/attachments/%d", log)}, []string{"/portal/attachments/99999", "/portal/attachments/x"}},
		{reply, []string{"/portal/tickets/22/replies", "/portal/tickets/26/replies"}, []string{"/portal/tickets/99999/replies", "/portal/tickets/abc/replies"}},
		{replyHX, []string{"/portal/tickets/22/replies"}, []string{"/portal/tickets/99999/replies"}},
	}
	before := messages()
	for _, gr := range groups {
		t.Run(gr.probe.name, func(t *testing.T) {
			_, want := gr.probe.send(gr.missing[0])
			for _, p := range append(gr.foreign, gr.missing...) {
				res, body := gr.probe.send(p)
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404", p, res.StatusCode)
				}
				if h1(body) != h1(want) || len(body) < len(want)-64 || len(body) > len(want)+64 {
					t.Errorf("%s: heading %q, %d bytes; a missing ticket has %q, %d bytes", p, h1(body), len(body), h1(want), len(want))
				}
				for _, leak := range []string{"Printer", "E42", "screenshot", "VPN", "Acme", "PNG"} {
					if strings.Contains(body, leak) {
						t.Errorf("%s leaks %q", p, leak)
					}
				}
			}
			if gr.probe.name == "page" && h1(want) != "Page not found" {
				t.Errorf("404 heading %q", h1(want))
			}
		})
	}
	if messages() != before {
		t.Error("a reply to someone else's ticket was stored")
	}

	t.Run("search and counts", func(t *testing.T) {
		for _, q := range []string{"22", "#22", "26", "Printer", "E42", "VPN", "Madrid"} {
			_, body := g.get("/portal/tickets?status=all&view=org&q="+url.QueryEscape(q), true)
			if ids := rowIDs(body); len(ids) != 0 {
				t.Errorf("q=%s finds %v", q, ids)
			}
			if !strings.Contains(body, "0 tickets found") || !strings.Contains(body, `<span>0</span>`) {
				t.Errorf("q=%s: counts are not zero", q)
			}
		}
		_, body := g.get("/portal/tickets?status=all&view=org", false)
		for _, id := range rowIDs(body) {
			if !containsID([]int64{3, 8, 15, 20, 24, 27, 37}, id) {
				t.Errorf("Gina sees #%d", id)
			}
		}
		if n := len(rowIDs(body)); n != 7 {
			t.Errorf("Gina sees %d tickets, want 7", n)
		}
	})
}

// Every route behind the login sends an anonymous visitor to it: a 303
// with next for a page, HX-Redirect for htmx (never a login page inside a
// fragment).
func TestAnonymous(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	shot := h.attachmentID("screenshot.png")
	gets := []string{"/portal/tickets", "/portal/tickets?status=closed&q=x", "/portal/tickets/22", "/portal/tickets/99999",
		"/portal/tickets/new", fmt.Sprintf("/portal/attachments/%d", shot)}
	for _, p := range gets {
		c := h.client()
		res, body := c.get(p, false)
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/portal/login" {
			t.Errorf("GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
			continue
		}
		if loc.Query().Get("next") != p {
			t.Errorf("GET %s: next=%q", p, loc.Query().Get("next"))
		}
		if strings.Contains(body, "Printer") || strings.Contains(body, "PNG") {
			t.Errorf("GET %s leaks content", p)
		}
		// htmx: HX-Redirect back to the page the visitor was on.
		res, body = c.request(http.MethodGet, p, map[string]string{"HX-Request": "true", "HX-Current-URL": "http://portal.example/portal/tickets?status=closed"})
		hx, _ := url.Parse(res.Header.Get("HX-Redirect"))
		if res.StatusCode != http.StatusNoContent || hx == nil || hx.Path != "/portal/login" || hx.Query().Get("next") != "/portal/tickets?status=closed" {
			t.Errorf("htmx GET %s: %d, HX-Redirect %q", p, res.StatusCode, res.Header.Get("HX-Redirect"))
		}
		if strings.TrimSpace(body) != "" {
			t.Errorf("htmx GET %s: body %.80q", p, body)
		}
		// An off-site HX-Current-URL does not become the next page.
		res, _ = c.request(http.MethodGet, p, map[string]string{"HX-Request": "true", "HX-Current-URL": "//evil.example/x"})
		if hx, _ := url.Parse(res.Header.Get("HX-Redirect")); hx == nil || strings.Contains(hx.Query().Get("next"), "evil") {
			t.Errorf("htmx GET %s with an evil current URL: %q", p, res.Header.Get("HX-Redirect"))
		}
	}

	posts := []string{"/portal/tickets", "/portal/tickets/22/replies", "/portal/tickets/99999/replies"}
	for _, p := range posts {
		// With the anonymous session's CSRF token: straight to login.
		c := h.client()
		c.get("/portal/login", false)
		before := h.count("SELECT count(*) FROM messages")
		res, _ := c.multipart(p, [][2]string{{"body", "anon"}, {"subject", "anon"}, {"description", "anon"}}, nil, false)
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/portal/login") {
			t.Errorf("POST %s: %d to %q", p, res.StatusCode, loc)
		}
		res, body := c.multipart(p, [][2]string{{"body", "anon"}}, nil, true)
		if res.StatusCode != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/portal/login") || strings.TrimSpace(body) != "" {
			t.Errorf("htmx POST %s: %d, HX-Redirect %q", p, res.StatusCode, res.Header.Get("HX-Redirect"))
		}
		// Without any session or token: refused as well.
		fresh := h.client()
		if res, _ := fresh.multipart(p, [][2]string{{"body", "anon"}}, nil, false); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusSeeOther {
			t.Errorf("POST %s without a session: %d", p, res.StatusCode)
		}
		if h.count("SELECT count(*) FROM messages") != before {
			t.Errorf("POST %s stored a message", p)
		}
	}

	// Attachments are never plain static files.
	c := h.client()
	for _, p := range []string{"/static/../app/demo/demo.go", "/static/css/../../go.mod", "/static/attachments/1", "/static/screenshot.png", "/attachments/1"} {
		res, body := c.get(p, false)
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "package") || strings.Contains(body, "module portico") {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
}

// Every state change needs the session's token, as a field or a header.
func TestCSRF(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	other := h.client()
	other.as(ben)
	anon := h.client()
	anon.get("/portal/login", false)
	messages := func() int { return h.count("SELECT count(*) FROM messages WHERE ticket_id = 22") }

	send := func(token, header string, htmx bool) *http.Response {
		form := url.Values{"body": {"csrf probe"}}
		if token != "" {
			form.Set(core.CSRFField, token)
		}
		req := httptest.NewRequest(http.MethodPost, "/portal/tickets/22/replies", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			req.Header.Set(core.CSRFHeader, header)
		}
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		res, _ := c.do(req)
		return res
	}
	mine := c.csrf
	refused := []struct{ name, field, header string }{
		{"none", "", ""},
		{"wrong", "not-the-token", ""},
		{"empty header", "", " "},
		{"another session's", other.csrf, ""},
		{"another session's, as header", "", other.csrf},
		{"anonymous session's", anon.csrf, ""},
		{"truncated", mine[:len(mine)-1], ""},
		{"wrong header beats right field", mine, "wrong"},
	}
	before := messages()
	for _, tc := range refused {
		for _, htmx := range []bool{false, true} {
			if res := send(tc.field, tc.header, htmx); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s (htmx=%v): status %d, want 403", tc.name, htmx, res.StatusCode)
			}
		}
	}
	// The right token only in the query string is refused, for a plain
	// form and a multipart one: it would leak into logs and Referer.
	for _, multi := range []bool{false, true} {
		var req *http.Request
		if multi {
			req = c.multipartRequest("/portal/tickets/22/replies", [][2]string{{core.CSRFField, ""}, {"body", "csrf probe"}}, nil, false)
		} else {
			req = httptest.NewRequest(http.MethodPost, "/portal/tickets/22/replies", strings.NewReader("body=csrf+probe"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.URL.RawQuery = url.Values{core.CSRFField: {mine}}.Encode()
		req.RequestURI = req.URL.RequestURI()
		if res, _ := c.do(req); res.StatusCode != http.StatusForbidden {
			t.Errorf("token in the query string (multipart=%v): status %d, want 403", multi, res.StatusCode)
		}
	}
	if messages() != before {
		t.Fatal("a reply without a valid token was stored")
	}
	if res := send("", mine, true); res.StatusCode != http.StatusOK {
		t.Errorf("X-CSRF-Token header: status %d", res.StatusCode)
	}
	if res := send(mine, "", false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("_csrf field: status %d", res.StatusCode)
	}
	if messages() != before+2 {
		t.Errorf("%d replies stored, want 2", messages()-before)
	}
	// The layout hands htmx the token for every request.
	_, body := c.get("/portal/tickets", false)
	if !strings.Contains(body, `hx-headers="{&#34;X-CSRF-Token&#34;: &#34;`+mine+`&#34;}"`) &&
		!strings.Contains(body, `hx-headers='{"X-CSRF-Token": "`+mine+`"}'`) {
		t.Error("the layout does not hand the CSRF token to htmx")
	}
	// Logout and the language switch are state changes too.
	for _, p := range []string{"/portal/logout", "/portal/language", "/portal/login", "/portal/register"} {
		res, _ := c.post(p, url.Values{core.CSRFField: {"bad"}, "lang": {"es"}}, false)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with a bad token: %d", p, res.StatusCode)
		}
	}
	if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Error("a refused logout logged Ana out")
	}
	// No GET changes state.
	if res, _ := c.get("/portal/logout", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /portal/logout: %d", res.StatusCode)
	}
	if res, _ := c.get("/portal/language?lang=es", false); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /portal/language: %d", res.StatusCode)
	}
}
