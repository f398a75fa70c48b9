package search

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/searchtest"
)

// BenchmarkMatchAllFacets measures uncached requests whose facets count
// over all documents (the landing page, and trust=X whose trust facet is
// disjunctive), with bleve counting them and with the Writer's match-all
// counts, on the --data directory named by CUTWATCH_BENCH_DATA (e.g. one
// made by 'cutwatch gen --n 10000' and 'cutwatch index --data DIR'; the
// Writer adds its store there). It reports p50 and p99 latency.
func BenchmarkMatchAllFacets(b *testing.B) {
	data := os.Getenv("CUTWATCH_BENCH_DATA")
	if data == "" {
		b.Skip("CUTWATCH_BENCH_DATA not set: no --data directory to benchmark on")
	}
	tg, err := tag.New()
	if err != nil {
		b.Fatal(err)
	}
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	_, c := w.MatchAllCounts()
	if c == nil {
		b.Fatal("no match-all counts")
	}
	trust := c.Top(string(tag.Trust), 1)[0].Term
	reqs := map[string]api.Request{
		"landing": {},
		"trust":   {Filters: map[string][]string{string(tag.Trust): {trust}}},
	}
	svcs := map[string]*Service{
		"bleve":  New(w.Index(), Options{Generation: w.Generation, CacheEntries: -1}),
		"counts": New(w.Index(), Options{Generation: w.Generation, CacheEntries: -1, MatchAll: w.MatchAllCounts}),
	}
	for _, rn := range []string{"landing", "trust"} {
		for _, sn := range []string{"bleve", "counts"} {
			b.Run(rn+"/"+sn, func(b *testing.B) {
				ctx := context.Background()
				var lat []time.Duration
				for b.Loop() {
					start := time.Now()
					if _, err := svcs[sn].Search(ctx, reqs[rn]); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				searchtest.ReportLatency(b, lat)
			})
		}
	}
}

// BenchmarkCommonPhrase measures an uncached phrase search ($CUTWATCH_PHRASE,
// "compulsory redundancies" by default: two thirds of the bench's articles)
// with the Writer's bitmaps, where phrases are checked without bleve's
// position maps (fastPhrases), and with bleve alone, on the --data
// directory named by CUTWATCH_BENCH_DATA. It reports p50 and p99 latency.
func BenchmarkCommonPhrase(b *testing.B) {
	data := os.Getenv("CUTWATCH_BENCH_DATA")
	if data == "" {
		b.Skip("CUTWATCH_BENCH_DATA not set: no --data directory to benchmark on")
	}
	phrase := os.Getenv("CUTWATCH_PHRASE")
	if phrase == "" {
		phrase = "compulsory redundancies"
	}
	tg, err := tag.New()
	if err != nil {
		b.Fatal(err)
	}
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	req, err := api.ParseRequest(w.Schema(), url.Values{"q": {`"` + phrase + `"`}})
	if err != nil {
		b.Fatal(err)
	}
	svcs := map[string]*Service{
		"bitmaps": New(w.Index(), OnWriter(w, Options{CacheEntries: -1, MaxSearches: -1})),
		"bleve":   New(w.Index(), Options{CacheEntries: -1, MaxSearches: -1, Timeout: time.Minute}),
	}
	for _, name := range []string{"bitmaps", "bleve"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := svcs[name].Search(ctx, req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			searchtest.ReportLatency(b, lat)
		})
	}
}
