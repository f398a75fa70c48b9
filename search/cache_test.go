package search

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/searchtest"
)

// realTagger returns the tagger of the package's tests, made once.
func realTagger(t *testing.T) *tag.Tagger {
	return indextest.Tagger(t)
}

// seedWriter opens an index.Writer on a fresh --data holding the seeds in
// its store and index.
func seedWriter(t *testing.T) *index.Writer {
	t.Helper()
	w, err := indextest.OpenSeedWriter(t.TempDir(), realTagger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	return w
}

// switchTagger is the real tagger which, once on is set, also tags every
// mention of from as a place called to: a tagger whose gazetteer changed,
// so that a re-index (which re-tags the stored articles) changes what the
// index holds.
type switchTagger struct {
	*tag.Tagger
	on       atomic.Bool
	from, to string
}

func (s *switchTagger) Tag(text string) ([]tag.Entity, error) {
	ents, err := s.Tagger.Tag(text)
	if err != nil || !s.on.Load() {
		return ents, err
	}
	for i := 0; ; {
		j := strings.Index(text[i:], s.from)
		if j < 0 {
			break
		}
		start := i + j
		ents = append(ents, tag.Entity{Type: tag.Place, Value: s.to, Text: s.from, Start: start, End: start + len(s.from)})
		i = start + len(s.from)
	}
	return ents, nil
}

func mustParse(t *testing.T, params string) api.Request {
	t.Helper()
	v, err := url.ParseQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	req, err := api.ParseRequest(schema.Default, v)
	if err != nil {
		t.Fatalf("%s: %v", params, err)
	}
	return req
}

func searchP(t *testing.T, s *Service, params string) *api.Result {
	t.Helper()
	res, err := s.Search(context.Background(), mustParse(t, params))
	if err != nil {
		t.Fatalf("search %s: %v", params, err)
	}
	return res
}

func countOf(counts []api.TermCount, value string) int {
	for _, c := range counts {
		if c.Value == value {
			return c.Count
		}
	}
	return 0
}

// TestCacheNeverStale runs the same searches before and after each kind of
// write through a cached Service over a live index.Writer: every search
// after a write must see it, facet counts included, although the search
// before it filled the cache with the same request.
func TestCacheNeverStale(t *testing.T) {
	// The tagger learns a new place before the re-index, which re-tags
	// the stored articles: the re-index changes what a search finds.
	tg := &switchTagger{Tagger: realTagger(t), from: "Stornoway", to: "Lerwick"}
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: tg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	if st, err := w.PutFiles(ctx, []string{indextest.SeedsDir()}, nil); err != nil || st.Indexed != 5 || len(st.Skipped) > 0 {
		t.Fatalf("writing the seeds: indexed %d, skipped %v, %v", st.Indexed, st.Skipped, err)
	}
	s := New(w.Index(), Options{Generation: w.Generation})
	kirkwall := api.Article{ID: "kirkwall", Title: "Kirkwall cuts",
		Text: "Unison says 40 porters at Kirkwall hospital face redundancy."}

	steps := []struct {
		name   string
		params string
		write  func() error
		before func(*api.Result) bool // holds before the write (and is cached)
		after  func(*api.Result) bool
	}{
		{"put adds a hit", "q=kirkwall",
			func() error { _, err := w.Put(ctx, []api.Article{kirkwall}); return err },
			func(r *api.Result) bool { return r.Total == 0 },
			func(r *api.Result) bool { return r.Total == 1 && r.Hits[0].ID == "kirkwall" }},
		{"put counts in the landing page's facets", "q=",
			func() error {
				a := kirkwall
				a.ID, a.Title, a.Text = "wick", "Wick cuts", "Unison says 12 cleaners at Wick face redundancy."
				_, err := w.Put(ctx, []api.Article{a})
				return err
			},
			func(r *api.Result) bool { return r.Total == 6 && countOf(r.Facets.Terms("union"), "Unison") == 5 },
			func(r *api.Result) bool { return r.Total == 7 && countOf(r.Facets.Terms("union"), "Unison") == 6 }},
		{"put replaces", "q=kirkwall&union=Unison",
			func() error {
				a := kirkwall
				a.Text = "The GMB says 40 porters at Stornoway face redundancy."
				_, err := w.Put(ctx, []api.Article{a})
				return err
			},
			func(r *api.Result) bool { return r.Total == 1 },
			func(r *api.Result) bool { return r.Total == 0 }},
		{"delete drops a hit and its facet counts", "union=Unison&facet_size=20",
			func() error { return w.Delete(ctx, "wick") },
			func(r *api.Result) bool { return r.Total == 5 && countOf(r.Facets.Terms("union"), "Unison") == 5 },
			func(r *api.Result) bool { return r.Total == 4 && countOf(r.Facets.Terms("union"), "Unison") == 4 }},
		{"re-index swaps in a re-tagged index", "place=Lerwick",
			func() error {
				tg.on.Store(true)
				_, err := w.Reindex(ctx, api.ReindexOptions{})
				return err
			},
			func(r *api.Result) bool { return r.Total == 0 },
			func(r *api.Result) bool { return r.Total == 1 && r.Hits[0].ID == "kirkwall" }},
	}
	for _, st := range steps {
		first := searchP(t, s, st.params)
		if !st.before(first) {
			t.Fatalf("%s: before the write: total %d, %+v", st.name, first.Total, first.Facets.Terms("union"))
		}
		hits := s.CacheStats().Hits
		if again := searchP(t, s, st.params); !st.before(again) || s.CacheStats().Hits != hits+1 {
			t.Fatalf("%s: the repeated search was not answered from the cache (hits %d -> %d)", st.name, hits, s.CacheStats().Hits)
		}
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res := searchP(t, s, st.params); !st.after(res) {
			t.Errorf("%s: the search after the write is stale: total %d, hits %v, unions %+v", st.name, res.Total, hitIDs(res), res.Facets.Terms("union"))
		}
	}
}

// TestCachedEqualsUncached checks that cached answers, including those
// assembled from facet counts cached by other requests, are exactly what
// a Service without a cache answers. The order of the requests is a
// user's: the landing page, then ticking facet values one by one, then
// paging and sorting, so that most facet counts come from earlier
// requests.
func TestCachedEqualsUncached(t *testing.T) {
	cached := New(svc.idx, Options{Generation: func() uint64 { return 1 }})
	seq := append([]string{
		"q=",
		"q=&from=2&size=2",
		"union=Unison",
		"union=Unison&place=Oxford",
		"union=Unison&union=Royal+College+of+Nursing&place=Oxford",
		"place=Oxford&union=Royal+College+of+Nursing&union=Unison&union=Unison", // same filters, other order
		"q=redundancy",
		"q=redundancy&hospital=Horton+Hospital",
		"q=redundancy&hospital=Horton+Hospital&sort=-jobs",
		"q=redundancy&hospital=Horton+Hospital&jobs_min=300",
		"q=redundancy&jobs_min=300",
		"q=redundancy&facets=union,jobs",
		"q=redundancy&facets=none",
		"q=redundancy&facet_size=1",
	}, searchtest.QueryMix...)
	for pass := range 2 {
		for _, params := range seq {
			want := searchP(t, svc, params)
			got := searchP(t, cached, params)
			want.TookMS, got.TookMS = 0, 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pass %d, %s: cached answer differs:\n got %+v\nwant %+v", pass, params, got, want)
			}
		}
	}
	st := cached.CacheStats()
	if st.FacetHits == 0 || st.Hits < uint64(len(seq)) {
		t.Errorf("cache stats %+v: want facet counts shared between requests and every second-pass search a hit", st)
	}
}

