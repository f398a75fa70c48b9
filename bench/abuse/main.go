// Command abuse replays the adversarial search load of issue 18 against a
// running cutwatch server on loopback: abusive clients each sending unique
// expensive queries (*a* by default) as fast as they are answered, beside
// normal clients sending unique (so uncached) cheap searches, for a fixed
// time. It prints how the normal searches fared: the share that succeeded
// and their latency, and the statuses the abusers got.
//
//	go run ./bench/abuse --url http://127.0.0.1:18080 --abusers 12 --duration 15s --client-header X-Real-IP
//
// Each client sends its own address in --client-header (203.0.113.N for
// abusers, 198.51.100.N for normal clients), for a server started with
// --client-ip-header naming it; without it all clients are the peer.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18080", "server to load (loopback only)")
	abusers := flag.Int("abusers", 12, "clients sending expensive queries")
	normal := flag.Int("normal", 2, "clients sending cheap uncached searches, one at a time each")
	dur := flag.Duration("duration", 15*time.Second, "how long the load runs")
	header := flag.String("client-header", "", "header carrying each client's address (the server's --client-ip-header)")
	abuse := flag.String("q", "*a*", "the expensive query; a unique excluded word makes each one uncached")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "abuse: --url must be a loopback address")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *abusers + *normal}}

	type result struct {
		status int
		took   time.Duration
	}
	var mu sync.Mutex
	var normals []result
	abuseStatus := map[int]int{}
	do := func(addr, q string) result {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, *base+"/api/search?"+url.Values{"q": {q}}.Encode(), nil)
		if *header != "" {
			req.Header.Set(*header, addr)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return result{status: 0, took: time.Since(start)}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return result{status: resp.StatusCode, took: time.Since(start)}
	}
	var wg sync.WaitGroup
	for i := range *abusers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				r := do(fmt.Sprintf("203.0.113.%d", i+1), fmt.Sprintf("%s -zq%dx%d", *abuse, i, n))
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				abuseStatus[r.status]++
				mu.Unlock()
				if r.status == http.StatusTooManyRequests {
					time.Sleep(50 * time.Millisecond) // a client that does not honour Retry-After, but does not spin either
				}
			}
		})
	}
	words := []string{"nurse", "redundancy", "unison", "porters", "trust", "consultation", "jobs", "posts", "ward", "strike"}
	for i := range *normal {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				r := do(fmt.Sprintf("198.51.100.%d", i+1), fmt.Sprintf("%s -zn%dx%d", words[n%len(words)], i, n))
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				normals = append(normals, r)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond) // a person or a service, not a flood
			}
		})
	}
	wg.Wait()
	ok := 0
	var lat []time.Duration
	status := map[int]int{}
	for _, r := range normals {
		status[r.status]++
		if r.status == http.StatusOK {
			ok++
			lat = append(lat, r.took)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("normal uncached searches: %d, succeeded %d (%.1f%%), statuses %v, p50 %s, p95 %s, p99 %s\n",
		len(normals), ok, 100*float64(ok)/float64(max(len(normals), 1)), status, pct(0.5).Round(time.Microsecond), pct(0.95).Round(time.Microsecond), pct(0.99).Round(time.Microsecond))
	total := 0
	for _, n := range abuseStatus {
		total += n
	}
	fmt.Printf("abusive searches (%s): %d, statuses %v\n", *abuse, total, abuseStatus)
}
