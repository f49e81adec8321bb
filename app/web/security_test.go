package web

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"portico/app/auth"
	"portico/app/model"
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
			if !strings.Contains(body, "0 tickets found") || !strings.Contains(body, `<span class="tabular-nums opacity-70">0</span>`) {
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

const (
	xssImg  = `"><img src=x onerror=alert(1)>`
	xssJS   = `javascript:alert(1)`
	xssHX   = `<b hx-get="/x" hx-on:click="alert(1)">hx</b>`
	xssFile = `"><svg onload=alert(1)>.html`
)

// rawXSS are the strings that must never appear unescaped.
var rawXSS = []string{"<img src=x", "<svg onload", `hx-get="/x"`, `hx-on:click="alert`, "<b hx-", `href="javascript:`, `src="javascript:`}

func assertInert(t *testing.T, where, body string) {
	t.Helper()
	for _, raw := range rawXSS {
		if strings.Contains(body, raw) {
			t.Errorf("%s: raw %q", where, raw)
		}
	}
}

// Markup typed by a customer is shown as text everywhere.
func TestXSS(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)

	// A ticket through the support form, with a hostile file name.
	res, body := c.get("/portal/tickets/new", false)
	key := keyRe.FindStringSubmatch(body)[1]
	subject := xssImg + " " + xssJS
	res, _ = c.multipart("/portal/tickets", [][2]string{{"idempotency_key", key}, {"subject", subject},
		{"description", xssHX + "\n" + xssJS}, {"custom_product", xssImg}, {"category", xssHX}},
		[]upload{{xssFile, []byte("<html><script>alert(1)</script></html>")}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	page := strings.Split(res.Header.Get("Location"), "?")[0]
	// A reply with the same.
	res, _ = c.multipart(page+"/replies", [][2]string{{"body", xssImg + "\n" + xssHX}}, []upload{{xssFile, []byte("<svg onload=alert(1)>")}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	// A registration with a hostile name.
	r := h.client()
	r.get("/portal/register", false)
	res, _ = r.post("/portal/register", url.Values{"name": {xssImg + xssHX}, "email": {"mallory@example.net"},
		"password": {"a long enough passphrase"}, "consent": {"yes"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", res.StatusCode)
	}

	checks := []struct {
		name  string
		c     *client
		path  string
		htmx  bool
		shown string // escaped form that must be there
	}{
		{"list", c, "/portal/tickets", false, "&lt;img src=x onerror=alert(1)&gt;"},
		{"list fragment", c, "/portal/tickets", true, "&lt;img src=x onerror=alert(1)&gt;"},
		{"ticket", c, page, false, "&lt;img src=x onerror=alert(1)&gt;"},
		{"ticket file name", c, page, false, "&lt;svg onload=alert(1)&gt;.html"},
		{"ticket hx attrs", c, page, false, "&lt;b hx-get=&#34;/x&#34;"},
		{"search echo", c, "/portal/tickets?q=" + url.QueryEscape(xssImg+xssHX), false, "&lt;img src=x"},
		{"search echo fragment", c, "/portal/tickets?q=" + url.QueryEscape(xssImg+xssHX), true, "&lt;img src=x"},
		{"registered name", r, "/portal/tickets", false, "&lt;img src=x"},
		{"login next", h.client(), "/portal/login?next=" + url.QueryEscape("/portal/"+xssImg), false, ""},
	}
	for _, ck := range checks {
		res, body := ck.c.get(ck.path, ck.htmx)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", ck.name, res.StatusCode)
		}
		assertInert(t, ck.name, body)
		if ck.shown != "" && !strings.Contains(body, ck.shown) {
			t.Errorf("%s: escaped text %q not shown", ck.name, ck.shown)
		}
	}

	// The title bar of the ticket page is escaped too.
	_, body = c.get(page, false)
	if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(body); m == nil || !strings.Contains(m[1], "&lt;img") {
		t.Errorf("title: %v", m)
	}

	// Settings texts are escaped too: a menu link cannot run script, and
	// colours cannot break out of the stylesheet.
	h.updateSettings(func(s *model.PortalSettings) {
		s.Menu = append(s.Menu, model.MenuItem{Label: xssImg, URL: "javascript:alert(1)"})
		s.Title = xssImg
		s.PrimaryColor = "#fff;}body{background:url(//evil.example)}"
		s.AccentColor = "</style><script>alert(1)</script>"
	})
	_, body = c.get("/portal/tickets", false)
	assertInert(t, "menu", body)
	_, css := c.get("/portal/theme.css", false)
	if strings.Count(css, "}") != 1 || strings.ContainsAny(css, "<>") || strings.Contains(css, "evil") {
		t.Errorf("theme.css: %q", css)
	}
}

// Protective headers on pages, fragments, errors and downloads.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	pages := []struct {
		path    string
		htmx    bool
		noStore bool
	}{
		{"/portal/login", false, true},
		{"/portal/tickets", false, true},
		{"/portal/tickets", true, true},
		{"/portal/tickets/22", false, true},
		{"/portal/tickets/new", false, true},
		{"/portal/tickets/99999", false, true},
		{"/nowhere", false, false},
		{"/static/css/app.css", false, false},
		{"/healthz", false, false},
	}
	for _, p := range pages {
		res, body := c.get(p.path, p.htmx)
		csp := res.Header.Get("Content-Security-Policy")
		for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
			if strings.Contains(csp, bad) {
				t.Errorf("%s: CSP has %s", p.path, bad)
			}
		}
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP lacks %s: %q", p.path, want, csp)
			}
		}
		want := map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
			"X-Frame-Options":        "DENY",
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q", p.path, k, got)
			}
		}
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: CORS header", p.path)
		}
		if got := res.Header.Get("Cache-Control"); p.noStore && got != "no-store" {
			t.Errorf("%s: Cache-Control %q", p.path, got)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", p.path)
		}
		if strings.Contains(body, "<script>") || regexp.MustCompile(`<script(?:\s[^>]*)?>[^<\s]`).MatchString(body) || strings.Contains(body, " style=\"") || strings.Contains(body, " onclick=") {
			t.Errorf("%s: inline script or style, which the CSP would block", p.path)
		}
	}

	// A cross-origin request gets no CORS grant.
	res, _ := c.request(http.MethodGet, "/portal/tickets", map[string]string{"Origin": "https://evil.example"})
	if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("CORS reflected")
	}

	t.Run("htmx config", func(t *testing.T) {
		_, body := c.get("/portal/tickets", false)
		m := regexp.MustCompile(`<meta name="htmx-config" content='([^']*)'`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no htmx-config meta")
		}
		for _, want := range []string{`"allowEval":false`, `"allowScriptTags":false`, `"selfRequestsOnly":true`, `"includeIndicatorStyles":false`, `"historyCacheSize":0`} {
			if !strings.Contains(m[1], want) {
				t.Errorf("htmx config lacks %s", want)
			}
		}
	})

	t.Run("attachment download", func(t *testing.T) {
		// An HTML file and a PNG, uploaded by Ana.
		res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "files"}},
			[]upload{{`"><svg onload=alert(1)>.html`, []byte("<!doctype html><html><script>alert(document.cookie)</script></html>")},
				{"résumé final.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}}, false)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		htmlID := h.count("SELECT id FROM attachments WHERE filename LIKE '%.html'")
		svgID := h.count("SELECT id FROM attachments WHERE filename LIKE '%.svg'")
		pngID := int(h.attachmentID("screenshot.png"))
		cases := []struct {
			id          int
			query       string
			ctype       string
			disposition string
			filenameExt string
		}{
			{htmlID, "", "application/octet-stream", "attachment", `filename*=UTF-8''%22%3E%3Csvg%20onload%3Dalert%281%29%3E.html`},
			{htmlID, "?inline=1", "application/octet-stream", "attachment", ""},
			{svgID, "?inline=1", "application/octet-stream", "attachment", `filename*=UTF-8''r%C3%A9sum%C3%A9%20final.svg`},
			{pngID, "", "image/png", "attachment", `filename*=UTF-8''screenshot.png`},
			{pngID, "?inline=1", "image/png", "inline", ""},
		}
		for _, tc := range cases {
			res, body := c.get(fmt.Sprintf("/portal/attachments/%d%s", tc.id, tc.query), false)
			if res.StatusCode != http.StatusOK {
				t.Errorf("#%d%s: %d", tc.id, tc.query, res.StatusCode)
				continue
			}
			cd := res.Header.Get("Content-Disposition")
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("#%d%s: Content-Type %q, want %q", tc.id, tc.query, got, tc.ctype)
			}
			if !strings.HasPrefix(cd, tc.disposition+";") {
				t.Errorf("#%d%s: Content-Disposition %q", tc.id, tc.query, cd)
			}
			if !strings.Contains(cd, "filename*=UTF-8''") || (tc.filenameExt != "" && !strings.Contains(cd, tc.filenameExt)) {
				t.Errorf("#%d%s: Content-Disposition %q, want %s", tc.id, tc.query, cd, tc.filenameExt)
			}
			// The ASCII fallback is a clean quoted string, with no quote or
			// CR/LF breaking out of it.
			if m := regexp.MustCompile(`filename=("(?:[^"\\]|\\.)*"|[^;\s]+)`).FindStringSubmatch(cd); m == nil || strings.ContainsAny(cd, "\r\n") {
				t.Errorf("#%d%s: no clean filename= in %q", tc.id, tc.query, cd)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("#%d: nosniff %q", tc.id, got)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("#%d: CSP %q", tc.id, csp)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("#%d: Cache-Control %q", tc.id, cc)
			}
			if tc.ctype == "image/png" && !bytes.HasPrefix([]byte(body), []byte("\x89PNG")) {
				t.Errorf("#%d: not the PNG bytes", tc.id)
			}
		}
	})
}

