package sources

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is what Extract finds in an article's web page.
type Page struct {
	Title     string
	Byline    string
	Text      string
	Published time.Time
	// Canonical is the page's <link rel=canonical>, resolved against its
	// URL (nil when it has none, or none that is http or https).
	Canonical *url.URL
}

// Extract reads an article's web page: its main text, title, byline and
// published date (readability, a Go port of Firefox's Reader View), and
// its canonical URL. pageURL resolves relative links.
func Extract(body []byte, pageURL *url.URL) (Page, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return Page{}, fmt.Errorf("parse page: %w", err)
	}
	var p Page
	p.Canonical = canonicalLink(doc, pageURL)
	art, err := readability.FromDocument(doc, pageURL)
	if err != nil {
		return p, fmt.Errorf("extract article: %w", err)
	}
	var text strings.Builder
	if err := art.RenderText(&text); err != nil {
		return p, fmt.Errorf("extract text: %w", err)
	}
	p.Text = strings.TrimSpace(text.String())
	p.Title = strings.TrimSpace(art.Title())
	p.Byline = strings.TrimSpace(art.Byline())
	if t, err := art.PublishedTime(); err == nil {
		p.Published = t
	}
	return p, nil
}

// canonicalLink returns the href of the first <link rel=canonical> of
// doc, resolved against base.
func canonicalLink(doc *html.Node, base *url.URL) *url.URL {
	var found *url.URL
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.Data == "body" {
			return false // <link rel=canonical> belongs in <head>
		}
		if n.Type == html.ElementNode && n.Data == "link" {
			var rel, href string
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "rel":
					rel = strings.ToLower(a.Val)
				case "href":
					href = strings.TrimSpace(a.Val)
				}
			}
			if slices.Contains(strings.Fields(rel), "canonical") && href != "" {
				if u, err := base.Parse(href); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
					found = u
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	return found
}

// trackingParams are query parameters that say how a reader came to a
// page, not which page: they are dropped from canonical URLs.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "igshid": true,
	"ocid": true, "cmpid": true, "cmp": true, "ito": true, "at_medium": true,
	"at_campaign": true, "at_custom1": true, "at_custom2": true, "at_custom3": true,
	"at_custom4": true, "ns_mchannel": true, "ns_source": true, "ns_campaign": true,
	"ns_linkname": true, "ns_fee": true, "s_cid": true, "rss": true, "ref": true,
	"ref_src": true, "CMP": true,
}

// CanonicalURL returns u normalised to name its article once: scheme and
// host in lower case, default port, fragment and tracking parameters
// (utm_* and the like) dropped, the other parameters sorted.
func CanonicalURL(u *url.URL) string {
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = strings.ToLower(c.Host)
	if (c.Scheme == "http" && c.Port() == "80") || (c.Scheme == "https" && c.Port() == "443") {
		c.Host = c.Hostname()
	}
	c.Fragment, c.RawFragment = "", ""
	c.User = nil
	if c.Path == "" {
		c.Path = "/"
	}
	q := c.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") || trackingParams[k] || trackingParams[strings.ToLower(k)] {
			delete(q, k)
		}
	}
	c.RawQuery = q.Encode() // sorted by key
	c.ForceQuery = false
	return c.String()
}

// URLIDPrefix starts the id of every article taken from a feed.
const URLIDPrefix = "url-"

// URLID is the id of the article at a canonical URL: the same story seen
// again, in another feed or after an edit, replaces one article.
func URLID(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return URLIDPrefix + hex.EncodeToString(sum[:16])
}

// htmlText returns the text of an HTML fragment (a feed item's content),
// with blocks on lines of their own.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			switch n.Data {
			case "script", "style":
				return
			case "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr":
				b.WriteString("\n")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n\n")
}
