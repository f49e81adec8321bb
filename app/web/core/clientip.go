package core

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const localIP = "portico.client_ip"

// proxies are the trusted proxies, as prefixes.
type proxies []netip.Prefix

func parseProxies(list []string) proxies {
	var out proxies
	for _, p := range list {
		if pre, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pre.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func (ps proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one address of a forwarded chain: a bare IP, or one with
// a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// clientAddr is the client's address, given the TCP peer and the
// X-Forwarded-For values. The peer is the client unless it is a trusted
// proxy; then the chain is read from the right, each trusted proxy having
// appended the address it saw, and the first address that is not a
// trusted proxy is the client. What a client writes itself sits to the
// left of that and is never read. A hop that is not one IP ends the walk
// at the proxy that passed it on.
func clientAddr(peer netip.Addr, forwarded []string, trusted proxies) netip.Addr {
	peer = peer.Unmap()
	if !trusted.trusted(peer) {
		return peer
	}
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return client
		}
		client = a
		if !trusted.trusted(a) {
			return a
		}
	}
	return client
}

// ClientIP works out the client's address once per request. Everything
// that keys on or records an address (the limiters, the access log,
// consent and audit records) reads it through IP.
func (s *Core) ClientIP(c *fiber.Ctx) error {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var forwarded []string
	if len(s.proxies) > 0 {
		for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			forwarded = append(forwarded, string(v))
		}
	}
	c.Locals(localIP, clientAddr(peer, forwarded, s.proxies).String())
	return c.Next()
}

// IP is the client's address, as ClientIP worked it out.
func IP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localIP).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}
