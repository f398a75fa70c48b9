package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"golang.org/x/net/html"
)

// getFeed fetches a feed and parses it with gofeed (a real feed parser),
// checking that it is well-formed Atom.
func getFeed(t *testing.T, ws *writeServer, query string) (*gofeed.Feed, http.Header) {
	t.Helper()
	status, h, body := ws.do(t, http.MethodGet, feedPath+"?"+query, "", nil)
	if status != http.StatusOK {
		t.Fatalf("feed %s: %d %s", query, status, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed cannot parse the feed of %s: %v\n%s", query, err, body)
	}
	if f.FeedType != "atom" || f.FeedVersion != "1.0" {
		t.Fatalf("feed type %s %s, want atom 1.0", f.FeedType, f.FeedVersion)
	}
	return f, h
}

func feedIDs(f *gofeed.Feed) []string {
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Link)
	}
	return out
}

// TestFeed: the Atom feed of a search lists its articles newest first,
// with title, links, dates, snippet and entities; a new matching article
// appears at the top once written, a non-matching one never; titles with
// XML's special characters and control characters stay well-formed.
func TestFeed(t *testing.T) {
	ws := newWriteServer(t, testKey)
	q := "q=redundancy&union=Unison"
	f, _ := getFeed(t, ws, q)
	if len(f.Items) == 0 {
		t.Fatal("empty feed for a search with hits")
	}
	for i := 1; i < len(f.Items); i++ {
		if f.Items[i].PublishedParsed != nil && f.Items[i-1].PublishedParsed != nil && f.Items[i].PublishedParsed.After(*f.Items[i-1].PublishedParsed) {
			t.Errorf("entries not newest first: %v after %v", f.Items[i].PublishedParsed, f.Items[i-1].PublishedParsed)
		}
	}
	before := len(f.Items)

	post := func(body string) {
		t.Helper()
		if status, _, b := ws.do(t, http.MethodPost, "/api/articles", testKey, []byte(body)); status != http.StatusCreated {
			t.Fatalf("post: %d %s", status, b)
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	hostile := "Unison <warns> & \"redundancy\" talks 'stall'\x01\x1b at Leeds ]]> \uFFFE"
	doc, _ := json.Marshal(map[string]string{"id": "feed-new", "title": hostile, "text": "Unison warns of 40 redundancies among porters at Leeds.\x07", "url": "https://news.example/a?x=1&y=<2>", "published": now})
	post(string(doc))
	post(`{"id":"feed-other","text":"GMB warns of 40 redundancies among porters at York.","published":"` + now + `"}`)

	f, h := getFeed(t, ws, q)
	if len(f.Items) != before+1 {
		t.Fatalf("%d entries after one matching write, want %d: %v", len(f.Items), before+1, feedIDs(f))
	}
	top := f.Items[0]
	wantLink := ws.URL + "/articles/feed-new"
	if top.Link != wantLink {
		t.Fatalf("top entry %s, want the new article %s", top.Link, wantLink)
	}
	for _, it := range f.Items {
		if strings.Contains(it.Link, "feed-other") {
			t.Errorf("a non-matching article is in the feed: %s", it.Link)
		}
	}
	if want := "Unison <warns> & \"redundancy\" talks 'stall' at Leeds ]]>"; top.Title != want {
		t.Errorf("title %q, want %q (special characters kept, control characters dropped)", top.Title, want)
	}
	if !strings.Contains(top.Description, "<mark>") || top.PublishedParsed == nil || top.PublishedParsed.Format(time.RFC3339) != now {
		t.Errorf("summary %q, published %v (want the snippet with marks and %s)", top.Description, top.PublishedParsed, now)
	}
	// The Atom details, through gofeed's Atom parser.
	_, _, body := ws.do(t, http.MethodGet, feedPath+"?"+q, "", nil)
	af, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var source bool
	for _, l := range af.Entries[0].Links {
		source = source || (l.Rel == "related" && l.Href == "https://news.example/a?x=1&y=<2>")
	}
	if !source {
		t.Errorf("links %+v lack the source URL", af.Entries[0].Links)
	}
	var cats []string
	for _, c := range af.Entries[0].Categories {
		cats = append(cats, c.Label+":"+c.Term)
	}
	if !slices.Contains(cats, "Union:Unison") || !slices.Contains(cats, "Place:Leeds") {
		t.Errorf("categories %v, want the union and the place", cats)
	}

	// Conditional requests.
	etag, lm := h.Get("ETag"), h.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, lm)
	}
	for _, hdr := range [][2]string{{"If-None-Match", etag}, {"If-Modified-Since", lm}} {
		req, _ := http.NewRequest(http.MethodGet, ws.URL+feedPath+"?"+q, nil)
		req.Header.Set(hdr[0], hdr[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: %d, want 304", hdr[0], resp.StatusCode)
		}
	}
	post(`{"id":"feed-newer","text":"Unison: 12 more redundancies at Leeds.","published":"` + time.Now().Add(time.Minute).UTC().Format(time.RFC3339) + `"}`)
	req, _ := http.NewRequest(http.MethodGet, ws.URL+feedPath+"?"+q, nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("If-None-Match after a matching write: %d, want 200", resp.StatusCode)
	}
	// A malformed search is a 400, as from /api/search.
	if status, _, _ := ws.do(t, http.MethodGet, feedPath+"?q=unions:Unison", "", nil); status != http.StatusBadRequest {
		t.Errorf("malformed query: %d, want 400", status)
	}
}

// TestSearchPageLinksFeed: the search page names its feed in the head
// and shows a "Follow this search" link to it.
func TestSearchPageLinksFeed(t *testing.T) {
	resp, err := http.Get(ts.URL + "/?q=nurse&union=Unison&sort=-jobs&from=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := html.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := feedPath + "?q=nurse&union=Unison"
	var alternate, follow string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if n.Data == "link" && a["rel"] == "alternate" && a["type"] == "application/atom+xml" {
				alternate = a["href"]
			}
			if n.Data == "a" && n.FirstChild != nil && strings.TrimSpace(n.FirstChild.Data) == "Follow this search" {
				follow = a["href"]
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if alternate != want || follow != want {
		t.Errorf("feed links: <link> %q, <a> %q, want %q", alternate, follow, want)
	}
	if u, err := url.Parse(want); err != nil || u.Query().Get("sort") != "" {
		t.Errorf("feed URL %q", want)
	}
}
