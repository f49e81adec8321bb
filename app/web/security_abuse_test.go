package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"portico/app/auth"
	"portico/app/testutil"
	"portico/app/web/core"
)

// postFrom sends a multipart post from a client address, behind the
// trusted proxy (app.Test's connections come from 0.0.0.0).
func (c *client) postFrom(ip, path string, fields [][2]string) *http.Response {
	c.h.t.Helper()
	req := c.multipartRequest(path, fields, nil, false)
	req.Header.Set("X-Forwarded-For", ip)
	res, _ := c.do(req)
	return res
}

// Replies are limited per contact and per client address: a contact is
// stopped whatever address it uses, an address whatever contact posts from
// it, and another contact at another address goes on. The limiter is the
// shared one (Redis in production, with the local fallback).
func TestReplyRateLimit(t *testing.T) {
	t.Parallel()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		testReplyRateLimit(t, newPortal(t, func(d *Deps) { d.Config.TrustedProxies = []string{"0.0.0.0"} }))
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		rc, prefix := testutil.Redis(t)
		testReplyRateLimit(t, newPortal(t, func(d *Deps) { d.Config.TrustedProxies = []string{"0.0.0.0"} },
			withSessions(auth.NewMemorySessions(), &auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
	})
}

func testReplyRateLimit(t *testing.T, h *harness) {
	ca, cb, cg := h.client(), h.client(), h.client()
	ca.as(ana)
	cb.as(ben)
	cg.as(gina)
	reply := func(c *client, ip string, i int) int {
		return c.postFrom(ip, "/portal/tickets/22/replies", [][2]string{{"body", fmt.Sprintf("reply %d", i)}}).StatusCode
	}
	before := h.count("SELECT count(*) FROM messages")
	for i := 0; i < core.ReplyLimitPerContact; i++ {
		if got := reply(ca, "198.51.100.1", i); got != http.StatusSeeOther {
			t.Fatalf("reply %d: %d", i, got)
		}
	}
	req := ca.multipartRequest("/portal/tickets/22/replies", [][2]string{{"body", "one too many"}}, nil, false)
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	res, body := ca.do(req)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || h1(body) != "Too many attempts" {
		t.Fatalf("reply over the contact's limit: %d, Retry-After %q, %q", res.StatusCode, res.Header.Get("Retry-After"), h1(body))
	}
	if got := reply(ca, "198.51.100.2", 0); got != http.StatusTooManyRequests {
		t.Errorf("the same contact from another address: %d", got)
	}
	if n := h.count("SELECT count(*) FROM messages") - before; n != core.ReplyLimitPerContact {
		t.Errorf("%d replies stored, want %d", n, core.ReplyLimitPerContact)
	}
	// Ben, from Ana's address, runs into the address's limit before his own.
	accepted, refused := 0, false
	for i := 0; i < core.ReplyLimitPerContact && !refused; i++ {
		if reply(cb, "198.51.100.1", i) == http.StatusSeeOther {
			accepted++
		} else {
			refused = true
		}
	}
	if want := core.ReplyLimitPerIP - core.ReplyLimitPerContact - 1; accepted != want || !refused {
		t.Errorf("Ben had %d replies accepted from the busy address (refused: %v), want %d", accepted, refused, want)
	}
	// Gina, at her own address, goes on.
	var ginas int64
	if err := h.st.DB.NewRaw(`SELECT t.id FROM tickets AS t JOIN ticket_contacts AS tc ON tc.ticket_id = t.id
		JOIN contacts AS c ON c.id = tc.contact_id JOIN stages AS s ON s.id = t.stage_id
		WHERE c.email = ? AND NOT s.is_closed ORDER BY t.id LIMIT 1`, gina).Scan(context.Background(), &ginas); err != nil {
		t.Fatal(err)
	}
	res = cg.postFrom("203.0.113.9", fmt.Sprintf("/portal/tickets/%d/replies", ginas), [][2]string{{"body", "mine"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("Gina from her own address: %d", res.StatusCode)
	}
}

// The support form is limited per contact and per client address too.
func TestSupportFormRateLimit(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(d *Deps) { d.Config.TrustedProxies = []string{"0.0.0.0"} })
	ca, cb, cg := h.client(), h.client(), h.client()
	ca.as(ana)
	cb.as(ben)
	cg.as(gina)
	n := 0
	submit := func(c *client, ip string) int {
		n++
		return c.postFrom(ip, "/portal/tickets", [][2]string{{"idempotency_key", fmt.Sprintf("rate-limit-key-%08d", n)},
			{"subject", fmt.Sprintf("Request %d", n)}, {"description", "Please help."}}).StatusCode
	}
	for i := 0; i < core.FormLimitPerContact; i++ {
		if got := submit(ca, "198.51.100.1"); got != http.StatusSeeOther {
			t.Fatalf("ticket %d: %d", i, got)
		}
	}
	if got := submit(ca, "198.51.100.2"); got != http.StatusTooManyRequests {
		t.Errorf("over the contact's limit, from another address: %d", got)
	}
	accepted, refused := 0, false
	for i := 0; i < core.FormLimitPerContact && !refused; i++ {
		if submit(cb, "198.51.100.1") == http.StatusSeeOther {
			accepted++
		} else {
			refused = true
		}
	}
	if want := core.FormLimitPerIP - core.FormLimitPerContact; accepted != want || !refused {
		t.Errorf("Ben had %d tickets accepted from the busy address (refused: %v), want %d", accepted, refused, want)
	}
	if got := submit(cg, "203.0.113.9"); got != http.StatusSeeOther {
		t.Errorf("Gina from her own address: %d", got)
	}
}
