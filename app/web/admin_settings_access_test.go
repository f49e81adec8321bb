package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"portico/app/auth"
	"portico/app/demo"
	"portico/app/web/core"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var admCountRe = regexp.MustCompile(`(\d+)\D+(\d+)`)

func testAdmFilters(t *testing.T, h *harness) {
	ids := h.admIDs()
	admin := h.admin()
	pid := strconv.FormatInt(ids.supportPipeline, 10)
	prefix, _, _ := strings.Cut(h.admT("settings.filters_count"), "%s")
	count := func(body string) (int, int) {
		t.Helper()
		text := html.UnescapeString(body)
		i := strings.Index(text, prefix)
		if i < 0 {
			t.Fatalf("no %q in the filters section", prefix)
		}
		m := admCountRe.FindStringSubmatch(text[i+len(prefix):])
		if m == nil {
			t.Fatal("no counts")
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		return a, b
	}
	total := h.count("SELECT count(*) FROM tickets")
	inPipeline := h.count("SELECT count(*) FROM tickets WHERE pipeline_id = ?", ids.supportPipeline)
	highInPipeline := h.count("SELECT count(*) FROM tickets WHERE pipeline_id = ? AND priority = 'high'", ids.supportPipeline)
	if highInPipeline == 0 || highInPipeline == inPipeline || inPipeline == total {
		t.Fatalf("demo data can't tell the rules apart: %d high of %d in pipeline, %d in all", highInPipeline, inPipeline, total)
	}

	_, page := admin.get("/admin/portal", false)
	if v, n := count(page); v != inPipeline || n != total {
		t.Errorf("page: visible %d of %d, want %d of %d", v, n, inPipeline, total)
	}

	// "Add a rule" shows one more, empty, row and saves nothing.
	before := h.admState()
	res, body := admin.admPost("/admin/portal/filters", admForm("property", "pipeline", "operator", "is", "value", pid, "add", "yes"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add: status %d", res.StatusCode)
	}
	admFragment(t, body, "filters")
	if n := strings.Count(body, `name="property"`); n != 2 {
		t.Errorf("add: %d rule rows, want 2", n)
	}
	if got, ok := admValue(body, "value-1"); !ok || got != "" {
		t.Errorf("add: new row's value %q (found %v)", got, ok)
	}
	if admHas(body, "✓ "+h.admT("settings.saved")) {
		t.Error("add: says saved")
	}
	if v, n := count(body); v != inPipeline || n != total {
		t.Errorf("add: the empty row changed the count to %d of %d, want %d of %d", v, n, inPipeline, total)
	}
	admSame(t, "add a rule", before, h.admState())

	// Saving a second rule narrows the count.
	res, body = admin.admPost("/admin/portal/filters", admForm("property", "pipeline", "operator", "is", "value", pid,
		"property", "priority", "operator", "is", "value", "high"), true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save: %d %v", res.StatusCode, fieldErrors(body))
	}
	if v, n := count(body); v != highInPipeline || n != total {
		t.Errorf("after saving priority is high: %d of %d, want %d of %d", v, n, highInPipeline, total)
	}
	_, page = admin.get("/admin/portal", false)
	if v, _ := count(page); v != highInPipeline {
		t.Errorf("page after save: %d visible, want %d", v, highInPipeline)
	}
	// The portal applies it: Ana's list only holds high-priority tickets.
	ana := h.client()
	ana.as(demo.AnaEmail)
	_, list := ana.get("/portal/tickets?status=all", false)
	for _, id := range rowIDs(list) {
		if p := h.count("SELECT count(*) FROM tickets WHERE id = ? AND priority = 'high'", id); p != 1 {
			t.Errorf("ticket #%d shown despite the priority rule", id)
		}
	}

	// No rules at all: everything is visible.
	if res, body = admin.admPost("/admin/portal/filters", admForm(), true); res.StatusCode != http.StatusOK {
		t.Fatalf("clear: %d", res.StatusCode)
	}
	if v, n := count(body); v != total || n != total {
		t.Errorf("no rules: %d of %d, want all %d", v, n, total)
	}
	if s := h.admState().s; len(s.Filters) != 0 {
		t.Errorf("rules after clearing: %+v", s.Filters)
	}
}

func testAdmAccessControl(t *testing.T, h *harness) {
	general := admForm("title", "Hijacked", "slug", "portal", "base_url", "", "language", "en")

	t.Run("anonymous", func(t *testing.T) {
		h := h.admIn(t)
		anon := h.client()
		res, _ := anon.get("/admin/portal", false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/login?next=%2Fadmin%2Fportal" {
			t.Errorf("GET: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.get("/admin/login", false) // a staff cookie and its token
		before := h.admState()
		res, _ = anon.admPost("/admin/portal/general", general, true)
		if hx := res.Header.Get("HX-Redirect"); !strings.HasPrefix(hx, "/admin/login") || strings.Contains(hx, "next=") {
			t.Errorf("htmx POST: %d, HX-Redirect %q", res.StatusCode, hx)
		}
		res, _ = anon.admPost("/admin/portal/general", general, false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("plain POST: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, _ = anon.admPost("/admin/portal/preview", admForm("email", demo.AnaEmail), false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("preview POST: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		admSame(t, "anonymous", before, h.admState())
	})

	t.Run("customer session is no staff session", func(t *testing.T) {
		h := h.admIn(t)
		c := h.client()
		c.login(demo.AnaEmail)
		res, _ := c.get("/admin/portal", false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("customer on /admin/portal: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The customer's own token is no good in the back office.
		before := h.admState()
		f := admForm("title", "Hijacked", "slug", "portal", "language", "en")
		f.Set(core.CSRFField, h.srv.CSRFFor(c.sid()))
		if res, _ := c.post("/admin/portal/general", f, true); res.StatusCode != http.StatusForbidden {
			t.Errorf("customer token on an admin POST: %d, want 403", res.StatusCode)
		}
		admSame(t, "customer", before, h.admState())
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
			t.Errorf("customer still in the portal: %d", res.StatusCode)
		}
	})

	t.Run("staff session is no customer session", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		res, _ := admin.get("/portal/tickets", false)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/portal/login") {
			t.Errorf("staff on /portal/tickets: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The staff cookie sent as the portal's is not a customer either.
		c := h.client()
		c.cookies[core.SessionCookie] = admin.cookies[core.StaffCookie]
		if res, _ := c.get("/portal/tickets", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("staff session ID in the portal cookie: %d", res.StatusCode)
		}
	})

	t.Run("agent without settings permission", func(t *testing.T) {
		h := h.admIn(t)
		agent := h.admAs(demo.AgentEmail)
		before := h.admState()
		if res, body := agent.get("/admin/portal", false); res.StatusCode != http.StatusForbidden || admHas(body, h.admT("settings.general_title")) {
			t.Errorf("GET /admin/portal: %d", res.StatusCode)
		}
		for _, htmx := range []bool{true, false} {
			if res, _ := agent.admPost("/admin/portal/general", general, htmx); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST general (htmx %v): %d, want 403", htmx, res.StatusCode)
			}
		}
		if res, _ := agent.admPost("/admin/portal/switch", admForm("enabled", "off"), true); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST switch: %d, want 403", res.StatusCode)
		}
		admSame(t, "agent", before, h.admState())
		if !h.admState().s.Enabled {
			t.Error("agent switched the portal off")
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		before := h.admState()
		for _, tc := range []struct {
			name, token string
		}{
			{"no", ""},
			{"a wrong", "AAAA" + admin.admToken()[4:]},
			{"another session's", h.srv.CSRFFor(auth.NewSessionID())},
		} {
			f := admForm("title", "Forged", "slug", "portal", "language", "en")
			if tc.token != "" {
				f.Set(core.CSRFField, tc.token)
			}
			for _, htmx := range []bool{true, false} {
				if res, _ := admin.admRaw("/admin/portal/general", f, htmx); res.StatusCode != http.StatusForbidden {
					t.Errorf("%s token (htmx %v): %d, want 403", tc.name, htmx, res.StatusCode)
				}
			}
		}
		// A GET never changes anything.
		admin.get("/admin/portal/general?title=Forged&slug=portal&language=en", false)
		admSame(t, "CSRF", before, h.admState())
		// The token may come as htmx's header instead.
		req := httptest.NewRequest(http.MethodPost, "/admin/portal/permissions", strings.NewReader("permission=contact"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set(core.CSRFHeader, admin.admToken())
		if res, _ := admin.do(req); res.StatusCode != http.StatusOK {
			t.Errorf("token in the header: %d", res.StatusCode)
		}
	})

	t.Run("unknown section", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		before := h.admState()
		for _, sec := range []string{"preview_end", "enabled", "..%2Fswitch", "SWITCH"} {
			if res, _ := admin.admPost("/admin/portal/"+sec, admForm("enabled", "off"), true); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", sec, res.StatusCode)
			}
		}
		admSame(t, "unknown section", before, h.admState())
	})

	t.Run("logout", func(t *testing.T) {
		h := h.admIn(t)
		admin := h.admin()
		old := admin.cookies[core.StaffCookie]
		if res, _ := admin.admPost("/admin/logout", nil, false); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		c := h.client()
		c.cookies[core.StaffCookie] = old
		if res, _ := c.get("/admin/portal", false); res.StatusCode != http.StatusSeeOther {
			t.Errorf("old staff cookie after logout: %d", res.StatusCode)
		}
	})
}
