package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Pages in their layout and bare fragments rendered at the same time,
// each for the first time: every page is whole (its layout around its
// own content) and no fragment carries a layout. Run with -race, this
// also checks that rendering shares nothing unguarded between requests.
func TestConcurrentRenders(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.login("ana@acme.example")

	type want struct {
		path     string
		htmx     bool
		contains string
	}
	cases := []want{
		{"/portal/tickets/new", false, `id="ticket-form"`},
		{"/portal/tickets?status=closed", true, `id="ticket-list"`},
		{"/portal/tickets?view=org", false, `id="ticket-list"`},
		{"/portal/tickets?view=org&status=all", true, `id="ticket-list"`},
		{"/portal/no-such-page", false, "404"},
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*20)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				w := cases[(g+i)%len(cases)]
				req := httptest.NewRequest(http.MethodGet, w.path, nil)
				for k, v := range c.cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				if w.htmx {
					req.Header.Set("HX-Request", "true")
				}
				res, err := h.srv.App().Test(req, -1)
				if err != nil {
					errs <- w.path + ": " + err.Error()
					return
				}
				b, _ := io.ReadAll(res.Body)
				body := string(b)
				layout := strings.Contains(body, "<html")
				switch {
				case res.StatusCode >= 500:
					errs <- w.path + ": status " + res.Status
				case !strings.Contains(body, w.contains):
					errs <- w.path + ": the page lacks " + w.contains
				case w.htmx && layout:
					errs <- w.path + ": a fragment came in the layout"
				case !w.htmx && (!layout || !strings.Contains(body, `id="main"`)):
					errs <- w.path + ": a page came without its layout"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
