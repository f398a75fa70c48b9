// Package netguard decides which network addresses cutwatch may connect
// to on a user's behalf — feed and page fetches, webhook deliveries — so
// that a URL cannot make the server reach its own loopback, the private
// network it runs in, or cloud metadata endpoints (SSRF). Callers check
// the address actually dialled (net.Dialer.Control), after DNS, so that a
// name that resolves to a private address later (DNS rebinding) is still
// refused.
package netguard

import "net/netip"

// Public reports whether a is a global unicast address outside the
// loopback, private, link-local, multicast, unspecified and other special
// ranges (RFC 6890 and successors); an IPv4-mapped IPv6 address is judged
// as its IPv4 address.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || !a.IsGlobalUnicast() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// special are ranges the netip predicates do not cover that are not the
// public internet: "this network", shared address space (carrier-grade
// NAT), IETF protocol assignments, benchmarking, documentation, reserved,
// NAT64.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}
