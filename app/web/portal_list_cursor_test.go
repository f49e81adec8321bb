package web

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var nextRe = regexp.MustCompile(`<a href="([^"]+)" hx-get="[^"]+" rel="next"`)

// The "next" link starts the page right after the last row shown, and
// that page is the same as the one counted down to by its number, in
// every sort order; a broken cursor falls back to the number.
func TestTicketListNextCursor(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	for _, sort := range []string{"-activity", "subject", "-id", "status", "created"} {
		_, body := c.get("/portal/tickets?view=org&status=all&sort="+sort, true)
		m := nextRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("sort %s: no next link", sort)
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "page=2") || !strings.Contains(next, "after=") {
			t.Fatalf("sort %s: next link %q lacks the page or the cursor", sort, next)
		}
		res, walked := c.get(next, true)
		if got := res.Header.Get("HX-Push-Url"); !strings.Contains(got, "after=") {
			t.Errorf("sort %s: pushed URL %q drops the cursor, so a refresh would count again", sort, got)
		}
		_, counted := c.get("/portal/tickets?view=org&status=all&page=2&sort="+sort, true)
		if a, b := rowIDs(walked), rowIDs(counted); len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("sort %s: after the cursor %v, page 2 %v", sort, a, b)
		}
		_, broken := c.get("/portal/tickets?view=org&status=all&page=2&after=%%%&sort="+sort, true)
		if a, b := rowIDs(broken), rowIDs(counted); !slices.Equal(a, b) {
			t.Errorf("sort %s: a broken cursor gives %v, want page 2 %v", sort, a, b)
		}
	}
}
