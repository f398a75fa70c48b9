package sources

import (
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

func TestHTMLText(t *testing.T) {
	got := htmlText(`<p>One &amp; two</p><script>x()</script><p>Three<br>four</p>`)
	if want := "One & two\n\nThree\n\nfour"; got != want {
		t.Errorf("htmlText = %q, want %q", got, want)
	}
}
