package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// feedPath is the Atom feed of a search: GET feedPath?<the parameters of
// /api/search>.
const feedPath = "/feeds/search.atom"

// feedSize is the number of entries of a feed without a size parameter.
const feedSize = 20

// feedURL is the feed of the search r (its query, filters and ranges).
func feedURL(s *schema.Schema, r api.Request) string {
	u := searchURL(s, api.Request{Q: r.Q, Filters: r.Filters, Ranges: r.Ranges})
	return feedPath + strings.TrimPrefix(u, "/")
}

// Atom 1.0 (RFC 4287) elements, as much of them as cutwatch fills.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	Published  string         `xml:"published,omitempty"`
	Updated    string         `xml:"updated"`
	Summary    atomText       `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

func (s *Server) serveFeed(c *gin.Context) {
	body, modified, err := s.feed(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "no-cache")
	if !modified.IsZero() {
		c.Header("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if notModified(c.Request, etag, modified) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", body)
}

// notModified applies If-None-Match (exact: the ETag is a hash of the
// feed) and, only without it, If-Modified-Since.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for t := range strings.SplitSeq(inm, ",") {
			if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modified.IsZero() {
		return !modified.Truncate(time.Second).After(ims)
	}
	return false
}

// feed builds the Atom feed of the request's search: its newest articles
// by publication date, and the time of the newest.
func (s *Server) feed(c *gin.Context) ([]byte, time.Time, error) {
	q := c.Request.URL.Query()
	req, err := api.ParseRequest(s.schema, q)
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Sort = api.SortPublishedDesc
	req.From = 0
	if q.Get("size") == "" {
		req.Size = feedSize
	}
	req.Facets = []string{api.FacetNone}
	ctx := c.Request.Context()
	res, err := s.search(ctx, req)
	if err != nil {
		return nil, time.Time{}, err
	}
	base := s.baseURL(c.Request)
	view := feedURL(s.schema, req)
	title := "cutwatch"
	if req.Q != "" {
		title += ": " + req.Q
	}
	var desc []string
	for _, f := range s.schema.TermNames() {
		for _, v := range req.ActiveFilters(f) {
			desc = append(desc, f+": "+v)
		}
	}
	f := atomFeed{
		ID:        base + view,
		Title:     xmlSafe(title),
		Subtitle:  xmlSafe(strings.Join(desc, "; ")),
		Generator: "cutwatch",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + view},
			{Rel: "alternate", Type: "text/html", Href: base + "/" + strings.TrimPrefix(view, feedPath)},
		},
	}
	var newest time.Time
	for _, h := range res.Hits {
		a, err := s.searcher.Article(ctx, h.ID)
		if err != nil {
			return nil, time.Time{}, err
		}
		page := base + articleURL(h.ID)
		e := atomEntry{
			ID:      page,
			Title:   xmlSafe(h.Title),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: page}},
			Summary: atomText{Type: "html", Body: xmlSafe(h.Snippet)},
		}
		if a.URL != "" {
			e.Links = append(e.Links, atomLink{Rel: "related", Href: xmlSafe(a.URL)})
		}
		if a.Published != nil {
			t := a.Published.UTC()
			e.Published = t.Format(time.RFC3339)
			e.Updated = e.Published
			if t.After(newest) {
				newest = t
			}
		} else {
			// Atom requires a date: an undated article is dated by the
			// feed (it sorts last, see README).
			e.Updated = time.Unix(0, 0).UTC().Format(time.RFC3339)
		}
		for _, k := range s.schema.Kinds() {
			if k.Numeric {
				continue
			}
			for _, v := range h.Values.Terms(k.Kind) {
				e.Categories = append(e.Categories, atomCategory{Term: xmlSafe(v), Scheme: base + "/?" + url.QueryEscape(k.Name()) + "=", Label: k.Label})
			}
		}
		f.Entries = append(f.Entries, e)
	}
	if newest.IsZero() {
		newest = time.Unix(0, 0).UTC()
	}
	f.Updated = newest.Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		return nil, time.Time{}, err
	}
	buf.WriteByte('\n')
	if newest.Unix() == 0 {
		newest = time.Time{}
	}
	return buf.Bytes(), newest, nil
}

// baseURL is the scheme and host links in feeds and deliveries start with:
// Options.PublicURL, or the request's own.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return strings.TrimRight(s.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// xmlSafe drops the characters XML 1.0 does not allow (control
// characters other than tab, newline and carriage return, surrogates,
// U+FFFE and U+FFFF) and invalid UTF-8, which encoding/xml would turn into
// U+FFFD: a title with a stray control character stays readable.
func xmlSafe(s string) string {
	ok := true
	for _, r := range s {
		if !xmlChar(r) {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				continue
			}
		}
		if xmlChar(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
