package once_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/cluster/natstest"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/once"
)

// node is one cutwatch node's connection to the NATS cluster: its own
// client connection (to its own server) and its handles on the buckets.
type node struct {
	name string
	nc   *nats.Conn
	js   jetstream.JetStream
	cl   *once.Cluster
}

// connect connects node name to server i of c and opens the buckets
// with cfg.
func connect(t *testing.T, c *natstest.Cluster, i int, name string, cfg once.Config) *node {
	t.Helper()
	nc, err := nats.Connect(c.URL(i), nats.Name(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Node = name
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := once.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &node{name: name, nc: nc, js: js, cl: cl}
}

// openWriter opens an index.Writer on a new --data directory.
func openWriter(t *testing.T, opts index.WriterOptions) *index.Writer {
	t.Helper()
	opts.Tagger = indextest.Tagger(t)
	w, err := index.OpenWriter(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// counting is the write path of the sources' test: the cluster's
// api.Ingester stands for one Writer that every node writes through; it
// counts the articles each node puts.
type counting struct {
	w  *index.Writer
	mu sync.Mutex
	by map[string][]string // node → article ids put
}

type nodeIngester struct {
	c    *counting
	node string
}

func (n nodeIngester) Put(ctx context.Context, arts []api.Article) ([][]tag.Entity, error) {
	ents, err := n.c.w.Put(ctx, arts)
	if err == nil {
		n.c.mu.Lock()
		for _, a := range arts {
			n.c.by[n.node] = append(n.c.by[n.node], a.ID)
		}
		n.c.mu.Unlock()
	}
	return ents, err
}

func (c *counting) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ids := range c.by {
		out = append(out, ids...)
	}
	slices.Sort(out)
	return out
}

// waitFor polls cond every 20 ms until it holds, or fails after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newsSite serves an RSS feed of stories at /feed (with an ETag, and 304
// to a request that sends it back) and each story's page at /news/<n>,
// and records every request.
type newsSite struct {
	srv     *httptest.Server
	mu      sync.Mutex
	stories int
	feeds   []feedHit
	pages   map[string]int
}

// feedHit is one request of the feed: when, by which node (the contact
// URL in the User-Agent), with which If-None-Match, answered how.
type feedHit struct {
	at          time.Time
	node        string
	ifNoneMatch string
	status      int
}

func newNewsSite(t *testing.T, stories int) *newsSite {
	s := &newsSite{stories: stories, pages: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		node := ua[strings.LastIndex(ua, "/")+1:]
		node = strings.TrimRight(node, ")")
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case r.URL.Path == "/feed":
			etag := fmt.Sprintf(`"v%d"`, s.stories)
			hit := feedHit{at: time.Now(), node: node, ifNoneMatch: r.Header.Get("If-None-Match"), status: 200}
			if hit.ifNoneMatch == etag {
				hit.status = 304
			}
			s.feeds = append(s.feeds, hit)
			if hit.status == 304 {
				w.WriteHeader(304)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("ETag", etag)
			var b strings.Builder
			b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Gazette</title><link>` + s.srv.URL + `</link><description>News</description>`)
			for i := range s.stories {
				fmt.Fprintf(&b, `<item><title>Trust %[1]d cuts jobs</title><link>%[2]s/news/%[1]d</link><guid>story-%[1]d</guid><pubDate>Fri, 27 Feb 2026 09:00:00 GMT</pubDate><description>NHS trust %[1]d plans %[1]d0 redundancies.</description></item>`, i, s.srv.URL)
			}
			b.WriteString(`</channel></rss>`)
			_, _ = w.Write([]byte(b.String()))
		case strings.HasPrefix(r.URL.Path, "/news/"):
			n := strings.TrimPrefix(r.URL.Path, "/news/")
			s.pages[n]++
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Trust %[1]s cuts jobs</title></head><body><article><h1>Trust %[1]s cuts jobs</h1>
<p>The NHS trust number %[1]s said it plans %[1]s0 redundancies among its administrative staff this year, Unison said.</p>
<p>Managers said the cuts were needed to close a deficit; the union said patients would suffer. A consultation starts next month.</p>
</article></body></html>`, n)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *newsSite) hits() []feedHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.feeds)
}

func (s *newsSite) addStory() {
	s.mu.Lock()
	s.stories++
	s.mu.Unlock()
}

func (s *newsSite) pageHits() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.pages {
		out[k] = v
	}
	return out
}
