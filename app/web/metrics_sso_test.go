package web

import (
	"net/http"
	"strings"
	"testing"

	"portico/app/metrics"
	"portico/app/model"
	"portico/app/sso"
	"portico/app/testutil/idp"
)

// Single sign-on outcomes are counted per provider: a success, and a
// refusal under its reason.
func TestMetricsCountSSOOutcomes(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	h := newPortal(t, withMetrics(m))
	h.addProvider(model.SSOKindJWT, "hs", sso.JWTOptions{LoginURL: "https://app.example/login", Algorithm: "HS256",
		Issuer: "https://app.example", Audience: "portico", Unsolicited: true, VerifiesEmail: true}, map[string]string{sso.SecretJWT: jwtSecret})
	good := idp.SignHS256([]byte(jwtSecret), claims("metrics@example.net", func(c map[string]any) {
		c["iss"], c["aud"] = "https://app.example", "portico"
	}))
	if res, _ := h.client().postJWT("hs", good, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good token: %d", res.StatusCode)
	}
	if res, _ := h.client().postJWT("hs", "not.a.token", ""); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a broken token: %d", res.StatusCode)
	}
	body := scrape(t, m)
	if !strings.Contains(body, `portico_sso_logins_total{outcome="success",provider="hs"} 1`) {
		t.Errorf("no success counted:\n%s", grepLines(body, "portico_sso"))
	}
	refused := 0
	for _, l := range strings.Split(grepLines(body, "portico_sso_logins_total{"), "\n") {
		if strings.Contains(l, `provider="hs"`) && !strings.Contains(l, `outcome="success"`) && strings.HasSuffix(l, " 1") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d refusal reasons counted once, want 1:\n%s", refused, grepLines(body, "portico_sso"))
	}
}

// grepLines keeps the lines that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
