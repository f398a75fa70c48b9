package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// BurstResult is how a burst of identical landing-page requests (every
// article, every facet) arriving together right after a write fares with
// one configuration of the search service.
type BurstResult struct {
	Config string  `json:"config"`
	Size   int     `json:"size"`   // requests per burst
	Bursts int     `json:"bursts"` // bursts measured
	Each   Latency `json:"each"`   // latency of the answered requests
	// Slowest is the median over the bursts of the last answer's latency.
	Slowest float64 `json:"slowest_p50_ms"`
	// Refused counts requests refused by admission control.
	Refused int `json:"refused"`
	// TimedOut counts requests that hit the search deadline
	// (search.DefaultTimeout): without admission control, a burst at
	// scale shares the cores until many give up.
	TimedOut int `json:"timed_out"`
}

// burstSize is the number of requests in a burst: more than a server on
// two cores admits at once and queues.
const burstSize = 20

// runBursts sends bursts of burstSize concurrent landing-page requests to
// each configuration of LoadConfigs (made by served), after a write
// (touch) before each burst.
func runBursts(ctx context.Context, served func(search.Options) *search.Service, touch *toucher, bursts int) ([]BurstResult, error) {
	var out []BurstResult
	for _, sc := range LoadConfigs {
		svc := served(sc.Options)
		r := BurstResult{Config: sc.Name, Size: burstSize, Bursts: bursts}
		var all, slowest []time.Duration
		for b := 0; b < bursts; b++ {
			if err := touch.write(ctx); err != nil {
				return nil, err
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var lats []time.Duration
			var failed error
			start := time.Now()
			for range burstSize {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := svc.Search(ctx, api.Request{})
					d := time.Since(start)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, api.ErrOverloaded):
						r.Refused++
					case errors.Is(err, api.ErrTimeout):
						r.TimedOut++
					case err != nil:
						failed = err
					default:
						lats = append(lats, d)
					}
				}()
			}
			wg.Wait()
			if failed != nil {
				return nil, fmt.Errorf("burst (%s): %w", sc.Name, failed)
			}
			all = append(all, lats...)
			if len(lats) > 0 {
				slowest = append(slowest, slices.Max(lats))
			}
		}
		r.Each, r.Slowest = latency(all), medianMS(slowest)
		out = append(out, r)
	}
	return out, nil
}
