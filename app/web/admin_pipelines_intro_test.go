package web

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"portico/app/demo"
)

// The pipelines page's intro tells what a closed stage means now that
// customers may solve tickets and reply to closed ones: the pipeline's
// policy decides, so it no longer calls closed tickets read-only.
func TestPipelinesIntroTellsThePolicies(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.recStaff(demo.AdminEmail)
	res, body := c.get("/admin/pipelines", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("pipelines: %d", res.StatusCode)
	}
	body = html.UnescapeString(body)
	if strings.Contains(body, "read-only in the portal") {
		t.Error("the intro still says closed tickets are read-only")
	}
	for _, want := range []string{"Solving and reopening", "reopens the ticket for some days", "follow-up ticket", "is refused"} {
		if !strings.Contains(body, want) {
			t.Errorf("the intro does not say %q", want)
		}
	}
}
