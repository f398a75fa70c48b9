package sources_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
)

func testTagger(t *testing.T) *tag.Tagger {
	return indextest.Tagger(t)
}

// clock is a clock the test moves; Sleep moves it instead of waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// harness is a --data with a Writer, a search service over it, and a
// Manager of sources, all real.
type harness struct {
	t      *testing.T
	data   string
	w      *index.Writer
	svc    *search.Service
	m      *sources.Manager
	clock  *clock
	opts   sources.Options
	writes atomic.Int64 // articles written (AfterWrite)
}

func newHarness(t *testing.T, set func(*sources.Options)) *harness {
	t.Helper()
	h := &harness{t: t, data: t.TempDir(), clock: &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}}
	h.opts = sources.Options{
		Data:  h.data,
		Fetch: sources.FetchOptions{AllowPrivate: true, Contact: "https://example.org/cutwatch", Timeout: 5 * time.Second},
		Now:   h.clock.Now, Sleep: h.clock.Sleep,
		Jitter: -1,
	}
	if set != nil {
		set(&h.opts)
	}
	h.open()
	t.Cleanup(h.close)
	return h
}

func (h *harness) open() {
	h.t.Helper()
	w, err := index.OpenWriter(context.Background(), h.data, index.WriterOptions{Tagger: testTagger(h.t),
		AfterWrite: []func(index.Change){func(c index.Change) { h.writes.Add(int64(len(c.Put))) }}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.w = w
	h.svc = search.New(w.Index(), search.Options{MaxSearches: -1})
	h.opts.Writer = w
	m, err := sources.Open(h.opts)
	if err != nil {
		_ = w.Close()
		h.t.Fatal(err)
	}
	h.m = m
}

func (h *harness) close() {
	if h.m != nil {
		if err := h.m.Close(); err != nil {
			h.t.Error(err)
		}
		h.m = nil
	}
	if h.w != nil {
		if err := h.w.Close(); err != nil {
			h.t.Error(err)
		}
		h.w = nil
	}
}

func (h *harness) add(url, filter string) api.SourceStatus {
	h.t.Helper()
	st, err := h.m.AddSource(context.Background(), api.SourceSpec{URL: url, Filter: filter, Interval: "1h"})
	if err != nil {
		h.t.Fatalf("add %s: %v", url, err)
	}
	return st
}

func (h *harness) poll(id string) error {
	h.t.Helper()
	return h.m.Poll(context.Background(), id)
}

func (h *harness) status(id string) api.SourceStatus {
	h.t.Helper()
	all, err := h.m.ListSources(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	for _, s := range all {
		if s.ID == id {
			return s
		}
	}
	h.t.Fatalf("no source %s", id)
	return api.SourceStatus{}
}

// search returns the ids of the articles a query finds.
func (h *harness) search(q string) []string {
	h.t.Helper()
	req, err := api.ParseRequest(h.w.Schema(), map[string][]string{"q": {q}, "size": {"100"}})
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := h.svc.Search(context.Background(), req)
	if err != nil {
		h.t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, hit := range res.Hits {
		ids = append(ids, hit.ID)
	}
	return ids
}

// Stories: on topic (an NHS trust or union and job cuts) and off topic.
var (
	onTopic = []story{
		{"porters", "Kirkwall porters face redundancy", "Unison says 40 porters at Mid Yorkshire Hospitals NHS Trust face redundancy as the trust seeks savings of £3m. The union will ballot its members on strike action next month."},
		{"nurses", "Trust to cut 120 nursing posts", "Leeds Teaching Hospitals NHS Trust plans to cut 120 nursing posts to save £5m, the Royal College of Nursing said on Tuesday. Managers said no patient would be affected."},
		{"admin", "Admin jobs to go at hospital", "Unite says 60 admin jobs will go at Barnsley Hospital NHS Foundation Trust in a restructure meant to save £2m over two years."},
	}
	offTopic = []story{
		{"bypass", "Council backs town bypass", "The county council has approved a new bypass around the town centre. Roadworks start in May and should finish within eighteen months, the council said."},
		{"fete", "Village fete returns", "The village fete returns to the green on Saturday with a dog show, a tug of war and cakes baked by the primary school's parents."},
	}
)

type story struct{ slug, title, text string }

// site serves feeds and pages on loopback and counts their requests.
type site struct {
	t   *testing.T
	srv *httptest.Server
	mux *http.ServeMux

	mu    sync.Mutex
	hits  map[string]int
	feeds map[string]func(w http.ResponseWriter, r *http.Request)
	robot string
}

func newSite(t *testing.T) *site {
	s := &site{t: t, mux: http.NewServeMux(), hits: map[string]int{}, feeds: map[string]func(http.ResponseWriter, *http.Request){}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		robot := s.robot
		f := s.feeds[r.URL.Path]
		s.mu.Unlock()
		if !strings.HasPrefix(r.UserAgent(), "cutwatch/") || !strings.Contains(r.UserAgent(), "https://example.org/cutwatch") {
			t.Errorf("%s: User-Agent %q names no cutwatch and contact", r.URL.Path, r.UserAgent())
		}
		switch {
		case r.URL.Path == "/robots.txt":
			if robot == "" {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(robot))
		case f != nil:
			f(w, r)
		case strings.HasPrefix(r.URL.Path, "/news/") || strings.HasPrefix(r.URL.Path, "/private/"):
			s.page(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) hit(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) handle(path string, f func(w http.ResponseWriter, r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[path] = f
}

func (s *site) url(path string) string { return s.srv.URL + path }

// page serves the article of the story named by the last path element,
// with a canonical link that drops the query and a published date.
func (s *site) page(w http.ResponseWriter, r *http.Request) {
	slug := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	for _, st := range append(append([]story{}, onTopic...), offTopic...) {
		if st.slug != slug {
			continue
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%[1]s | The Gazette</title>
<link rel="canonical" href="%[2]s/news/%[3]s">
<meta property="article:published_time" content="2026-02-27T09:30:00Z">
</head><body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>%[1]s</h1><p class="byline">By Jo Reporter</p>
<p>%[4]s</p><p>%[4]s Page only: the full story continues with more reporting from the Gazette's health correspondent.</p>
<p>Readers can contact the newsdesk with information about this story. The Gazette covers the district's hospitals, schools and councils every day.</p>
</article><footer>Copyright The Gazette</footer></body></html>`, st.title, s.srv.URL, st.slug, st.text)
		return
	}
	http.NotFound(w, r)
}

func rss(base string, sts ...story) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Gazette</title><link>` + base + `</link><description>News</description>`)
	for _, s := range sts {
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s/news/%s?utm_source=rss&amp;utm_medium=feed</link><guid>%s</guid><pubDate>Fri, 27 Feb 2026 09:00:00 GMT</pubDate><description><![CDATA[<p>%s</p>]]></description></item>`,
			s.title, base, s.slug, "gazette-"+s.slug, s.text)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func atom(base string, sts ...story) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Trade press</title><id>urn:x:trade</id><updated>2026-02-27T09:00:00Z</updated>`)
	for _, s := range sts {
		fmt.Fprintf(&b, `<entry><title>%s</title><link href="%s/news/%s"/><id>urn:x:%s</id><updated>2026-02-27T09:00:00Z</updated><summary type="html">&lt;p&gt;%s&lt;/p&gt;</summary></entry>`,
			s.title, base, s.slug, s.slug, s.text)
	}
	b.WriteString(`</feed>`)
	return b.String()
}

func jsonFeed(base string, sts ...story) string {
	type it struct {
		ID          string `json:"id"`
		URL         string `json:"url"`
		Title       string `json:"title"`
		ContentText string `json:"content_text"`
		Date        string `json:"date_published"`
	}
	f := struct {
		Version string `json:"version"`
		Title   string `json:"title"`
		Items   []it   `json:"items"`
	}{Version: "https://jsonfeed.org/version/1.1", Title: "Trust news"}
	for _, s := range sts {
		f.Items = append(f.Items, it{ID: "j-" + s.slug, URL: base + "/news/" + s.slug, Title: s.title, ContentText: s.text, Date: "2026-02-27T09:00:00Z"})
	}
	out, _ := json.Marshal(f)
	return string(out)
}

func serveBody(ctype, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write([]byte(body))
	}
}

// TestPollFeedFormats polls an RSS 2.0, an Atom and a JSON Feed source,
// each mixing stories on and off topic: the default filter keeps the
// first (searchable, under their canonical URLs, with the page's text)
// and skips the others, counted per source.
func TestPollFeedFormats(t *testing.T) {
	h := newHarness(t, nil)
	s := newSite(t)
	s.handle("/rss", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0], offTopic[0])))
	s.handle("/atom", serveBody("application/atom+xml", atom(s.srv.URL, onTopic[1], offTopic[1])))
	s.handle("/feed.json", serveBody("application/feed+json", jsonFeed(s.srv.URL, onTopic[2], offTopic[0])))
	for _, path := range []string{"/rss", "/atom", "/feed.json"} {
		src := h.add(s.url(path), "")
		if err := h.poll(src.ID); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		st := h.status(src.ID)
		if st.Kept != 1 || st.Skipped != 1 || st.LastError != "" || st.Failures != 0 {
			t.Errorf("%s: kept %d skipped %d error %q failures %d; want 1, 1, none, 0", path, st.Kept, st.Skipped, st.LastError, st.Failures)
		}
		if !st.NextPoll.Equal(st.LastPoll.Add(time.Hour)) {
			t.Errorf("%s: next poll %v, want last poll %v + 1h", path, st.NextPoll, st.LastPoll)
		}
	}
	for _, st := range onTopic {
		id := sources.URLID(s.url("/news/" + st.slug))
		got := h.search(`"continues with more reporting" ` + st.slug)
		if len(got) == 0 {
			got = h.search(st.title)
		}
		a, err := h.svc.Article(context.Background(), id)
		if err != nil {
			t.Errorf("%s: article %s: %v (search found %v)", st.slug, id, err, got)
			continue
		}
		if a.URL != s.url("/news/"+st.slug) || !strings.Contains(a.Text, "Page only") || a.Published.IsZero() {
			t.Errorf("%s: url %q, text from the page %v, published %v; want the canonical URL, the page's text and a date", st.slug, a.URL, strings.Contains(a.Text, "Page only"), a.Published)
		}
	}
	if got := h.search("bypass fete"); len(got) != 0 {
		t.Errorf("off-topic articles found: %v", got)
	}
	if got := h.search("porters nursing admin"); len(got) != 3 {
		t.Errorf("on-topic articles found: %v, want 3", got)
	}
}

// TestPollFailuresBackOff covers the ways a feed fails: malformed XML, a
// body over the cap, a server slower than the timeout, a redirect loop,
// 429 with Retry-After and 503 without. Each is the source's LastError,
// its next poll backs off (doubling), a good source beside it is polled
// as usual, and a good poll resets it.
func TestPollFailuresBackOff(t *testing.T) {
	h := newHarness(t, func(o *sources.Options) {
		o.Fetch.MaxBody = 5 << 20
		// Long enough to read /big's 5 MiB cap under -race on a busy
		// machine (at 300 ms it timed out there instead); /slow waits
		// for the timeout whatever it is.
		o.Fetch.Timeout = 3 * time.Second
		o.BackoffBase = time.Minute
		o.BackoffMax = 10 * time.Minute
	})
	s := newSite(t)
	big := strings.Repeat("<item><title>x</title></item>", (6<<20)/29)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s.handle("/good", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	s.handle("/malformed", serveBody("application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut short`))
	s.handle("/notfeed", serveBody("text/html", "<html><body>Our new website</body></html>"))
	s.handle("/big", serveBody("application/rss+xml", `<rss version="2.0"><channel>`+big+`</channel></rss>`))
	s.handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	s.handle("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	s.handle("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	s.handle("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	s.handle("/down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })

	cases := []struct {
		path, want string
		next       time.Duration // after the first failure
	}{
		{"/malformed", "parse feed", time.Minute},
		{"/notfeed", "parse feed", time.Minute},
		{"/big", "body too large", time.Minute},
		{"/slow", "Timeout", time.Minute},
		{"/loop", "redirects", time.Minute},
		{"/busy", "HTTP 429", time.Hour},
		{"/down", "HTTP 503", time.Minute},
	}
	good := h.add(s.url("/good"), "")
	for _, c := range cases {
		src := h.add(s.url(c.path), "")
		err := h.poll(src.ID)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: poll error %v, want one saying %q", c.path, err, c.want)
			continue
		}
		st := h.status(src.ID)
		if st.LastError != err.Error() || st.Failures != 1 || !st.NextPoll.Equal(st.LastPoll.Add(c.next)) {
			t.Errorf("%s: last error %q, failures %d, next poll in %v; want the error, 1, %v", c.path, st.LastError, st.Failures, st.NextPoll.Sub(st.LastPoll), c.next)
		}
		if err := h.poll(good.ID); err != nil {
			t.Errorf("good source after %s: %v", c.path, err)
		}
	}
	// Failures in a row double the wait, up to BackoffMax.
	down := sources.ID(s.url("/down"))
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute} {
		_ = h.poll(down)
		if st := h.status(down); st.NextPoll.Sub(st.LastPoll) != want {
			t.Errorf("/down after %d failures: next poll in %v, want %v", st.Failures, st.NextPoll.Sub(st.LastPoll), want)
		}
	}
	s.handle("/down", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[1])))
	if err := h.poll(down); err != nil {
		t.Fatal(err)
	}
	if st := h.status(down); st.Failures != 0 || st.LastError != "" || st.Kept != 1 {
		t.Errorf("/down recovered: failures %d, error %q, kept %d; want 0, none, 1", st.Failures, st.LastError, st.Kept)
	}
	if st := h.status(good.ID); st.Kept != 1 || st.Failures != 0 {
		t.Errorf("good source: kept %d, failures %d; want 1, 0", st.Kept, st.Failures)
	}
}

// TestPollRedirectFollowed checks that a feed moved by a redirect is
// read from its new place.
func TestPollRedirectFollowed(t *testing.T) {
	h := newHarness(t, nil)
	s := newSite(t)
	s.handle("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
	s.handle("/new", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	src := h.add(s.url("/old"), "")
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	if st := h.status(src.ID); st.Kept != 1 || s.hit("/new") != 1 {
		t.Errorf("kept %d, /new fetched %d times; want 1, 1", st.Kept, s.hit("/new"))
	}
}

// TestPollConditionalAndOnce checks that the second poll sends the
// validators and, answered 304, fetches nothing more; that a feed
// answered in full again (no validators) takes no item twice, also after
// a restart; and that a new item is taken.
func TestPollConditionalAndOnce(t *testing.T) {
	h := newHarness(t, nil)
	s := newSite(t)
	var feed atomic.Pointer[string]
	body := rss(s.srv.URL, onTopic[0], offTopic[0])
	feed.Store(&body)
	var conditional atomic.Bool
	conditional.Store(true)
	s.handle("/rss", func(w http.ResponseWriter, r *http.Request) {
		if conditional.Load() {
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Fri, 27 Feb 2026 09:00:00 GMT")
			if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Fri, 27 Feb 2026 09:00:00 GMT" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		_, _ = w.Write([]byte(*feed.Load()))
	})
	src := h.add(s.url("/rss"), "")
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	pages := s.hit("/news/porters") + s.hit("/news/bypass")
	if pages != 2 || h.writes.Load() != 1 {
		t.Fatalf("first poll: %d page fetches, %d articles written; want 2, 1", pages, h.writes.Load())
	}
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	st := h.status(src.ID)
	if st.NotModified != 1 || st.ETag != `"v1"` || st.Polls != 2 {
		t.Errorf("second poll: not modified %d, etag %q, polls %d; want 1, \"v1\", 2", st.NotModified, st.ETag, st.Polls)
	}
	if got := s.hit("/news/porters") + s.hit("/news/bypass"); got != pages || h.writes.Load() != 1 {
		t.Errorf("after a 304: %d page fetches, %d writes; want %d, 1", got, h.writes.Load(), pages)
	}
	// The server forgets its validators; the feed is read again but its
	// items were taken, also after a restart.
	conditional.Store(false)
	h.close()
	h.open()
	if st := h.status(src.ID); st.ETag != `"v1"` || st.Kept != 1 || st.Skipped != 1 {
		t.Errorf("after restart: etag %q, kept %d, skipped %d; want kept state", st.ETag, st.Kept, st.Skipped)
	}
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	if got := s.hit("/news/porters") + s.hit("/news/bypass"); got != pages || h.writes.Load() != 1 {
		t.Errorf("after restart: %d page fetches, %d writes; want %d, 1 (no item taken twice)", got, h.writes.Load(), pages)
	}
	body = rss(s.srv.URL, onTopic[0], offTopic[0], onTopic[1])
	feed.Store(&body)
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	if st := h.status(src.ID); st.Kept != 2 || h.writes.Load() != 2 || s.hit("/news/nurses") != 1 {
		t.Errorf("new item: kept %d, writes %d, page fetched %d; want 2, 2, 1", st.Kept, h.writes.Load(), s.hit("/news/nurses"))
	}
	if got := h.search("nursing porters"); len(got) != 2 {
		t.Errorf("search: %v, want 2 articles", got)
	}
}

// TestRobotsHonoured checks that a page robots.txt disallows is not
// fetched (the feed's content stands in) and that a disallowed feed is
// not fetched at all.
func TestRobotsHonoured(t *testing.T) {
	h := newHarness(t, nil)
	s := newSite(t)
	s.robot = "User-agent: *\nAllow: /\n\nUser-agent: cutwatch\nDisallow: /private/\nDisallow: /secret-feed\n"
	body := strings.ReplaceAll(rss(s.srv.URL, onTopic[0]), "/news/", "/private/")
	s.handle("/rss", serveBody("application/rss+xml", body))
	s.handle("/secret-feed", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[1])))
	src := h.add(s.url("/rss"), "")
	if err := h.poll(src.ID); err != nil {
		t.Fatal(err)
	}
	st := h.status(src.ID)
	if s.hit("/private/porters") != 0 || st.Kept != 1 || st.PageFallbacks != 1 {
		t.Errorf("disallowed page fetched %d times, kept %d, fallbacks %d; want 0, 1, 1", s.hit("/private/porters"), st.Kept, st.PageFallbacks)
	}
	a, err := h.svc.Article(context.Background(), sources.URLID(s.url("/private/porters")))
	if err != nil || strings.Contains(a.Text, "Page only") || !strings.Contains(a.Text, "Unison says 40 porters") {
		t.Errorf("article from the feed's content: %v, %+v", err, a)
	}
	sec := h.add(s.url("/secret-feed"), "")
	if err := h.poll(sec.ID); !errors.Is(err, sources.ErrRobots) || s.hit("/secret-feed") != 0 {
		t.Errorf("disallowed feed: %v, fetched %d times; want ErrRobots, 0", err, s.hit("/secret-feed"))
	}
	if s.hit("/robots.txt") != 1 {
		t.Errorf("robots.txt fetched %d times, want once (cached)", s.hit("/robots.txt"))
	}
}

// TestPrivateAddressRefused checks that without AllowPrivate a feed on
// loopback is refused at the dial, and so is a redirect to one.
func TestPrivateAddressRefused(t *testing.T) {
	h := newHarness(t, func(o *sources.Options) { o.Fetch.AllowPrivate = false })
	s := newSite(t)
	s.handle("/rss", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	for _, u := range []string{s.url("/rss"), strings.Replace(s.url("/rss"), "127.0.0.1", "localhost", 1)} {
		src := h.add(u, "")
		if err := h.poll(src.ID); !errors.Is(err, sources.ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := s.hit("/rss") + s.hit("/robots.txt"); n != 0 {
		t.Errorf("the server was reached %d times", n)
	}
}

// TestSameStoryTwoFeeds checks that one story in two feeds (its links
// with different tracking parameters) is one article.
func TestSameStoryTwoFeeds(t *testing.T) {
	h := newHarness(t, nil)
	s := newSite(t)
	s.handle("/rss", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	s.handle("/atom", serveBody("application/atom+xml", strings.ReplaceAll(atom(s.srv.URL, onTopic[0]), `/news/porters"`, `/news/porters?fbclid=abc&amp;utm_campaign=x"`)))
	for _, p := range []string{"/rss", "/atom"} {
		if err := h.poll(h.add(s.url(p), "").ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.search("porters"); len(got) != 1 || got[0] != sources.URLID(s.url("/news/porters")) {
		t.Errorf("porters: %v, want one article %s", got, sources.URLID(s.url("/news/porters")))
	}
}

// TestSourcesManage covers add (validation, update), list and remove, and
// that sources survive a restart.
func TestSourcesManage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	bad := []api.SourceSpec{
		{URL: "ftp://example.org/feed"},
		{URL: ""},
		{URL: "https://example.org/feed", Interval: "soon"},
		{URL: "https://example.org/feed", Interval: "1s"},
		{URL: "https://example.org/feed", Filter: `"unclosed`},
	}
	for _, b := range bad {
		if _, err := h.m.AddSource(ctx, b); !api.IsBadRequest(err) {
			t.Errorf("add %+v: %v, want a bad request", b, err)
		}
	}
	a := h.add("https://example.org/feed", "")
	if a.Filter != sources.DefaultFilter || a.Interval != "1h0m0s" || a.ID != sources.ID("https://example.org/feed") {
		t.Errorf("added %+v", a)
	}
	if _, err := h.m.AddSource(ctx, api.SourceSpec{URL: "https://example.org/feed", Filter: "*", Interval: "2h"}); err != nil {
		t.Fatal(err)
	}
	h.add("https://example.org/other", "unison")
	h.close()
	h.open()
	all, _ := h.m.ListSources(ctx)
	if len(all) != 2 || all[0].Filter == all[1].Filter {
		t.Fatalf("after restart: %+v", all)
	}
	for _, s := range all {
		if s.URL == "https://example.org/feed" && (s.Filter != "*" || s.Interval != "2h0m0s") {
			t.Errorf("updated source: %+v", s)
		}
	}
	if err := h.m.RemoveSource(ctx, "https://example.org/feed"); err != nil {
		t.Fatal(err)
	}
	if err := h.m.RemoveSource(ctx, a.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("remove twice: %v, want ErrNotFound", err)
	}
	if all, _ := h.m.ListSources(ctx); len(all) != 1 {
		t.Errorf("after remove: %+v", all)
	}
}

// TestSchedulerPolls checks that Start polls a source when it is due
// (at once when added) and Close stops and waits.
func TestSchedulerPolls(t *testing.T) {
	polled := make(chan string, 10)
	h := newHarness(t, func(o *sources.Options) {
		o.AfterPoll = func(id string, err error) { polled <- id }
	})
	s := newSite(t)
	s.handle("/rss", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	h.m.Start()
	src := h.add(s.url("/rss"), "")
	select {
	case id := <-polled:
		if id != src.ID {
			t.Errorf("polled %s, want %s", id, src.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the source was not polled")
	}
	if st := h.status(src.ID); st.Kept != 1 {
		t.Errorf("kept %d, want 1", st.Kept)
	}
	h.close()
}

// panicky is a Writer whose Prepare panics for articles naming a word.
type panicky struct {
	*index.Writer
	word string
}

func (p panicky) Prepare(ctx context.Context, arts []api.Article) (*index.Prepared, error) {
	for _, a := range arts {
		if strings.Contains(a.Text, p.word) {
			panic("tagger blew up on " + a.ID)
		}
	}
	return p.Writer.Prepare(ctx, arts)
}

// TestPollPanicIsTheSourcesOnly checks that a poll that panics fails
// that source only: the error is recorded, the process goes on, and the
// other source is written.
func TestPollPanicIsTheSourcesOnly(t *testing.T) {
	h := newHarness(t, nil)
	h.close()
	h.opts.Writer = nil
	w, err := index.OpenWriter(context.Background(), h.data, index.WriterOptions{Tagger: testTagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	h.svc = search.New(w.Index(), search.Options{MaxSearches: -1})
	h.opts.Writer = panicky{Writer: w, word: "porters"}
	if h.m, err = sources.Open(h.opts); err != nil {
		t.Fatal(err)
	}
	s := newSite(t)
	s.handle("/bad", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[0])))
	s.handle("/good", serveBody("application/rss+xml", rss(s.srv.URL, onTopic[1])))
	bad, good := h.add(s.url("/bad"), ""), h.add(s.url("/good"), "")
	if err := h.poll(bad.ID); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("bad source: %v, want a panic reported", err)
	}
	if st := h.status(bad.ID); st.Failures != 1 || !strings.Contains(st.LastError, "panicked") {
		t.Errorf("bad source: %+v", st)
	}
	if err := h.poll(good.ID); err != nil {
		t.Fatal(err)
	}
	if got := h.search("nursing"); len(got) != 1 {
		t.Errorf("good source's article: %v", got)
	}
}
