package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portico/app/model"
)

// The list page and its fragment: htmx gets only the list, everything else
// (including boosted links and history restores) the whole page, and the
// answer varies on HX-Request so that no cache mixes them up.
func TestTicketListPageAndFragment(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	cases := []struct {
		name     string
		headers  map[string]string
		fragment bool
	}{
		{"plain", nil, false},
		{"htmx", map[string]string{"HX-Request": "true"}, true},
		{"boosted", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, false},
		{"history restore", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, false},
		{"HX-Request other than true", map[string]string{"HX-Request": "1"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.request(http.MethodGet, "/portal/tickets", tc.headers)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if vary := strings.Join(res.Header.Values("Vary"), ","); !strings.Contains(vary, "HX-Request") {
				t.Errorf("Vary = %q, want HX-Request", vary)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			trimmed := strings.TrimSpace(body)
			if tc.fragment {
				if !strings.HasPrefix(trimmed, `<section id="ticket-list"`) {
					t.Errorf("fragment starts with %.80q", trimmed)
				}
				if strings.Contains(body, "<html") || strings.Contains(body, "<header") {
					t.Error("fragment holds the layout")
				}
				if !strings.HasSuffix(trimmed, "</section>") {
					t.Errorf("fragment ends with %q", trimmed[max(len(trimmed)-40, 0):])
				}
			} else {
				if !strings.Contains(body, "<html") || !strings.Contains(body, "</html>") {
					t.Error("full page without <html>")
				}
				for _, want := range []string{"Portico Demo Help Center", `id="tickets-heading"`, `<section id="ticket-list"`, "Log out"} {
					if !strings.Contains(body, want) {
						t.Errorf("full page lacks %q", want)
					}
				}
			}
			if ids := rowIDs(body); len(ids) != 10 {
				t.Errorf("%d rows, want Ana's 10 open tickets", len(ids))
			}
		})
	}
}

// Filters, search, sort, pages and the view toggle, on Ana's tickets: 16
// of her own (10 open, 6 closed; her two [IT] tickets are hidden by the
// filter rule), and 15 more of Acme's (Ben's) in the organization view.
func TestTicketListFilters(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	countsRe := regexp.MustCompile(`(\d+) tickets? found`)
	cases := []struct {
		query       string
		rows        int
		total       int // the sr-only count
		has, hasnt  []int64
		sorted      func(a, b int64) bool
		description string
	}{
		{query: "", rows: 10, total: 10, has: []int64{22, 25, 31}, hasnt: []int64{2, 16, 26, 36}, description: "default: mine, open"},
		{query: "status=open", rows: 10, total: 10, hasnt: []int64{2, 5, 9, 11, 14, 19}},
		{query: "status=closed", rows: 6, total: 6, has: []int64{2, 5, 9, 11, 14, 19}},
		{query: "status=all", rows: 16, total: 16, hasnt: []int64{16, 36}},
		{query: "view=org", rows: 20, total: 20, has: []int64{26}, description: "org: 10 + 10 open"},
		{query: "view=org&status=all", rows: 20, total: 31},
		{query: "view=org&status=all&page=2", rows: 11, total: 31},
		{query: "view=org&status=closed", rows: 11, total: 11, has: []int64{4, 2}},
		{query: "view=mine&status=all", rows: 16, total: 16, hasnt: []int64{26, 4}},
		{query: "q=E42", rows: 1, total: 1, has: []int64{22}},
		{query: "q=%2322", rows: 1, total: 1, has: []int64{22}, description: "by ID"},
		{query: "q=printer", rows: 1, total: 1, has: []int64{22}, description: "subject and message text"},
		{query: "q=Madrid", rows: 1, total: 1, has: []int64{25}, description: "message text only"},
		{query: "q=printer&view=org&status=all", rows: 2, total: 2, has: []int64{22, 44}},
		{query: "q=%25", rows: 0, total: 0, description: "% is literal"},
		{query: "q=_", rows: 0, total: 0, description: "_ is literal"},
		{query: "status=all&sort=id", rows: 16, total: 16, sorted: func(a, b int64) bool { return a < b }},
		{query: "status=all&sort=-id", rows: 16, total: 16, sorted: func(a, b int64) bool { return a > b }},
		{query: "view=org&status=all&sort=id&page=2", rows: 11, total: 31, has: []int64{48}, hasnt: []int64{2}},
		// Invalid values fall back to the defaults.
		{query: "sort=DROP%20TABLE%20tickets", rows: 10, total: 10},
		{query: "sort=id;DELETE%20FROM%20tickets", rows: 10, total: 10},
		{query: "page=-5", rows: 10, total: 10},
		{query: "page=99999999999999999999", rows: 0, total: 10, description: "overflow reads as the last allowed page"},
		{query: "page=10000000", rows: 0, total: 10, description: "capped, past the end"},
		{query: "page=abc&status=closed", rows: 6, total: 6},
		{query: "status=x", rows: 10, total: 10},
		{query: "view=everything&status=all", rows: 16, total: 16, hasnt: []int64{26}},
		{query: "q=" + strings.Repeat("a", 500), rows: 0, total: 0},
	}
	for _, tc := range cases {
		name := tc.query
		if len(name) > 60 {
			name = name[:60]
		}
		if tc.description != "" {
			name += " (" + tc.description + ")"
		}
		t.Run(name, func(t *testing.T) {
			for _, htmx := range []bool{false, true} {
				res, body := c.get("/portal/tickets?"+tc.query, htmx)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("htmx=%v: status %d", htmx, res.StatusCode)
				}
				ids := rowIDs(body)
				if len(ids) != tc.rows {
					t.Errorf("htmx=%v: %d rows %v, want %d", htmx, len(ids), ids, tc.rows)
				}
				if m := countsRe.FindStringSubmatch(body); m == nil || m[1] != fmt.Sprint(tc.total) {
					t.Errorf("htmx=%v: count %v, want %d", htmx, m, tc.total)
				}
				for _, id := range tc.has {
					if !containsID(ids, id) {
						t.Errorf("htmx=%v: #%d missing from %v", htmx, id, ids)
					}
				}
				for _, id := range tc.hasnt {
					if containsID(ids, id) {
						t.Errorf("htmx=%v: #%d shown", htmx, id)
					}
				}
				if tc.sorted != nil && !slices.IsSortedFunc(ids, func(a, b int64) int {
					if tc.sorted(a, b) {
						return -1
					}
					return 1
				}) {
					t.Errorf("htmx=%v: order %v", htmx, ids)
				}
			}
		})
	}
	if n := h.count("SELECT count(*) FROM tickets"); n != 48 {
		t.Errorf("%d tickets after the list requests, want 48", n)
	}

	t.Run("search echo is capped", func(t *testing.T) {
		_, body := c.get("/portal/tickets?q="+strings.Repeat("a", 500), false)
		// The search box and the "no match" text hold the first 100
		// characters; the search itself used no more (nothing matched 100 a's
		// either way, so check the echo).
		if !strings.Contains(body, `name="q" value="`+strings.Repeat("a", 100)+`"`) {
			t.Error("the capped search is not kept in the search box")
		}
		if !strings.Contains(body, "No tickets match “"+strings.Repeat("a", 100)+"”") {
			t.Error("the no-match text does not echo the capped search")
		}
	})

	t.Run("sort by subject", func(t *testing.T) {
		_, body := c.get("/portal/tickets?status=all&sort=subject", false)
		subjects := regexp.MustCompile(`<a href="/portal/tickets/\d+"[^>]*>([^<]+)</a>`).FindAllStringSubmatch(body, -1)
		var got []string
		for _, m := range subjects {
			got = append(got, strings.ToLower(html.UnescapeString(m[1])))
		}
		if len(got) != 16 || !slices.IsSorted(got) {
			t.Errorf("subjects not in order: %q", got)
		}
	})

	t.Run("controls keep the URL state", func(t *testing.T) {
		_, body := c.get("/portal/tickets?view=org&status=closed&q=invoice&sort=id", true)
		// The status tabs keep the view, search and sort; changing the status
		// goes back to page 1.
		want := `href="/portal/tickets?` + url.Values{"view": {"org"}, "status": {"all"}, "q": {"invoice"}, "sort": {"id"}}.Encode()
		if !strings.Contains(body, strings.ReplaceAll(want, "&", "&amp;")) {
			t.Errorf("no status link %q in the fragment", want)
		}
		if !strings.Contains(body, `hx-push-url="true"`) {
			t.Error("the list does not push its URL")
		}
	})
}