// After login, only same-origin relative paths are followed.
func TestRedirectAfterLogin(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	cases := []struct{ next, want string }{
		{"//evil.com", "/portal/tickets"},
		{`/\evil.com`, "/portal/tickets"},
		{"javascript:alert(1)", "/portal/tickets"},
		{"https://evil.com", "/portal/tickets"},
		{"/\tevil.com", "/portal/tickets"},
		{"", "/portal/tickets"},
		{"/portal/tickets/22", "/portal/tickets/22"},
		{"/portal/tickets?status=closed&q=invoice", "/portal/tickets?status=closed&q=invoice"},
	}
	for _, tc := range cases {
		c := h.client()
		c.get("/portal/login?next="+url.QueryEscape(tc.next), false)
		res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}, "next": {tc.next}}, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("next=%q: %d to %q, want %q", tc.next, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
		// Already logged in, the login page sends the visitor on, under the
		// same rule.
		res, _ = c.get("/portal/login?next="+url.QueryEscape(tc.next), false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("logged in, next=%q: %d to %q", tc.next, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The login form carries only a safe next.
	_, body := h.client().get("/portal/login?next="+url.QueryEscape("//evil.com"), false)
	if !strings.Contains(body, `name="next" value=""`) {
		t.Error("the login form carries an unsafe next")
	}
	_, body = h.client().get("/portal/login?next="+url.QueryEscape("/portal/tickets/22"), false)
	if !strings.Contains(body, `name="next" value="/portal/tickets/22"`) {
		t.Error("the login form drops a safe next")
	}
}

// A wrong password and an unknown email get the same answer; many attempts
// are refused.
func TestLoginAnswersAndRateLimit(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.get("/portal/login", false)
	try := func(email, pw string) (*http.Response, string) {
		return c.post("/portal/login", url.Values{"email": {email}, "password": {pw}}, false)
	}
	res1, wrong := try(ana, "not-the-password")
	res2, unknown := try("nobody@acme.example", "not-the-password")
	if res1.StatusCode != http.StatusUnprocessableEntity || res1.StatusCode != res2.StatusCode {
		t.Fatalf("statuses %d and %d", res1.StatusCode, res2.StatusCode)
	}
	errRe := regexp.MustCompile(`id="form-error">([^<]*)<`)
	e1, e2 := errRe.FindStringSubmatch(wrong), errRe.FindStringSubmatch(unknown)
	if e1 == nil || e2 == nil || e1[1] != e2[1] {
		t.Errorf("errors %v and %v", e1, e2)
	}
	// The pages differ only in the email typed.
	if strings.ReplaceAll(wrong, ana, "EMAIL") != strings.ReplaceAll(unknown, "nobody@acme.example", "EMAIL") {
		t.Error("the answers for a wrong password and an unknown email differ")
	}
	if strings.Contains(wrong, "not-the-password") {
		t.Error("the password is echoed")
	}
	// A disabled account answers the same, even with the right password.
	h.exec("UPDATE contacts SET disabled = true WHERE email = ?", carla)
	res3, disabled := try(carla, "portico-demo")
	if res3.StatusCode != res1.StatusCode || strings.ReplaceAll(disabled, carla, "EMAIL") != strings.ReplaceAll(wrong, ana, "EMAIL") {
		t.Error("a disabled account answers differently")
	}

	// Per account: 10 attempts per 15 minutes (one is used above). The
	// email's case and spaces don't make it another account.
	got429 := false
	for i := 0; i < 10 && !got429; i++ {
		email := ana
		if i%2 == 1 {
			email = " " + strings.ToUpper(ana) + " "
		}
		res, body := try(email, fmt.Sprintf("guess-%d", i))
		if res.StatusCode == http.StatusTooManyRequests {
			got429 = true
			if res.Header.Get("Retry-After") == "" || h1(body) != "Too many attempts" {
				t.Errorf("429 without Retry-After or explanation: %q", h1(body))
			}
		}
	}
	if !got429 {
		t.Fatal("no 429 after 11 attempts on one account")
	}
	// Even the right password is refused now.
	if res, _ := try(ana, "portico-demo"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: %d", res.StatusCode)
	}
	// Per IP: unknown accounts run into the address limit, and a forged
	// X-Forwarded-For (no proxy is trusted) does not get around it.
	got429 = false
	for i := 0; i < 25 && !got429; i++ {
		form := url.Values{"email": {fmt.Sprintf("nobody%d@example.com", i)}, "password": {"x-password"}, core.CSRFField: {c.csrf}}
		req := httptest.NewRequest(http.MethodPost, "/portal/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", i))
		res, _ := c.do(req)
		got429 = res.StatusCode == http.StatusTooManyRequests
	}
	if !got429 {
		t.Error("no 429 from one address trying many accounts")
	}
}

// A panic in a handler answers the generic error page; the log has the
// detail.
func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := newPortal(t, withLog(slog.New(slog.NewTextHandler(&logs, nil))))
	s := h.srv
	// Routes can't be added in front of the server's catch-all, so build a
	// small app with the server's middleware, views and error handler.
	app := fiber.New(fiber.Config{Views: s.App().Config().Views, ErrorHandler: s.HandleError})
	app.Use(s.RequestID, s.AccessLog, s.RecoverPanic, s.SecurityHeaders)
	app.Get("/panic-test", func(c *fiber.Ctx) error { panic("boom: db password is hunter2") })
	app.Get("/error-test", func(c *fiber.Ctx) error { return fmt.Errorf("wrapped: secret-detail") })
	for _, p := range []string{"/panic-test", "/error-test"} {
		for _, htmx := range []bool{false, true} {
			req := httptest.NewRequest(http.MethodGet, p, nil)
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			res, err := app.Test(req, -1)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			b, _ := io.ReadAll(res.Body)
			body := string(b)
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("%s: status %d", p, res.StatusCode)
			}
			if !htmx && h1(body) != "Something went wrong" {
				t.Errorf("%s: heading %q", p, h1(body))
			}
			if strings.Contains(body, "hunter2") || strings.Contains(body, "secret-detail") || strings.Contains(body, "goroutine") {
				t.Errorf("%s: the page shows the detail", p)
			}
			if id := res.Header.Get("X-Request-ID"); id == "" || (!htmx && !strings.Contains(body, id)) {
				t.Errorf("%s: the page lacks the request ID %q", p, id)
			}
			if res.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s: no CSP on the error page", p)
			}
		}
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "panic in handler") || !strings.Contains(logs.String(), "secret-detail") {
		t.Error("the log lacks the detail")
	}
	// The server itself still answers.
	if res, _ := h.client().get("/portal/login", false); res.StatusCode != http.StatusOK {
		t.Errorf("after the panics: %d", res.StatusCode)
	}
}

