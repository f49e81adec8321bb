package web

import (
	"bytes"
	"context"
	"html"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/admin"
	"portico/app/web/core"
)

// Helpers shared by the portal tests, on top of harness_test.go.

// demoDB is a freshly migrated database with the demo data, built once per
// test binary and kept as bytes: loading the demo takes most of a
// harness's time under -race, and every copy is the same fresh database.
var demoDB struct {
	once sync.Once
	data []byte
	err  error
}

// newPortal is newHarness on a copy of demoDB.
func newPortal(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	migrations := testutil.Migrations(t)
	demoDB.once.Do(func() { demoDB.data, demoDB.err = buildDemoDB(migrations) })
	if demoDB.err != nil {
		t.Fatal(demoDB.err)
	}
	path := filepath.Join(t.TempDir(), "portico.db")
	if err := os.WriteFile(path, demoDB.data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newHarnessOn(t, st, opts...)
}

func buildDemoDB(migrations fs.FS) ([]byte, error) {
	dir, err := os.MkdirTemp("", "portico-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "portico.db")
	st, err := store.OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if _, err := st.Migrate(ctx, migrations); err != nil {
		st.Close()
		return nil, err
	}
	if err := demo.Load(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	// Fold the write-ahead log into the file before copying it.
	if _, err := st.DB.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// withLog sends the server's log to l, for tests that read it.
func withLog(l *slog.Logger) harnessOpt {
	return func(d *Deps) { d.Log = l }
}

// as logs a contact in without the password form: it stores a session the
// way a login does and sets the cookie. Tests of the login itself use
// login; everything else uses this, because argon2 is slow under -race.
func (c *client) as(email string) {
	c.h.t.Helper()
	ctx := context.Background()
	ct, err := store.ContactByEmail(ctx, c.h.st.DB, email)
	if err != nil {
		c.h.t.Fatalf("contact %s: %v", email, err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	se := &auth.Session{Kind: auth.KindContact, AccountID: ct.ID, CreatedAt: now, LastSeen: now}
	if err := c.h.srv.Sessions.Put(ctx, sid, se, time.Hour); err != nil {
		c.h.t.Fatal(err)
	}
	c.cookies[core.SessionCookie] = sid
	c.csrf = ""
	if res, _ := c.get("/portal/tickets/new", false); res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("session for %s: status %d", email, res.StatusCode)
	}
	if c.csrf == "" {
		c.h.t.Fatal("no CSRF token on the support form")
	}
}

// sid is the client's session cookie.
func (c *client) sid() string { return c.cookies[core.SessionCookie] }

// upload is one file of a multipart form.
type upload struct {
	name string
	data []byte
}

// multipart posts a multipart form, like the reply and support forms do.
// The client's CSRF token is sent as the _csrf field unless fields has one.
func (c *client) multipart(path string, fields [][2]string, files []upload, htmx bool) (*http.Response, string) {
	c.h.t.Helper()
	return c.do(c.multipartRequest(path, fields, files, htmx))
}

// multipartRequest builds the request multipart sends, with the client's
// cookies, for tests that send it themselves.
func (c *client) multipartRequest(path string, fields [][2]string, files []upload, htmx bool) *http.Request {
	c.h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	hasCSRF := false
	for _, f := range fields {
		hasCSRF = hasCSRF || f[0] == core.CSRFField
	}
	if !hasCSRF && c.csrf != "" {
		_ = w.WriteField(core.CSRFField, c.csrf)
	}
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("attachments", f.name)
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
	return req
}

// request sends a request with extra headers.
func (c *client) request(method, path string, headers map[string]string) (*http.Response, string) {
	c.h.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

func (h *harness) contactID(email string) int64 {
	h.t.Helper()
	ct, err := store.ContactByEmail(context.Background(), h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	return ct.ID
}

// exec runs SQL on the harness database.
func (h *harness) exec(query string, args ...any) {
	h.t.Helper()
	if _, err := h.st.DB.ExecContext(context.Background(), query, args...); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
}

// count runs a SELECT count(*) and returns the number.
func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.st.DB.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// updateSettings changes the portal settings as an admin would.
func (h *harness) updateSettings(change func(*model.PortalSettings)) {
	h.t.Helper()
	ctx := context.Background()
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	change(&st)
	if _, err := store.SaveSettings(ctx, h.st.DB, st); err != nil {
		h.t.Fatal(err)
	}
}

// attachmentID finds a demo attachment by file name.
func (h *harness) attachmentID(filename string) int64 {
	h.t.Helper()
	var id int64
	err := h.st.DB.QueryRowContext(context.Background(),
		"SELECT id FROM attachments WHERE filename = ? ORDER BY id LIMIT 1", filename).Scan(&id)
	if err != nil {
		h.t.Fatalf("attachment %s: %v", filename, err)
	}
	return id
}

var (
	h1Re        = regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`)
	tagRe       = regexp.MustCompile(`<[^>]+>`)
	rowRe       = regexp.MustCompile(`<td[^>]*><a href="/portal/tickets/(\d+)"`)
	errorTextRe = regexp.MustCompile(`(?s)<p id="([a-z_]+)-error"[^>]*>(.*?)</p>`)
)

// h1 is the text of the page's main heading.
func h1(body string) string {
	m := h1Re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(m[1], " "))), " ")
}

// rowIDs lists the ticket IDs of a ticket list, in order.
func rowIDs(body string) []int64 {
	var out []int64
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// fieldErrors maps each field shown with an error to the error's text.
func fieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range errorTextRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(m[2], " "))), " ")
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Demo accounts, short.
const (
	ana   = demo.AnaEmail
	ben   = demo.BenEmail
	gina  = demo.GinaEmail
	carla = demo.CarlaEmail
)

// recItoa writes a record's ID as it shows in URLs.
func recItoa(id int64) string { return strconv.FormatInt(id, 10) }

// settingsSections are the sections of /admin/portal, in page order.
var settingsSections = admin.SettingsSections
