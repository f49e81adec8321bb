package web

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portico/app/store"
)

// Page weight, in compressed bytes: the ticket list with every stylesheet
// and script it links, and a list fragment.
func TestPageWeight(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	gz := map[string]string{"Accept-Encoding": "gzip"}

	fetch := func(path string, headers map[string]string) (wire int, plain string) {
		t.Helper()
		res, body := c.request(http.MethodGet, path, headers)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		if enc := res.Header.Get("Content-Encoding"); enc != "gzip" {
			// Tiny answers are not worth compressing.
			if len(body) > 1024 {
				t.Fatalf("%s: %d B sent with Content-Encoding %q", path, len(body), enc)
			}
			return len(body), body
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return len(body), string(b)
	}

	pageBytes, page := fetch("/portal/tickets", gz)
	// Compression must not drop the HX-Request variant from Vary.
	res, _ := c.request(http.MethodGet, "/portal/tickets", gz)
	if vary := strings.Join(res.Header.Values("Vary"), ","); !strings.Contains(vary, "HX-Request") || !strings.Contains(vary, "Accept-Encoding") {
		t.Errorf("Vary %q, want HX-Request and Accept-Encoding", vary)
	}
	if !strings.Contains(page, "<html") || len(rowIDs(page)) != 10 {
		t.Fatal("not Ana's ticket list")
	}
	total := pageBytes
	t.Logf("%-48s %6d B sent, %6d B plain", "/portal/tickets", pageBytes, len(page))
	linkRe := regexp.MustCompile(`(?:href|src)="(/static/[^"]+|/portal/theme\.css[^"]*)"`)
	seen := map[string]bool{}
	for _, m := range linkRe.FindAllStringSubmatch(page, -1) {
		u := html.UnescapeString(m[1])
		if seen[u] {
			continue
		}
		seen[u] = true
		n, plain := fetch(u, gz)
		total += n
		t.Logf("%-48s %6d B sent, %6d B plain", u, n, len(plain))
	}
	for _, want := range []string{"/static/css/app.css", "/static/js/htmx", "/static/js/portico.js", "/portal/theme.css"} {
		found := false
		for u := range seen {
			found = found || strings.HasPrefix(u, want)
		}
		if !found {
			t.Errorf("the page does not link %s", want)
		}
	}
	t.Logf("total %d B (%.1f KB) sent", total, float64(total)/1024)
	if total > 60*1024 {
		t.Errorf("the ticket list weighs %d B compressed, over 60 KB", total)
	}

	fragBytes, frag := fetch("/portal/tickets?view=org&status=all", map[string]string{"Accept-Encoding": "gzip", "HX-Request": "true"})
	t.Logf("list fragment (20 rows): %d B gzip, %d B plain", fragBytes, len(frag))
	if len(rowIDs(frag)) != 20 || strings.Contains(frag, "<html") {
		t.Fatal("not a full list fragment")
	}
	if fragBytes > 3*1024 || len(frag) > 12*1024 {
		t.Errorf("the list fragment weighs %d B compressed and %d B plain, over 3 KB and 12 KB", fragBytes, len(frag))
	}

	// Static files are cacheable for a year with their versioned URL.
	for u := range seen {
		res, _ := c.request(http.MethodGet, u, nil)
		if !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", u, res.Header.Get("Cache-Control"))
		}
		if !strings.Contains(u, "?v=") {
			t.Errorf("%s is not versioned", u)
		}
	}
}

// An uploaded logo and favicon are linked, not inlined: every page weighs
// what it weighs without them.
func TestPageWeightWithBrandImages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	c := h.client()
	c.as(ana)
	_, before := c.get("/portal/tickets", false)

	ctx := context.Background()
	st, _, err := store.Settings(ctx, h.st.DB)
	if err != nil {
		t.Fatal(err)
	}
	// A 37 KB image, as in the measurement that found the inlined logo.
	img := make([]byte, 37<<10)
	for i := range img {
		img[i] = byte(i * 7)
	}
	st.LogoURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)
	st.FaviconURL = "data:image/x-icon;base64," + base64.StdEncoding.EncodeToString(img[:2048])
	if _, err := store.SaveSettings(ctx, h.st.DB, st); err != nil {
		t.Fatal(err)
	}
	_, after := c.get("/portal/tickets", false)
	if strings.Contains(after, "data:image") || !strings.Contains(after, "/portal/brand/") {
		t.Fatal("the page inlines the images or does not link them")
	}
	if d := len(after) - len(before); d > 200 {
		t.Errorf("with a logo and a favicon the page grew by %d B", d)
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="(/portal/brand/[^"]+)"`).FindAllStringSubmatch(after, -1) {
		res, body := c.request(http.MethodGet, m[1], nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || len(body) < 2048 {
			t.Errorf("%s: %d, Cache-Control %q, %d B", m[1], res.StatusCode, res.Header.Get("Cache-Control"), len(body))
		}
		// Shared caches keep it, so it must carry no session.
		if cookie := res.Header.Get("Set-Cookie"); cookie != "" {
			t.Errorf("%s sets a cookie: %q", m[1], cookie)
		}
	}
	// Another upload gets another URL; the old one is gone.
	old := regexp.MustCompile(`src="(/portal/brand/[^"]+)"`).FindStringSubmatch(after)[1]
	img[0]++
	st.LogoURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)
	if _, err := store.SaveSettings(ctx, h.st.DB, st); err != nil {
		t.Fatal(err)
	}
	_, again := c.get("/portal/tickets", false)
	if strings.Contains(again, old) {
		t.Error("a new logo kept the old URL")
	}
	if res, _ := c.request(http.MethodGet, old, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("the old logo URL answers %d", res.StatusCode)
	}
}
