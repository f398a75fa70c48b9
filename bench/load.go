package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult is the outcome of one level of the HTTP load test.
type LoadResult struct {
	// Config names the server's configuration (cache, admission control).
	Config      string  `json:"config,omitempty"`
	Connections int     `json:"connections"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	PerSecond   float64 `json:"per_second"`
	Latency     Latency `json:"latency"`
	// Rejected counts requests refused by admission control (503 with
	// Retry-After); the connection then waits as long as Retry-After
	// says, as a well-behaved client does.
	Rejected int `json:"rejected"`
	// Errors counts other failed requests: transport errors and statuses
	// other than 200 (a 503 without Retry-After is a search timeout).
	Errors int `json:"errors"`
}

// requestTimeout bounds one request of the load generator.
const requestTimeout = 10 * time.Second

// load sends GET requests for base+"/api/search?"+params, cycling through
// mix, from conns concurrent keep-alive connections for duration, and
// reports throughput, latency and errors. It is bounded: it starts no
// request after the deadline (or once ctx ends), the ones in flight then
// finish and count, and each request has a timeout.
func load(ctx context.Context, base string, mix []string, conns int, duration time.Duration) (LoadResult, error) {
	if conns < 1 || len(mix) == 0 {
		return LoadResult{}, fmt.Errorf("load: want at least one connection and one request")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: requestTimeout}
	// Each connection starts requests until the deadline; one in flight
	// then is finished and counted (the run lasts until the last one
	// ends, and that is the time req/s is over), so that a run on a slow
	// machine still measures every connection's requests instead of
	// dropping the ones the deadline cut.
	stop, cancel := context.WithTimeout(ctx, duration)
	defer cancel()

	var next atomic.Int64
	var errs, rejected atomic.Int64
	lats := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for stop.Err() == nil {
				i := next.Add(1) - 1
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/search?"+mix[int(i)%len(mix)], nil)
				if err != nil {
					errs.Add(1)
					return
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if retry := resp.Header.Get("Retry-After"); err == nil && resp.StatusCode == http.StatusServiceUnavailable && retry != "" {
					rejected.Add(1)
					secs, _ := strconv.Atoi(retry)
					t := time.NewTimer(time.Duration(max(secs, 1)) * time.Second)
					select {
					case <-t.C:
					case <-stop.Done():
						t.Stop()
					}
					continue
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					errs.Add(1)
					continue
				}
				lats[c] = append(lats[c], d)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return LoadResult{Connections: conns, Seconds: took.Seconds(), Requests: len(all),
		PerSecond: float64(len(all)) / took.Seconds(), Latency: latency(all), Rejected: int(rejected.Load()), Errors: int(errs.Load())}, nil
}
