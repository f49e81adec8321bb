package web

import (
	"net/http"
	"net/url"
	"portico/app/web/core"
	"strings"
	"testing"
)

// The portal's language: Accept-Language, the customer's own choice, and
// an unknown language refused.
func TestLanguage(t *testing.T) {
	t.Parallel()
	h := newPortal(t)

	t.Run("Accept-Language", func(t *testing.T) {
		for _, tc := range []struct{ header, want string }{
			{"es-ES,es;q=0.9,en;q=0.5", "Iniciar sesión"},
			{"es", "Iniciar sesión"},
			{"en-GB", "Log in"},
			{"fr, de", "Log in"},
			{"", "Log in"},
			{"garbage;;q=x", "Log in"},
		} {
			c := h.client()
			_, body := c.request(http.MethodGet, "/portal/login", map[string]string{"Accept-Language": tc.header})
			if got := h1(body); got != tc.want {
				t.Errorf("Accept-Language %q: heading %q, want %q", tc.header, got, tc.want)
			}
		}
	})

	t.Run("choice", func(t *testing.T) {
		c := h.client()
		c.get("/portal/login", false)
		res, _ := c.post("/portal/language", url.Values{"lang": {"es"}, "next": {"/portal/login"}}, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/login" {
			t.Fatalf("status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
		_, body := c.request(http.MethodGet, "/portal/login", map[string]string{"Accept-Language": "en"})
		if got := h1(body); got != "Iniciar sesión" {
			t.Errorf("after choosing es: heading %q", got)
		}
		// An off-site next is refused.
		res, _ = c.post("/portal/language", url.Values{"lang": {"en"}, "next": {"//evil.example/x"}}, false)
		if loc := res.Header.Get("Location"); loc != "/portal/tickets" {
			t.Errorf("next=//evil: location %q", loc)
		}
	})

	t.Run("logged in, stored on the contact", func(t *testing.T) {
		c := h.client()
		c.as(gina)
		res, _ := c.post("/portal/language", url.Values{"lang": {"es"}}, true)
		if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") != "/portal/tickets" {
			t.Fatalf("htmx: status %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
		}
		if n := h.count("SELECT count(*) FROM contacts WHERE email = ? AND language = 'es'", gina); n != 1 {
			t.Error("language not stored on the contact")
		}
		// Another browser of Gina's, without the cookie, is in Spanish too.
		c2 := h.client()
		c2.as(gina)
		_, body := c2.get("/portal/tickets", false)
		if !strings.Contains(body, `<html lang="es"`) {
			t.Error("Gina's other browser is not in Spanish")
		}
	})

	t.Run("invalid", func(t *testing.T) {
		c := h.client()
		c.get("/portal/login", false)
		for _, lang := range []string{"xx", "", "../en", "es\r\nSet-Cookie: a=b", strings.Repeat("e", 300)} {
			res, _ := c.post("/portal/language", url.Values{"lang": {lang}}, false)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("lang %q: status %d, want 400", lang, res.StatusCode)
			}
			for _, ck := range res.Cookies() {
				if ck.Name == core.LanguageCookie {
					t.Errorf("lang %q set the cookie to %q", lang, ck.Value)
				}
			}
		}
	})
}
