package sso

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A provider's answer is read up to MaxProviderResponse, and no further.
func TestBoundedTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := MaxProviderResponse
		if r.URL.Path == "/over" {
			n++
		}
		_, _ = w.Write([]byte(strings.Repeat("a", n)))
	}))
	defer srv.Close()
	c := newHTTPClient()
	for path, wantErr := range map[string]bool{"/at": false, "/over": true} {
		res, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if wantErr != errors.Is(err, errTooLarge) || len(b) > MaxProviderResponse {
			t.Errorf("%s: read %d bytes, err %v", path, len(b), err)
		}
	}
}

func TestSecureURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://idp.example.com": true, "http://idp.example.com": false, "http://127.0.0.1:8080/x": true,
		"http://localhost/x": true, "http://[::1]:9/x": true, "http://10.0.0.1/": false, "ftp://idp.example.com": false,
		"https://user:pw@idp.example.com": false, "idp.example.com": false,
	} {
		if got := SecureURL(raw); got != want {
			t.Errorf("SecureURL(%q) = %v", raw, got)
		}
	}
}

func TestShortError(t *testing.T) {
	if got := shortError(errors.New("500 Internal Server Error: " + strings.Repeat("secret ", 100))).Error(); got != "HTTP 500 Internal Server Error" {
		t.Errorf("%q", got)
	}
	if got := shortError(errors.New(strings.Repeat("b", 300))).Error(); len(got) != 200 {
		t.Errorf("%d bytes", len(got))
	}
}
