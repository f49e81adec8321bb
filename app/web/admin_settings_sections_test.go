package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"portico/app/demo"
	"portico/app/model"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func testAdmSections(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.client()
	admin.admLogin(demo.AdminEmail)
	adminID := h.admStaffID(demo.AdminEmail)
	long := strings.Repeat("x", 121)
	pid := strconv.FormatInt(ids.supportPipeline, 10)

	type step struct {
		name    string
		section string
		form    url.Values
		// For a valid step: the check of the stored settings.
		check func(model.PortalSettings) bool
		// For an invalid step: the field with the error, and what the
		// input typedID (field when empty) shows ("" to skip). An error
		// about the whole group (too many rows) has no control to mark.
		field, typed, typedID string
		group                 bool
	}
	rows := func(n int, kv ...string) url.Values {
		v := url.Values{}
		for range n {
			for i := 0; i+1 < len(kv); i += 2 {
				v.Add(kv[i], kv[i+1])
			}
		}
		return v
	}
	steps := []step{
		{name: "switch off", section: "switch", form: admForm("enabled", "off"),
			check: func(s model.PortalSettings) bool { return !s.Enabled }},
		{name: "switch on, base URL missing", section: "switch", form: admForm("enabled", "on"), field: "enabled"},

		{name: "general bare domain", section: "general", field: "base_url", typed: "example.com",
			form: admForm("title_en", "Acme", "slug", "portal", "base_url", "example.com", "language", "en", "languages", "en")},
		{name: "general javascript URL", section: "general", field: "base_url", typed: "javascript:alert(1)",
			form: admForm("title_en", "Acme", "slug", "portal", "base_url", "javascript:alert(1)", "language", "en")},
		{name: "general slug with a space", section: "general", field: "slug", typed: "Bad Slug",
			form: admForm("title_en", "Acme", "slug", "Bad Slug", "base_url", "https://help.acme.example", "language", "en")},
		{name: "general unknown language", section: "general", field: "language",
			form: admForm("title_en", "Acme", "slug", "portal", "base_url", "", "language", "xx")},
		{name: "general no title", section: "general", field: "title_en",
			form: admForm("title_en", "  ", "title_es", "Ayuda", "slug", "portal", "base_url", "https://help.acme.example", "language", "en")},
		{name: "general Spanish title too long", section: "general", field: "title_es", typed: strings.Repeat("y", 101),
			form: admForm("title_en", "Acme", "title_es", strings.Repeat("y", 101), "slug", "portal", "base_url", "https://help.acme.example", "language", "en")},
		{name: "general", section: "general",
			form: admForm("title_en", "Acme Help Center", "title_es", "Centro de ayuda de Acme", "slug", "help-center", "base_url", "https://help.acme.example/",
				"language", "es", "languages", "en", "languages", "xx"),
			check: func(s model.PortalSettings) bool {
				return reflect.DeepEqual(s.Title, model.Text{"en": "Acme Help Center", "es": "Centro de ayuda de Acme"}) && s.Slug == "help-center" && s.BaseURL == "https://help.acme.example" &&
					s.Language == "es" && reflect.DeepEqual(s.Languages, []string{"es", "en"})
			}},

		{name: "access lists without a list", section: "access", field: "access_lists",
			form: admForm("access", "lists", "sso_access", "all")},
		{name: "access unknown list", section: "access", field: "access_lists",
			form: admForm("access", "lists", "access_lists", "999999", "sso_access", "all")},
		{name: "access unknown mode", section: "access", field: "access",
			form: admForm("access", "everyone", "sso_access", "all")},
		{name: "access unknown SSO mode", section: "access", field: "sso_access",
			form: admForm("access", "registration", "sso_access", "none")},
		{name: "access", section: "access",
			form: admForm("access", "lists", "access_lists", fmt.Sprint(ids.list), "sso_access", "lists", "sso_lists", fmt.Sprint(ids.list)),
			check: func(s model.PortalSettings) bool {
				return s.Access == model.AccessLists && reflect.DeepEqual(s.AccessLists, []int64{ids.list}) &&
					s.SSOAccess == "lists" && reflect.DeepEqual(s.SSOLists, []int64{ids.list})
			}},

		{name: "pages heading too long", section: "pages", field: "login_heading_en", typed: long,
			form: admForm("login_heading_en", long, "login_intro_en", "Hello")},
		{name: "pages", section: "pages", form: admForm("login_heading_en", "Welcome back", "login_intro_en", "Use your work email.",
			"login_heading_es", "Hola de nuevo", "login_intro_es", ""),
			check: func(s model.PortalSettings) bool {
				return len(s.Pages) == 1 && reflect.DeepEqual(s.Pages["login"], model.PageText{
					Heading: model.Text{"en": "Welcome back", "es": "Hola de nuevo"}, Intro: model.Text{"en": "Use your work email."}})
			}},

		// The general step made Spanish the default language: its texts
		// are the ones required.
		{name: "consent empty notice", section: "consent", field: "notice_es",
			form: admForm("notice_es", "", "label_es", "Acepto", "notice_en", "We keep your data.", "label_en", "I agree")},
		{name: "consent notice only a script", section: "consent", field: "notice_es",
			form: admForm("notice_es", "<script>alert(1)</script>", "label_es", "Acepto")},
		{name: "consent empty label", section: "consent", field: "label_es", form: admForm("notice_es", "Guardamos tus datos.", "label_es", "")},
		{name: "consent English label too long", section: "consent", field: "label_en", typed: strings.Repeat("z", 301),
			form: admForm("notice_es", "Guardamos tus datos.", "label_es", "Acepto", "label_en", strings.Repeat("z", 301))},
		{name: "consent", section: "consent", form: admForm("notice_es", "Guardamos tus datos.", "label_es", "Acepto esto",
			"notice_en", "We keep your data safe.", "label_en", "I agree to this"),
			check: func(s model.PortalSettings) bool { return s.ConsentVersionID != 0 }},

		{name: "filters bad operator", section: "filters", field: "operator-0", typed: "high", typedID: "value-0",
			form: admForm("property", "priority", "operator", "like", "value", "high")},
		{name: "filters missing value", section: "filters", field: "value-1",
			form: admForm("property", "pipeline", "operator", "is", "value", pid, "property", "priority", "operator", "is", "value", " ")},
		{name: "filters 21 rules", section: "filters", field: "filters", group: true,
			form: rows(21, "property", "priority", "operator", "is_not", "value", "low")},
		{name: "filters unknown property", section: "filters", field: "property-0",
			form: admForm("property", "password_hash", "operator", "is", "value", "x")},
		{name: "filters", section: "filters",
			form: admForm("property", "pipeline", "operator", "is", "value", pid,
				"property", "", "operator", "is", "value", "",
				"property", "priority", "operator", "any_of", "value", "high, urgent"),
			check: func(s model.PortalSettings) bool {
				return admJSON(s.Filters) == admJSON([]model.FilterRule{
					{Property: "pipeline", Operator: model.OpIs, Values: []string{pid}},
					{Property: "priority", Operator: model.OpAnyOf, Values: []string{"high", "urgent"}}})
			}},

		{name: "permissions unknown", section: "permissions", field: "permission", form: admForm("permission", "everyone")},
		{name: "permissions", section: "permissions", form: admForm("permission", "contact"),
			check: func(s model.PortalSettings) bool { return s.Permission == model.PermissionContact }},

		{name: "inbox nonexistent", section: "inbox", field: "default_inbox_id", form: admForm("default_inbox_id", "999999")},
		{name: "inbox not a number", section: "inbox", field: "default_inbox_id", form: admForm("default_inbox_id", "1 OR 1=1")},
		{name: "inbox", section: "inbox", form: admForm("default_inbox_id", fmt.Sprint(ids.billing)),
			check: func(s model.PortalSettings) bool { return s.DefaultInboxID == ids.billing }},

		{name: "branding colour name", section: "branding", field: "primary_color", typed: "blue",
			form: admForm("primary_color", "blue", "accent_color", "#0f766e", "font", "system")},
		{name: "branding javascript menu link", section: "branding", field: "menu_url-0", typed: "javascript:alert(1)",
			form: admForm("primary_color", "#112233", "accent_color", "#0f766e", "menu_label_es", "Evil", "menu_url", "javascript:alert(1)")},
		{name: "branding 11 menu entries", section: "branding", field: "menu", group: true,
			form: rows(11, "menu_label_es", "Docs", "menu_url", "/docs", "primary_color", "#112233", "accent_color", "#0f766e")},
		{name: "branding protocol-relative menu link", section: "branding", field: "menu_url-1", typed: "//evil.example",
			form: admForm("primary_color", "#112233", "accent_color", "#0f766e", "menu_label_es", "Docs", "menu_url", "/docs",
				"menu_label_es", "Evil", "menu_url", "//evil.example")},
		{name: "branding menu label missing in the default language", section: "branding", field: "menu_label_0_es",
			form: admForm("primary_color", "#112233", "accent_color", "#0f766e", "menu_label_es", "", "menu_label_en", "Docs", "menu_url", "/docs")},
		{name: "branding", section: "branding",
			form: admForm("primary_color", "#112233", "accent_color", "#AABBCC", "font", "serif", "show_stage_names", "yes",
				"menu_label_es", "Documentación", "menu_label_en", "Docs", "menu_url", "https://docs.acme.example",
				"menu_label_es", "", "menu_label_en", "", "menu_url", "",
				"menu_label_es", "Tickets", "menu_label_en", "", "menu_url", "/portal/tickets"),
			check: func(s model.PortalSettings) bool {
				return s.PrimaryColor == "#112233" && s.AccentColor == "#aabbcc" && s.Font == "serif" && s.ShowStageNames &&
					reflect.DeepEqual(s.Menu, []model.MenuItem{{Label: model.Text{"en": "Docs", "es": "Documentación"}, URL: "https://docs.acme.example"}, {Label: model.Text{"es": "Tickets"}, URL: "/portal/tickets"}})
			}},

		{name: "form nonexistent", section: "form", field: "form_id", form: admForm("form_id", "999999")},
		{name: "form none", section: "form", form: admForm("form_id", "0"),
			check: func(s model.PortalSettings) bool { return s.FormID == 0 }},
		{name: "form", section: "form", form: admForm("form_id", fmt.Sprint(ids.form)),
			check: func(s model.PortalSettings) bool { return s.FormID == ids.form }},

		{name: "sessions idle 2 minutes", section: "sessions", field: "idle_minutes", typed: "2",
			form: admForm("idle_minutes", "2", "lifetime_hours", "8")},
		{name: "sessions idle 2000 minutes", section: "sessions", field: "idle_minutes", typed: "2000",
			form: admForm("idle_minutes", "2000", "lifetime_hours", "8")},
		{name: "sessions lifetime shorter than idle", section: "sessions", field: "lifetime_hours", typed: "1",
			form: admForm("idle_minutes", "120", "lifetime_hours", "1")},
		{name: "sessions", section: "sessions", form: admForm("idle_minutes", "45", "lifetime_hours", "8"),
			check: func(s model.PortalSettings) bool { return s.IdleTimeoutSec == 45*60 && s.MaxLifetimeHours == 8 }},

		// With the base URL set, the switch goes back on.
		{name: "switch on", section: "switch", form: admForm("enabled", "on"),
			check: func(s model.PortalSettings) bool { return s.Enabled }},
	}

	saved := map[string]bool{}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			res, body := admin.admPost("/admin/portal/"+st.section, st.form, true)
			after := h.admState()
			admFragment(t, body, st.section)
			if st.check == nil {
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", res.StatusCode)
				}
				if st.group {
					if !strings.Contains(body, `<p id="`+st.field+`-error"`) {
						t.Errorf("no error paragraph %s-error", st.field)
					}
				} else {
					admInvalid(t, body, st.field)
				}
				if !admHas(body, h.admT("settings.not_saved")) || admHas(body, "✓ "+h.admT("settings.saved")) {
					t.Error("no \"not saved\" notice, or a \"saved\" one")
				}
				if st.typed != "" {
					id := st.typedID
					if id == "" {
						id = st.field
					}
					if got, ok := admValue(body, id); !ok || !strings.EqualFold(got, st.typed) {
						t.Errorf("field %s shows %q (found %v), want what was typed, %q", id, got, ok, st.typed)
					}
				}
				admSame(t, st.name, before, after)
				return
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200; errors %v", res.StatusCode, fieldErrors(body))
			}
			if !admHas(body, h.admT("settings.saved")) || strings.Contains(body, `aria-invalid="true"`) {
				t.Error("no \"saved\" notice, or a field marked invalid")
			}
			if !st.check(after.s) {
				t.Errorf("not stored as posted: %s", after.json)
			}
			if after.version <= before.version {
				t.Errorf("settings version %d → %d", before.version, after.version)
			}
			admOnlyOwn(t, st.section, before.s, after.s)
			// 6. One audit entry, by this admin, with both states.
			if after.audit != before.audit+1 {
				t.Fatalf("audit rows %d → %d", before.audit, after.audit)
			}
			e := h.admLastAudit()
			if e.Action != "settings."+st.section || e.ActorType != "staff" || e.ActorID == nil || *e.ActorID != adminID {
				t.Errorf("audit entry %+v", e)
			}
			if e.Before == e.After || e.Before != before.json || e.After != after.json {
				t.Errorf("audit before/after:\n%s\n%s\nwant\n%s\n%s", e.Before, e.After, before.json, after.json)
			}
			saved[st.section] = true
		})
	}
	for _, sec := range settingsSections {
		if !saved[sec] {
			t.Errorf("section %s was never saved", sec)
		}
	}

	// The page lists the changes in its audit log.
	res, body := admin.get("/admin/portal", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/portal: %d", res.StatusCode)
	}
	audit := body[strings.Index(body, `<section id="audit"`):]
	for _, sec := range settingsSections {
		if !strings.Contains(audit, ">settings."+sec+"<") {
			t.Errorf("audit log on the page lacks settings.%s", sec)
		}
	}
	if !strings.Contains(audit, fmt.Sprintf("#%d", adminID)) {
		t.Error("audit log on the page doesn't name the admin")
	}
	// The page's own forms carry the token the tests send.
	if admin.csrf != admin.admToken() {
		t.Error("the settings page's CSRF token isn't the staff session's")
	}
}

