package web

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/admin"
	"portico/app/web/core"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// admState is the stored settings, as JSON, with their version, plus the
// counts of rows a settings save writes.
type admState struct {
	s        model.PortalSettings
	json     string
	version  int64
	audit    int
	consents int
}

func (h *harness) admState() admState {
	h.t.Helper()
	s, v, err := store.Settings(context.Background(), h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		h.t.Fatal(err)
	}
	return admState{s: s, json: string(b), version: v,
		audit:    h.count("SELECT count(*) FROM audit_log"),
		consents: h.count("SELECT count(*) FROM consent_versions")}
}

// admSame fails the test when anything a save writes has changed.
func admSame(t *testing.T, what string, before, after admState) {
	t.Helper()
	if before.json != after.json {
		t.Errorf("%s: settings changed:\nbefore %s\nafter  %s", what, before.json, after.json)
	}
	if before.version != after.version {
		t.Errorf("%s: settings version %d → %d", what, before.version, after.version)
	}
	if before.audit != after.audit {
		t.Errorf("%s: audit rows %d → %d", what, before.audit, after.audit)
	}
	if before.consents != after.consents {
		t.Errorf("%s: consent versions %d → %d", what, before.consents, after.consents)
	}
}

// admSet changes the stored settings directly, as another admin would.
func (h *harness) admSet(change func(*model.PortalSettings)) {
	h.t.Helper()
	s := h.admState().s
	change(&s)
	if _, err := store.SaveSettings(context.Background(), h.st.DB, s); err != nil {
		h.t.Fatal(err)
	}
}

