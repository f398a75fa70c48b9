package web

import (
	"io"
	"net/http"
	"testing"
	"time"

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