func testAdmPlainForms(t *testing.T, h *harness) {
	admin := h.admin()
	before := h.admState()
	res, body := admin.admPost("/admin/portal/general", admForm("title", "Plain Title", "slug", "portal",
		"base_url", "https://help.acme.example", "language", "en"), false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if u, err := url.Parse(loc); err != nil || u.Path != "/admin/portal" || u.Query().Get("saved") != "general" {
		t.Fatalf("Location %q", loc)
	}
	if got := h.admState(); got.s.Title.In("en", "en") != "Plain Title" || got.version <= before.version {
		t.Errorf("not saved: %s", got.json)
	}
	// Following the redirect shows the notice in the saved section only.
	res, body = admin.get(loc, false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, res.StatusCode)
	}
	saved := "✓ " + h.admT("settings.saved")
	if n := strings.Count(html.UnescapeString(body), saved); n != 1 {
		t.Errorf("page after a plain save shows the saved notice %d times, want 1", n)
	} else if g := body[strings.Index(body, `<section id="general"`):]; !admHas(g[:strings.Index(g, "</section>")], saved) {
		t.Error("the saved notice isn't in the general section")
	}

	cases := []struct {
		section, field, typed string
		form                  url.Values
	}{
		{"general", "base_url", "example.com", admForm("title", "Other", "slug", "portal", "base_url", "example.com", "language", "en")},
		{"sessions", "idle_minutes", "2000", admForm("idle_minutes", "2000", "lifetime_hours", "8")},
		{"consent", "notice_en", "", admForm("notice", "", "label", "Typed label")},
	}
	for _, tc := range cases {
		t.Run(tc.section, func(t *testing.T) {
			h := h.admIn(t)
			admin := admin.admIn(h)
			before := h.admState()
			res, body := admin.admPost("/admin/portal/"+tc.section, tc.form, false)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(body, "<html") || !strings.Contains(body, `<section id="audit"`) {
				t.Error("not the whole page")
			}
			for _, sec := range settingsSections {
				if !strings.Contains(body, `<section id="`+sec+`"`) {
					t.Errorf("page lacks section %s", sec)
				}
			}
			admInvalid(t, body, tc.field)
			if tc.typed != "" {
				if got, _ := admValue(body, tc.field); got != tc.typed {
					t.Errorf("%s shows %q, want %q", tc.field, got, tc.typed)
				}
			}
			if tc.section == "consent" {
				if got, _ := admValue(body, "label_en"); got != "Typed label" {
					t.Errorf("label shows %q", got)
				}
			}
			// The other sections show what is stored.
			if got, _ := admValue(body, "title_en"); tc.section != "general" && got != "Plain Title" {
				t.Errorf("general section shows title %q, want the stored one", got)
			}
			if got, _ := admValue(body, "idle_minutes"); tc.section != "sessions" && got != "30" {
				t.Errorf("sessions section shows %q minutes, want the stored 30", got)
			}
			admSame(t, tc.section, before, h.admState())
		})
	}
}