// TestIdenticalSearchesRunOnce checks that searches arriving while an
// identical one runs wait for its result instead of searching again.
func TestIdenticalSearchesRunOnce(t *testing.T) {
	var runs atomic.Int32
	release := make(chan struct{})
	s := New(svc.idx, Options{Generation: func() uint64 { return 1 }, Admitted: func(ctx context.Context) {
		runs.Add(1)
		<-release
	}})
	const n = 8
	req := mustParse(t, "q=&union=Unison")
	if err := req.Validate(schema.Default); err != nil {
		t.Fatal(err)
	}
	results := make([]*api.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.Search(context.Background(), req)
		}()
	}
	waitFor(t, "all searches waiting for one", func() bool { return s.flight.waiting("1\x00search\x00"+requestKey(schema.Default, &req)) == n })
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("search %d: %v", i, errs[i])
		}
		if results[i].Total != 4 || !reflect.DeepEqual(results[i].Hits, results[0].Hits) {
			t.Errorf("search %d: total %d, hits %v", i, results[i].Total, hitIDs(results[i]))
		}
	}
	if r := runs.Load(); r != 1 {
		t.Errorf("%d identical concurrent searches ran %d times, want once", n, r)
	}
	if st := s.CacheStats(); st.Shared != n-1 || st.Misses != n {
		t.Errorf("cache stats %+v: want %d misses of which %d shared", st, n, n-1)
	}
}

