package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"portico/app/demo"
)

// The attachments ZIP of "Your data" leaves the response compression
// alone, like an attachment download: its files are mostly compressed
// already, and gzip around a ZIP only costs the server's time. The JSON
// export, text, is still compressed.
func TestMyDataZIPNotCompressed(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.login(demo.AnaEmail)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		res, body := c.do(req)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		return res, body
	}
	res, body := get("/portal/me/attachments.zip")
	if enc := res.Header.Get("Content-Encoding"); enc != "" || !strings.HasPrefix(body, "PK") {
		t.Errorf("the ZIP with compression accepted: Content-Encoding %q, starts %q", enc, body[:min(4, len(body))])
	}
	if res, _ := get("/portal/me/data.json"); res.Header.Get("Content-Encoding") == "" {
		t.Error("the JSON export is no longer compressed")
	}
}