// admLastAudit is the newest audit log entry.
func (h *harness) admLastAudit() model.AuditEntry {
	h.t.Helper()
	var e model.AuditEntry
	if err := h.st.DB.NewSelect().Model(&e).Order("id DESC").Limit(1).Scan(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return e
}

func (h *harness) admStaffID(email string) int64 {
	h.t.Helper()
	u, err := store.StaffByEmail(context.Background(), h.st.DB, email)
	if err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

// admT is an English text of the interface, so that the tests follow
// wording changes.
// A counted message takes its count first and picks its plural form.
func (h *harness) admT(key string, args ...any) string {
	l := h.srv.I18n.Locale("en")
	if len(args) > 0 && l.T(key+".other") != key+".other" {
		return l.N(key, args[0], args[1:]...)
	}
	return l.T(key, args...)
}

// admHas reports whether the page shows the text, as the template escapes it.
func admHas(body, text string) bool {
	return strings.Contains(body, text) || strings.Contains(html.UnescapeString(body), text)
}

var (
	admSectionRe = regexp.MustCompile(`<section id="([a-z_-]+)"`)
	admControlRe = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	admTitleRe   = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	admThemeRe   = regexp.MustCompile(`href="(/portal/theme\.css\?v=[^"]*)"`)
	admHXTokenRe = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)
)

// admFragment checks that the body is the one section alone, not a page.
func admFragment(t *testing.T, body, section string) {
	t.Helper()
	if strings.Contains(body, "<html") {
		t.Errorf("%s: a whole page came back instead of the fragment", section)
	}
	var ids []string
	for _, m := range admSectionRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 1 || ids[0] != section {
		t.Errorf("%s: fragment holds sections %v", section, ids)
	}
}

// admAttr is one attribute's value in a tag, unescaped.
func admAttr(tag, name string) (string, bool) {
	m := regexp.MustCompile(`\s` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// admInvalid checks that the field (a control's id, or the name of a radio
// or checkbox group) is marked invalid and points at its error paragraph,
// which is there.
func admInvalid(t *testing.T, body, field string) {
	t.Helper()
	if !strings.Contains(body, `<p id="`+field+`-error"`) {
		t.Errorf("no error paragraph %s-error", field)
	}
	for _, tag := range admControlRe.FindAllString(body, -1) {
		id, _ := admAttr(tag, "id")
		name, _ := admAttr(tag, "name")
		if id != field && name != field {
			continue
		}
		inv, _ := admAttr(tag, "aria-invalid")
		desc, _ := admAttr(tag, "aria-describedby")
		if inv == "true" && core.Contains(strings.Fields(desc), field+"-error") {
			return
		}
	}
	t.Errorf("field %s is not marked aria-invalid with aria-describedby=%s-error", field, field)
}

// admValue is what a text input or textarea with the id shows.
func admValue(body, id string) (string, bool) {
	if m := regexp.MustCompile(`(?s)<textarea\b[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1]), true
	}
	for _, tag := range admControlRe.FindAllString(body, -1) {
		if v, _ := admAttr(tag, "id"); v == id && strings.HasPrefix(tag, "<input") {
			return admAttr(tag, "value")
		}
	}
	return "", false
}

func admTitle(body string) string {
	m := admTitleRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

// admOwn copies the fields that belong to one section from src to dst.
func admOwn(section string, dst *model.PortalSettings, src model.PortalSettings) {
	switch section {
	case "switch":
		dst.Enabled = src.Enabled
	case "general":
		dst.Title, dst.Slug, dst.BaseURL, dst.Language, dst.Languages = src.Title, src.Slug, src.BaseURL, src.Language, src.Languages
		dst.PreviousSlugs = src.PreviousSlugs
	case "access":
		dst.Access, dst.AccessLists, dst.SSOAccess, dst.SSOLists = src.Access, src.AccessLists, src.SSOAccess, src.SSOLists
	case "pages":
		dst.Pages = src.Pages
	case "consent":
		dst.ConsentVersionID = src.ConsentVersionID
	case "filters":
		dst.Filters = src.Filters
	case "permissions":
		dst.Permission = src.Permission
		dst.MyData = src.MyData // the "Your data" switch sits in this section
	case "inbox":
		dst.DefaultInboxID = src.DefaultInboxID
	case "branding":
		dst.PrimaryColor, dst.AccentColor, dst.Font, dst.ShowStageNames = src.PrimaryColor, src.AccentColor, src.Font, src.ShowStageNames
		dst.LogoURL, dst.FaviconURL, dst.Menu = src.LogoURL, src.FaviconURL, src.Menu
	case "form":
		dst.FormID = src.FormID
	case "sessions":
		dst.IdleTimeoutSec, dst.MaxLifetimeHours = src.IdleTimeoutSec, src.MaxLifetimeHours
	}
}

// admOnlyOwn fails the test when a save of the section changed a field
// that belongs to another section.
func admOnlyOwn(t *testing.T, section string, before, after model.PortalSettings) {
	t.Helper()
	want := admin.CloneSettings(before)
	admOwn(section, &want, after)
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("saving %s changed other sections:\nwant %s\ngot  %s", section, a, b)
	}
}

// admIDs are the demo records the sections refer to.
type admIDs struct {
	list, support, billing, form, supportPipeline int64
}

func (h *harness) admIDs() admIDs {
	h.t.Helper()
	ctx := context.Background()
	var ids admIDs
	lists, err := store.Lists(ctx, h.st.DB)
	if err != nil || len(lists) == 0 {
		h.t.Fatalf("lists: %v %v", lists, err)
	}
	ids.list = lists[0].ID
	inboxes, err := store.Inboxes(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, in := range inboxes {
		switch in.Name {
		case "Support":
			ids.support = in.ID
		case "Billing":
			ids.billing = in.ID
		}
	}
	forms, err := store.Forms(ctx, h.st.DB)
	if err != nil || len(forms) == 0 {
		h.t.Fatalf("forms: %v %v", forms, err)
	}
	ids.form = forms[0].ID
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(st.Filters) != 1 || st.Filters[0].Property != "pipeline" {
		h.t.Fatalf("demo filter rules: %+v", st.Filters)
	}
	ids.supportPipeline, _ = strconv.ParseInt(st.Filters[0].Values[0], 10, 64)
	if ids.support == 0 || ids.billing == 0 || ids.supportPipeline == 0 {
		h.t.Fatalf("demo ids: %+v", ids)
	}
	return ids
}

func admForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func admJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