// TestSearchAfterWriteDoesNotJoinOlderSearch checks that a search started
// after a write does not take the result of an identical search that
// started before it and is still running: that result may predate the
// write.
func TestSearchAfterWriteDoesNotJoinOlderSearch(t *testing.T) {
	w := seedWriter(t)
	var hold atomic.Bool
	hold.Store(true)
	held := make(chan struct{})
	release := make(chan struct{})
	s := New(w.Index(), Options{Generation: w.Generation, Admitted: func(ctx context.Context) {
		if hold.CompareAndSwap(true, false) {
			close(held)
			<-release
		}
	}})
	ctx := context.Background()
	req := api.Request{Q: "kirkwall"}
	old := make(chan *api.Result, 1)
	go func() {
		res, err := s.Search(ctx, req)
		if err != nil {
			t.Error(err)
		}
		old <- res
	}()
	<-held // the first search is admitted and has not read the index yet
	if _, err := w.Put(ctx, []api.Article{{ID: "kirkwall", Text: "Porters at Kirkwall face redundancy."}}); err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	type answer struct {
		res *api.Result
		err error
	}
	newer := make(chan answer, 1)
	go func() {
		res, err := s.Search(ctx, req)
		newer <- answer{res, err}
	}()
	var a answer
	select {
	case a = <-newer:
	case <-time.After(time.Minute):
		t.Fatal("the search after the write waited for the older search")
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.res.Total != 1 {
		t.Errorf("search after the write found %d articles, want the new one", a.res.Total)
	}
	released = true
	close(release)
	<-old
	// The older search's result (whatever it saw) must not have replaced
	// the newer one in the cache.
	if res, _ := s.Search(ctx, req); res.Total != 1 {
		t.Errorf("the next search found %d articles, want 1", res.Total)
	}
}

// TestCallerLeavingStopsSearch checks that one of several callers leaving
// does not cancel a search for the others, and that a search whose last
// caller has gone is cancelled.
func TestCallerLeavingStopsSearch(t *testing.T) {
	req := api.Request{Q: "nurse"}
	if err := req.Validate(schema.Default); err != nil {
		t.Fatal(err)
	}
	key := "1\x00search\x00" + requestKey(schema.Default, &req)
	errc := make(chan error, 2)

	release := make(chan struct{})
	s := New(svc.idx, Options{Generation: func() uint64 { return 1 }, Admitted: func(ctx context.Context) {
		select {
		case <-ctx.Done():
			t.Error("the search was cancelled while a caller still waited")
		case <-release:
		}
	}})
	ctx1, cancel1 := context.WithCancel(context.Background())
	go func() { _, err := s.Search(ctx1, req); errc <- err }()
	go func() { _, err := s.Search(context.Background(), req); errc <- err }()
	waitFor(t, "two callers", func() bool { return s.flight.waiting(key) == 2 })
	cancel1()
	if err := <-errc; !errors.Is(err, api.ErrTimeout) {
		t.Errorf("caller that left: err %v, want ErrTimeout", err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Errorf("caller that stayed: %v", err)
	}

	stopped := make(chan struct{})
	s = New(svc.idx, Options{Generation: func() uint64 { return 1 }, Admitted: func(ctx context.Context) {
		<-ctx.Done() // held until cancelled
		close(stopped)
	}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, err := s.Search(ctx, req); errc <- err }()
	waitFor(t, "one caller", func() bool { return s.flight.waiting(key) == 1 })
	cancel()
	<-errc
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		t.Fatal("the search went on with nobody waiting for it")
	}
}

// waitFor polls cond until it holds; it fails the test after a minute,
// which only a bug can take.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCacheLRU(t *testing.T) {
	tests := []struct {
		name       string
		entries    int
		bytes      int64
		ops        []string // a key to put (100 bytes), "get KEY", "gen N"
		wantKeys   []string
		wantAbsent []string
	}{
		{"entry bound evicts least recently used", 2, 1000, []string{"a", "b", "get a", "c"}, []string{"a", "c"}, []string{"b"}},
		{"byte bound", 100, 800, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, []string{"c", "j"}, []string{"a", "b"}},
		{"put again replaces", 2, 1000, []string{"a", "b", "a", "c"}, []string{"a", "c"}, []string{"b"}},
		{"newer generation drops the rest", 10, 1000, []string{"a", "b", "gen 2", "c"}, []string{"c"}, []string{"a", "b"}},
		{"older generation is not stored", 10, 1000, []string{"gen 2", "a", "gen 1", "b"}, []string{"a"}, []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(tt.entries, tt.bytes)
			gen := uint64(1)
			for _, op := range tt.ops {
				switch {
				case strings.HasPrefix(op, "gen "):
					gen, _ = strconv.ParseUint(op[4:], 10, 64)
				case strings.HasPrefix(op, "get "):
					c.get(op[4:], gen)
				default:
					c.put(op, gen, op, 100)
				}
			}
			for _, k := range tt.wantKeys {
				if v, ok := c.get(k, c.gen); !ok || v != k {
					t.Errorf("%s missing", k)
				}
			}
			for _, k := range tt.wantAbsent {
				if _, ok := c.get(k, c.gen); ok {
					t.Errorf("%s still cached", k)
				}
			}
			if st := c.stats(); st.Bytes > tt.bytes || st.Entries > tt.entries {
				t.Errorf("stats %+v beyond the bounds", st)
			}
		})
	}
	// An entry larger than an eighth of the budget is not cached at all.
	c := newCache(10, 800)
	c.put("big", 1, "x", 101)
	if _, ok := c.get("big", 1); ok {
		t.Error("an oversize entry was cached")
	}
}
