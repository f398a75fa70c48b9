package watch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// httpClient posts deliveries. Unless private targets are allowed, its
// dialer refuses every address that is not public, at the moment of the
// connection, so that a name that resolved to a public address when the
// watch was created and to a private one later (DNS rebinding) is still
// refused. It uses no proxy, which would connect on its behalf.
type httpClient = http.Client

func newHTTPClient(timeout time.Duration, allowPrivate bool) *httpClient {
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook address %q: %w", address, err)
			}
			if !public(ap.Addr()) {
				return fmt.Errorf("webhook address %s is not public (start with --webhook-allow-private to allow it)", ap.Addr())
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       time.Minute,
		},
		// A redirect is not followed: the receiver's answer is the 3xx.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// public reports whether a is a public unicast address: not loopback,
// private, link-local, unspecified, multicast or otherwise special.
func public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// special are other ranges that are not the public internet (RFC 6890):
// "this network", shared address space (carrier-grade NAT), IETF protocol
// assignments, benchmarking, documentation, reserved, unique local IPv6.
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
	netip.MustParsePrefix("fc00::/7"),
}

// checkTarget checks a webhook URL when a watch is created: http or
// https, a host, and (unless allowPrivate) only public addresses for it.
func checkTarget(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return api.BadRequest("url", "must be an http or https URL with a host and no user info")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			return api.BadRequest("url", "cannot resolve %q", api.Truncate(host, 100))
		}
		addrs = ips
	}
	for _, a := range addrs {
		if !public(a) {
			return api.BadRequest("url", "%s resolves to %s, which is not a public address (webhooks to private, loopback and link-local addresses need --webhook-allow-private)", api.Truncate(host, 100), a)
		}
	}
	return nil
}
