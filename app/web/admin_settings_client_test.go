package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"portico/app/auth"
	"portico/app/demo"
	"portico/app/store"
	"portico/app/web/core"
	"strings"
	"testing"
	"time"
)

// admRun runs the subtests one after the other on one server, each from
// the demo settings.
func admRun(t *testing.T, h *harness, tests []struct {
	name string
	run  func(*testing.T, *harness)
}) {
	base := h.admState().s
	for _, tc := range tests {
		if _, err := store.SaveSettings(context.Background(), h.st.DB, base); err != nil {
			t.Fatal(err)
		}
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h.admIn(t)) })
	}
}

// admIn is the harness for a subtest: the same server, with failures
// reported to the subtest.
func (h *harness) admIn(t *testing.T) *harness {
	x := *h
	x.t = t
	return &x
}

// admIn is the same browser, its failures reported through h.
func (c *client) admIn(h *harness) *client {
	x := *c
	x.h = h
	return &x
}

// admLogin logs a demo staff user in through the back-office login form.
// The client then sends the new session's CSRF token with its posts.
func (c *client) admLogin(email string) {
	c.h.t.Helper()
	if res, _ := c.get("/admin/login", false); res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("GET /admin/login: status %d", res.StatusCode)
	}
	if c.csrf == "" {
		c.h.t.Fatal("no CSRF token on the staff login page")
	}
	old := c.cookies[core.StaffCookie]
	res, _ := c.post("/admin/login", url.Values{"email": {email}, "password": {demo.Password}}, false)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/") {
		c.h.t.Fatalf("staff login %s: status %d, Location %q", email, res.StatusCode, res.Header.Get("Location"))
	}
	if c.cookies[core.StaffCookie] == old {
		c.h.t.Fatal("staff session ID not replaced at login")
	}
	c.csrf = c.admToken()
}

// admAs gives a browser a staff session the way the login does, without
// the password check: argon2 is slow under -race, and admLogin tests it.
func (h *harness) admAs(email string) *client {
	h.t.Helper()
	ctx := context.Background()
	u, err := store.StaffByEmail(ctx, h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	if err := h.srv.Sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindStaff, AccountID: u.ID, CreatedAt: now, LastSeen: now}, time.Hour); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	c.cookies[core.StaffCookie] = sid
	c.csrf = c.admToken()
	return c
}

// admToken is the CSRF token of the client's staff session, as the
// back-office pages show it.
func (c *client) admToken() string { return c.h.srv.CSRFFor(c.cookies[core.StaffCookie]) }

// admin returns a browser with a session of the demo admin.
func (h *harness) admin() *client {
	h.t.Helper()
	return h.admAs(demo.AdminEmail)
}

// admPost posts a section form with the staff session's CSRF token.
func (c *client) admPost(path string, form url.Values, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = append([]string(nil), v...)
	}
	if _, ok := f[core.CSRFField]; !ok {
		f.Set(core.CSRFField, c.admToken())
	}
	return c.post(path, f, htmx)
}

// admRaw posts a form exactly as given: no CSRF token is added.
func (c *client) admRaw(path string, form url.Values, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// admFile is one file field of a multipart form.
type admFile struct {
	field, name string
	data        []byte
}

// admMultipart posts a multipart form, as the branding section does, with
// the staff session's CSRF token.
func (c *client) admMultipart(path string, fields [][2]string, files []admFile, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField(core.CSRFField, c.admToken())
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			c.h.t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	if err := w.Close(); err != nil {
		c.h.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}
