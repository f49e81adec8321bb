package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/sso/samlkind"
	"portico/app/testutil"
)

// TestSAMLAcrossInstancesPostgresRedis runs two Portico instances on one
// Postgres and one Redis: a sign-in started on one finishes on the other,
// and an assertion accepted by one is refused by the other, also when both
// get it at the same moment.
func TestSAMLAcrossInstancesPostgresRedis(t *testing.T) {
	t.Parallel()
	rc, prefix := testutil.Redis(t)
	st := testutil.Postgres(t)
	shared := withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix}, &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})
	s := newSAML(t, st, func(o *samlkind.Options) { o.IdPInitiated = true }, shared)
	b := newHarnessOn(t, st, shared)

	onA := s.h.client()
	resp, relay := s.start(onA, "/portal/tickets/new")
	onB := b.client()
	onB.cookies = onA.cookies
	res, _ := onB.post("/portal/sso/okta/acs", url.Values{"SAMLResponse": {resp}, "RelayState": {relay}, "portico_bounce": {"1"}}, false)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/tickets/new" {
		t.Fatalf("ACS on the other instance: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// An unsolicited assertion, used on A, is refused on B.
	resp, _ = s.idp.Post(t, s.idp.StartURL(s.spURL("metadata"), "nora", ""))
	if res, _ := s.acs(s.h.client(), resp, ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("instance A: %d", res.StatusCode)
	}
	if res, _ := b.client().post("/portal/sso/okta/acs", url.Values{"SAMLResponse": {resp}, "portico_bounce": {"1"}}, false); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("instance B, same assertion: %d", res.StatusCode)
	}

	// Both at once: exactly one is let in.
	resp, _ = s.idp.Post(t, s.idp.StartURL(s.spURL("metadata"), "nora", ""))
	codes := make(chan int, 2)
	for _, h := range []*harness{s.h, b} {
		go func() {
			form := url.Values{"SAMLResponse": {resp}, "portico_bounce": {"1"}}
			req := httptest.NewRequest(http.MethodPost, "/portal/sso/okta/acs", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := h.srv.App().Test(req, -1)
			if err != nil {
				codes <- 0
				return
			}
			codes <- res.StatusCode
		}()
	}
	got := []int{<-codes, <-codes}
	if (got[0] == http.StatusSeeOther) == (got[1] == http.StatusSeeOther) {
		t.Fatalf("racing uses answered %v, want exactly one 303", got)
	}
}