// With Redis unreachable, portal pages answer "try again": never a
// session taken as valid, never a panic.
func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	// No retries, so that each refused request answers at once.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { dead.Close() })
	h := newPortal(t, withSessions(&auth.RedisSessions{Client: dead, Prefix: "x:"},
		&auth.RedisLimiter{Client: dead, Prefix: "x:", Fallback: auth.NewMemoryLimiter()}))
	c := h.client()
	c.cookies[core.SessionCookie] = auth.NewSessionID() // as if logged in earlier
	for _, p := range []string{"/portal/login", "/portal/tickets", "/portal/tickets/22", "/portal/tickets/new", "/portal/register"} {
		for _, htmx := range []bool{false, true} {
			res, body := c.get(p, htmx)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s (htmx=%v): %d, want 503", p, htmx, res.StatusCode)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("%s: no Retry-After", p)
			}
			if !htmx && h1(body) != "Please try again" {
				t.Errorf("%s: heading %q", p, h1(body))
			}
			if strings.Contains(body, "Printer") || strings.Contains(body, "Log out") {
				t.Errorf("%s: content shown", p)
			}
		}
	}
	res, _ := c.post("/portal/login", url.Values{"email": {ana}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login POST: %d", res.StatusCode)
	}
	if res, _ := c.get("/readyz", false); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz: %d", res.StatusCode)
	}
	if res, _ := c.get("/healthz", false); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
}
