package search

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/searchtest"
)

// BenchmarkSearchMix runs the fixed query mix in-process on the seed index
// and reports the p50 and p99 latency of single requests.
func BenchmarkSearchMix(b *testing.B) {
	reqs := make([]api.Request, len(searchtest.QueryMix))
	for i, q := range searchtest.QueryMix {
		v, err := url.ParseQuery(q)
		if err != nil {
			b.Fatal(err)
		}
		if reqs[i], err = api.ParseRequest(schema.Default, v); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := svc.Search(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	searchtest.ReportLatency(b, lat)
}
