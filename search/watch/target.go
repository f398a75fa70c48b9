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
	"github.com/cutwatch/cutwatch/search/netguard"
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
			if !netguard.Public(ap.Addr()) {
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
		if !netguard.Public(a) {
			return api.BadRequest("url", "%s resolves to %s, which is not a public address (webhooks to private, loopback and link-local addresses need --webhook-allow-private)", api.Truncate(host, 100), a)
		}
	}
	return nil
}
