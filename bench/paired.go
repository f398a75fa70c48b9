package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// PairedResult compares one request of the mix answered in-process by
// search.Service and over HTTP by the same kind of service, measured back
// to back so that both see the same machine load.
type PairedResult struct {
	Name    string  `json:"name"`
	Service Latency `json:"service"`
	HTTP    Latency `json:"http"`
	// AddsP50 is the median over the rounds of HTTP minus in-process
	// latency, in milliseconds.
	AddsP50 float64 `json:"adds_p50_ms"`
}

// runPaired runs every request of mix rounds times (after one warm-up
// round) in-process through svc and over HTTP against base, alternating
// which goes first, and returns per-request latencies and the median of
// all paired differences in milliseconds.
//
// This is what "HTTP adds" means. Comparing the pooled p50 of an HTTP run
// with that of the in-process run, taken minutes apart, does not measure
// it: the pooled median of this mix sits on one broad request (tens of ms
// at 10,000 articles, over 100 ms at 100,000), so a few percent of drift in
// machine load between the two runs shows up as milliseconds.
func runPaired(ctx context.Context, svc *search.Service, base string, mix []Query, rounds int) ([]PairedResult, float64, error) {
	reqs := make([]api.Request, len(mix))
	for i, q := range mix {
		v, err := url.ParseQuery(q.Params)
		if err != nil {
			return nil, 0, fmt.Errorf("paired %s: %w", q.Name, err)
		}
		if reqs[i], err = api.ParseRequest(schema.Default, v); err != nil {
			return nil, 0, fmt.Errorf("paired %s: %w", q.Name, err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: requestTimeout}
	defer client.CloseIdleConnections()
	get := func(params string) (time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/search?"+params, nil)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return d, err
	}
	inproc := func(i int) (time.Duration, error) {
		start := time.Now()
		_, err := svc.Search(ctx, reqs[i])
		return time.Since(start), err
	}

	svcLat := make([][]time.Duration, len(mix))
	httpLat := make([][]time.Duration, len(mix))
	diffs := make([][]time.Duration, len(mix))
	for round := 0; round <= rounds; round++ {
		for i, q := range mix {
			var ds, dh time.Duration
			var err error
			if (round+i)%2 == 0 {
				if ds, err = inproc(i); err == nil {
					dh, err = get(q.Params)
				}
			} else {
				if dh, err = get(q.Params); err == nil {
					ds, err = inproc(i)
				}
			}
			if err != nil {
				return nil, 0, fmt.Errorf("paired %s: %w", q.Name, err)
			}
			if round == 0 {
				continue // warm-up
			}
			svcLat[i] = append(svcLat[i], ds)
			httpLat[i] = append(httpLat[i], dh)
			diffs[i] = append(diffs[i], dh-ds)
		}
	}
	out := make([]PairedResult, len(mix))
	var all []time.Duration
	for i, q := range mix {
		out[i] = PairedResult{Name: q.Name, Service: latency(svcLat[i]), HTTP: latency(httpLat[i]), AddsP50: medianMS(diffs[i])}
		all = append(all, diffs[i]...)
	}
	return out, medianMS(all), nil
}

// medianMS returns the median of ds (which may be negative) in
// milliseconds.
func medianMS(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Nanoseconds()) / 1e6
}
