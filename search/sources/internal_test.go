package sources

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HTTPS://News.Example.ORG:443/a/b?utm_source=x&utm_medium=rss&id=7#top", "https://news.example.org/a/b?id=7"},
		{"http://example.org:80", "http://example.org/"},
		{"http://example.org:8080/x?b=2&a=1&fbclid=zz&gclid=q", "http://example.org:8080/x?a=1&b=2"},
		{"https://user:pw@example.org/story?ocid=rss&page=2", "https://example.org/story?page=2"},
	}
	for _, c := range cases {
		u, err := url.Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := CanonicalURL(u); got != c.want {
			t.Errorf("CanonicalURL(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	a, b := URLID("https://example.org/a"), URLID("https://example.org/b")
	if a == b || a != URLID("https://example.org/a") || !strings.HasPrefix(a, URLIDPrefix) {
		t.Errorf("URLID: %s and %s: want different, stable, prefixed ids", a, b)
	}
}

func TestPublicAddr(t *testing.T) {
	cases := map[string]bool{
		"8.8.8.8": true, "2a00:1450:4009:81f::200e": true, "151.101.0.81": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "0.0.0.0": false, "::": false, "224.0.0.1": false,
		"100.64.0.1": false, "fd00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"198.18.0.1": false, "255.255.255.255": false,
	}
	for s, want := range cases {
		if got := publicAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestHTMLText(t *testing.T) {
	got := htmlText(`<p>One &amp; two</p><script>x()</script><p>Three<br>four</p>`)
	if want := "One & two\n\nThree\n\nfour"; got != want {
		t.Errorf("htmlText = %q, want %q", got, want)
	}
}
