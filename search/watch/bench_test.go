package watch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/watch"
	"github.com/cutwatch/cutwatch/search/watch/watchtest"
)

// benchCorpus is generated article i of the benchmarks' corpus (seed 1,
// as 'cutwatch bench'), with an id of its own per run.
func benchCorpus(g *gen.Generator, i int, run string) api.Article {
	a := g.Article(i)
	return api.Article{ID: fmt.Sprintf("%s-%d", run, i), Title: a.Title, Text: a.Text}
}

// benchSearches makes n random watch searches from the first 300
// articles of the corpus.
func benchSearches(b *testing.B, g *gen.Generator, n int) []string {
	b.Helper()
	var srcs []watchtest.Source
	for i := range 300 {
		a := g.Article(i)
		ents, err := testTagger(b).Tag(a.Text)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, watchtest.Source{Text: a.Text, Entities: ents})
	}
	return watchtest.RandomSearches(rand.New(rand.NewPCG(5, 6)), srcs, n)
}

// benchWriter opens a Writer on a new --data with a Hub holding the
// watches of searches (posting to url) as its BeforeAck hook, as serve
// wires them. The dispatcher runs only with deliver.
func benchWriter(b *testing.B, searches []string, url string, deliver bool) (*index.Writer, *watch.Hub, *time.Duration) {
	b.Helper()
	data := b.TempDir()
	hub, err := watch.Open(data, watch.Options{AllowPrivate: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := watch.AddWatches(hub, searches, url); err != nil {
		b.Fatal(err)
	}
	// The hook's time, to tell the watches' share of a write from the
	// machine's noise (it shares its 2 cores).
	var hookTime time.Duration
	timed := func(c index.Change) error {
		start := time.Now()
		defer func() { hookTime += time.Since(start) }()
		return hub.BeforeAck(c)
	}
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(b), BeforeAck: []func(index.Change) error{timed}})
	if err != nil {
		b.Fatal(err)
	}
	if err := hub.Attach(context.Background(), w); err != nil {
		b.Fatal(err)
	}
	if deliver {
		hub.Start()
	}
	b.Cleanup(func() {
		_ = w.Close()
		_ = hub.Close()
	})
	return w, hub, &hookTime
}

// BenchmarkIngestWithWatches measures what serve does on a bulk write of
// index.DefaultBatchSize generated articles (tag, store, index, then
// percolate against every watch and queue the matches durably) with 0,
// 100, 1,000 and 10,000 random watches. Deliveries are not posted (the
// dispatcher is off): this is the cost a write pays.
func BenchmarkIngestWithWatches(b *testing.B) {
	g, err := gen.New(1)
	if err != nil {
		b.Fatal(err)
	}
	all := benchSearches(b, g, 10_000)
	for _, n := range []int{0, 100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("watches=%d", n), func(b *testing.B) {
			w, hub, hookTime := benchWriter(b, all[:n], "http://127.0.0.1:9/", false)
			next := 300 // the searches came from the first 300
			b.ResetTimer()
			for range b.N {
				arts := make([]api.Article, index.DefaultBatchSize)
				for i := range arts {
					arts[i] = benchCorpus(g, next, "a")
					next++
				}
				if _, err := w.Put(context.Background(), arts); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N*index.DefaultBatchSize)/b.Elapsed().Seconds(), "articles/s")
			// The watches' cost as a share of the write without them.
			b.ReportMetric(100*hookTime.Seconds()/(b.Elapsed()-*hookTime).Seconds(), "%watches")
			b.ReportMetric(hookTime.Seconds()*1000/float64(b.N), "watch-ms/batch")
			st := hub.WatchStats()
			b.ReportMetric(float64(st.Queued)/float64(b.N), "deliveries/batch")
		})
	}
}

// BenchmarkDeliveryLatency measures the time from a write's
// acknowledgement (Put returns) to the webhook's receipt of its delivery,
// for single-article writes one after the other, with a catch-all watch
// among 1,000 random ones, the dispatcher and a receiver on loopback.
func BenchmarkDeliveryLatency(b *testing.B) {
	g, err := gen.New(1)
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]chan struct{}{}
	var catchAll string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(watch.HeaderWatch) != catchAll {
			return
		}
		var p watch.Payload
		if err := jsonDecode(r, &p); err != nil {
			b.Error(err)
			return
		}
		mu.Lock()
		for _, a := range p.Articles {
			if c, ok := got[a.ID]; ok {
				close(c)
				delete(got, a.ID)
			}
		}
		mu.Unlock()
	}))
	defer rcv.Close()
	searches := benchSearches(b, g, 1_000)
	w, hub, _ := benchWriter(b, searches, rcv.URL, true)
	cw, err := hub.CreateWatch(context.Background(), api.WatchSpec{Search: "", URL: rcv.URL})
	if err != nil {
		b.Fatal(err)
	}
	catchAll = cw.ID
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		a := benchCorpus(g, 300+i, "l")
		c := make(chan struct{})
		mu.Lock()
		got[a.ID] = c
		mu.Unlock()
		if _, err := w.Put(context.Background(), []api.Article{a}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		select {
		case <-c:
		case <-time.After(30 * time.Second):
			b.Fatalf("article %d not delivered within 30 s", i)
		}
		lat = append(lat, time.Since(acked))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
