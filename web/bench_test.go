package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/searchtest"
)

// BenchmarkHTTPSearchMix runs the fixed query mix against /api/search over
// HTTP on loopback (one keep-alive client, one request at a time) on the
// seed index, and reports the p50 and p99 latency.
func BenchmarkHTTPSearchMix(b *testing.B) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		resp, err := client.Get(ts.URL + "/api/search?" + searchtest.QueryMix[i%len(searchtest.QueryMix)])
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, err %v", resp.StatusCode, err)
		}
		lat = append(lat, time.Since(start))
	}
	searchtest.ReportLatency(b, lat)
}

// benchPage serves path through the real router and handlers over the seed
// index (TestMain's), in process, and fails unless it answers 200. It
// measures the server side of a page view: parse, search, build the view,
// render the template into a buffer, write.
func benchPage(b *testing.B, path string) {
	h := New(svc, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, w.Code)
		}
		b.SetBytes(int64(w.Body.Len()))
	}
}

// BenchmarkRenderSearchPage renders the search page for a query with a
// facet filter (target: under 50 ms).
func BenchmarkRenderSearchPage(b *testing.B) { benchPage(b, "/?q=redundancy&union=Unison") }

// BenchmarkRenderSearchPageAll renders the search page with no query: every
// article, all facets.
func BenchmarkRenderSearchPageAll(b *testing.B) { benchPage(b, "/") }

// BenchmarkRenderArticlePage renders the article page of the longest seed
// with its entities highlighted (target: under 50 ms).
func BenchmarkRenderArticlePage(b *testing.B) { benchPage(b, "/articles/"+northEast) }

// BenchmarkSearchAPISameQuery answers the search page's request as JSON,
// to show what the HTML rendering adds to the search itself.
func BenchmarkSearchAPISameQuery(b *testing.B) { benchPage(b, "/api/search?q=redundancy&union=Unison") }

// BenchmarkSearchAPICached answers /api/search from the result cache, as a
// served search repeated between two writes is: parse, the cache lookup,
// encode, write. It is the cost behind the "as served" HTTP load figures.
func BenchmarkSearchAPICached(b *testing.B) {
	cached := search.New(seedIdx, search.Options{Generation: func() uint64 { return 1 }, MaxSearches: -1})
	h := New(cached, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()
	req := httptest.NewRequest(http.MethodGet, "/api/search?q=redundancy&facet_size=5", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d", w.Code)
		}
	}
}