// The "My tickets / Organization tickets" toggle shows only for a contact
// with a company, under the company permission; without it, view=org
// shows nothing more.
func TestTicketListViewToggle(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	toggle := "Organization tickets"
	cases := []struct {
		email  string
		toggle bool
	}{
		{ana, true},
		{gina, true}, // Globex is her primary company
		{carla, false},
	}
	for _, tc := range cases {
		c := h.client()
		c.as(tc.email)
		_, body := c.get("/portal/tickets?view=org&status=all", false)
		if got := strings.Contains(body, toggle); got != tc.toggle {
			t.Errorf("%s: toggle shown = %v, want %v", tc.email, got, tc.toggle)
		}
	}
	c := h.client()
	c.as(carla)
	_, mine := c.get("/portal/tickets?status=all", false)
	_, org := c.get("/portal/tickets?status=all&view=org", false)
	if !slices.Equal(rowIDs(mine), rowIDs(org)) || len(rowIDs(mine)) != 7 {
		t.Errorf("Carla: mine %v, org %v; want the same 7", rowIDs(mine), rowIDs(org))
	}

	// Under the contact permission nobody gets the toggle, and view=org
	// is ignored.
	h.updateSettings(func(s *model.PortalSettings) { s.Permission = model.PermissionContact })
	for _, email := range []string{ana, gina} {
		c := h.client()
		c.as(email)
		_, body := c.get("/portal/tickets?view=org&status=all", false)
		if strings.Contains(body, toggle) {
			t.Errorf("%s: toggle under the contact permission", email)
		}
		if email == ana && (containsID(rowIDs(body), 26) || len(rowIDs(body)) != 16) {
			t.Errorf("Ana sees %v under the contact permission", rowIDs(body))
		}
		if email == ana {
			if res, _ := c.get("/portal/tickets/26", false); res.StatusCode != http.StatusNotFound {
				t.Errorf("Ana opens Ben's #26 under the contact permission: %d", res.StatusCode)
			}
		}
	}
}
