package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/store"
	"portico/app/testutil"
)

// harness is a Portico server on a real database with the demo data, driven
// through app.Test.
type harness struct {
	t   testing.TB
	srv *Server
	st  *store.Store
}

type harnessOpt func(*Deps)

// withSessions swaps the session store, e.g. for Redis.
func withSessions(s auth.SessionStore, l auth.Limiter) harnessOpt {
	return func(d *Deps) { d.Sessions, d.Limiter = s, l }
}

// newHarness builds a server on a fresh SQLite database with demo data.
func newHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	return newHarnessOn(t, testutil.SQLite(t), opts...)
}

func newHarnessOn(t testing.TB, st *store.Store, opts ...harnessOpt) *harness {
	t.Helper()
	if err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"--max-upload-size", "1048576", "--max-uploads", "3"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	root := testutil.Root(t)
	d := Deps{
		Config: cfg, Store: st, I18n: bundle,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Secret:   []byte("test-secret-test-secret-test-secret!"),
		Views:    os.DirFS(filepath.Join(root, "views")),
		Static:   os.DirFS(filepath.Join(root, "static")),
		Sessions: auth.NewMemorySessions(),
		Limiter:  auth.NewMemoryLimiter(),
	}
	for _, o := range opts {
		o(&d)
	}
	srv, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, srv: srv, st: st}
}

// client is one browser: it keeps cookies and the page's CSRF token.
type client struct {
	h       *harness
	cookies map[string]string
	csrf    string
}

func (h *harness) client() *client { return &client{h: h, cookies: map[string]string{}} }

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request and records cookies and the CSRF token it sees.
func (c *client) do(req *http.Request) (*http.Response, string) {
	c.h.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.h.srv.App().Test(req, -1)
	if err != nil {
		c.h.t.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		c.cookies[ck.Name] = ck.Value
	}
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	if m := csrfRe.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return res, body
}

// get requests a page; htmx adds the HX-Request header.
func (c *client) get(path string, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// post sends a form with the client's CSRF token.
func (c *client) post(path string, form url.Values, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && c.csrf != "" {
		form.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// login logs a demo contact in and fails the test otherwise.
func (c *client) login(email string) {
	c.h.t.Helper()
	c.get("/portal/login", false)
	res, _ := c.post("/portal/login", url.Values{"email": {email}, "password": {"portico-demo"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		c.h.t.Fatalf("login %s: status %d", email, res.StatusCode)
	}
	c.get("/portal/tickets", false) // picks up the new session's CSRF token
}
