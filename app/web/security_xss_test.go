package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"portico/app/model"
	"regexp"
	"strings"
	"testing"
)

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
		{"description", xssHX + "\n" + xssJS}, {"custom_product", "Portico API"}, {"category", "technical"}},
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
	h.drainJobs() // the account is made by the worker
	r.get("/portal/login", false)
	if res, _ := r.post("/portal/login", url.Values{"email": {"mallory@example.net"}, "password": {"a long enough passphrase"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login after registering: %d", res.StatusCode)
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
		s.Menu = append(s.Menu, model.MenuItem{Label: model.Text{"en": xssImg, "es": xssImg}, URL: "javascript:alert(1)"})
		s.Title = model.PlainText(xssImg)
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
