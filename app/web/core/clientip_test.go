package core

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := parseProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"})
	cases := []struct {
		name      string
		peer      string
		forwarded []string
		want      string
	}{
		{"no proxy: the peer, whatever the header says", "198.51.100.7", []string{"203.0.113.9"}, "198.51.100.7"},
		{"one proxy", "10.0.0.5", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a forged left part is never read", "10.0.0.5", []string{"203.0.113.1, 203.0.113.2, 198.51.100.7"}, "198.51.100.7"},
		{"two proxies", "10.0.0.5", []string{"198.51.100.7, 192.0.2.1"}, "198.51.100.7"},
		{"headers repeated", "10.0.0.5", []string{"203.0.113.1", "198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"garbage to the right stops at the proxy", "10.0.0.5", []string{"198.51.100.7, not-an-ip"}, "10.0.0.5"},
		{"a whole raw header is no address", "10.0.0.5", []string{"203.0.113.1 198.51.100.7"}, "10.0.0.5"},
		{"ports and spaces", "10.0.0.5", []string{" 198.51.100.7:4711 "}, "198.51.100.7"},
		{"IPv6 client behind an IPv6 proxy", "2001:db8::1", []string{"2a00:1450::5"}, "2a00:1450::5"},
		{"IPv4 mapped in IPv6", "::ffff:10.0.0.5", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"only proxies: the left-most", "10.0.0.5", []string{"10.9.9.9, 192.0.2.1"}, "10.9.9.9"},
		{"no header from a proxy: the proxy", "10.0.0.5", nil, "10.0.0.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := clientAddr(netip.MustParseAddr(tc.peer), tc.forwarded, trusted)
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
