package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// recStaff logs a demo staff user in through the back-office login form,
// then loads a page to pick up the new session's CSRF token.
func (h *harness) recStaff(email string) *client {
	h.t.Helper()
	c := h.client()
	if res, _ := c.get("/admin/login", false); res.StatusCode != http.StatusOK || c.csrf == "" {
		h.t.Fatalf("GET /admin/login: %d, token %q", res.StatusCode, c.csrf)
	}
	res, _ := c.post("/admin/login", url.Values{"email": {email}, "password": {demo.Password}}, false)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.HasPrefix(loc, "/admin/login") {
		h.t.Fatalf("staff login %s: %d, Location %q", email, res.StatusCode, loc)
	}
	c.csrf = ""
	if res, _ := c.get("/admin/contacts", false); res.StatusCode != http.StatusOK || c.csrf == "" {
		h.t.Fatalf("after login: %d, token %q", res.StatusCode, c.csrf)
	}
	return c
}

func recVals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func (h *harness) recCount(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (h *harness) recInt(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (h *harness) recContact(email string) *model.Contact {
	h.t.Helper()
	c, err := store.ContactByEmail(context.Background(), h.st.DB, email)
	if err != nil {
		h.t.Fatalf("contact %s: %v", email, err)
	}
	return c
}

// recAudits returns the audit entries of an action on a target, oldest first.
func (h *harness) recAudits(action, target string) []model.AuditEntry {
	h.t.Helper()
	var out []model.AuditEntry
	err := h.st.DB.NewSelect().Model(&out).Where("action = ?", action).Where("target = ?", target).
		Order("id").Scan(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// recLastAudit is the newest audit entry of an action, by staff.
func (h *harness) recLastAudit(action string) model.AuditEntry {
	h.t.Helper()
	var e model.AuditEntry
	err := h.st.DB.NewSelect().Model(&e).Where("action = ?", action).Order("id DESC").Limit(1).Scan(context.Background())
	if err != nil {
		h.t.Fatalf("no audit entry %s: %v", action, err)
	}
	if e.ActorType != "staff" || e.ActorID == nil {
		h.t.Fatalf("audit %s not by staff: %+v", action, e)
	}
	return e
}

var recTagRe = regexp.MustCompile(`<[^>]+>`)

func recText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(recTagRe.ReplaceAllString(s, " "))), " ")
}

// recFieldError is the text of the error shown at a field, by its id.
func recFieldError(body, id string) string {
	re := regexp.MustCompile(`(?s)<p id="` + regexp.QuoteMeta(id) + `-error"[^>]*>(.*?)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return recText(m[1])
}

// recInvalid checks that a field is marked invalid and shows want.
func recInvalid(t *testing.T, body, id, want string) {
	t.Helper()
	if got := recFieldError(body, id); !strings.Contains(got, want) {
		t.Errorf("field %s: error %q, want %q", id, got, want)
	}
	tag := regexp.MustCompile(`<(input|select|textarea)[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, id+"-error") {
		t.Errorf("field %s is not marked invalid: %s", id, tag)
	}
}

// recValue is the value of an input, by its id.
func recValue(body, id string) string {
	tag := regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
	m := regexp.MustCompile(`\bvalue="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// recSelected is the selected option's value of a select, by its id.
func recSelected(body, id string) string {
	sel := regexp.MustCompile(`(?s)<select[^>]*\bid="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(body)
	m := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(sel)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func recT(h *harness, key string, args ...any) string { return h.admT(key, args...) }

// recFragment checks that an htmx answer is a fragment, not a page.
func recFragment(t *testing.T, body, id string) {
	t.Helper()
	if strings.Contains(body, "<html") || !strings.Contains(body, `id="`+id+`"`) {
		t.Errorf("not the %s fragment: %.200s", id, body)
	}
}

func recWant(t *testing.T, what string, res *http.Response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d", what, res.StatusCode, want)
	}
}

func recLocation(t *testing.T, what string, res *http.Response, prefix string) string {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s: %d to %q, want 303 to %s…", what, res.StatusCode, loc, prefix)
	}
	return loc
}

func recIDFrom(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	s := strings.TrimPrefix(loc, prefix)
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("no ID in %q", loc)
	}
	return id
}
