package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/cluster/natstest"
)

// TestClusterOnceEndToEnd is issue 19's "once per cluster" through three
// real serve nodes on a three-server NATS cluster: a feed source added on
// one node and a watch created on another are on every node; the source
// is fetched by one node per poll (the feed server records the fetches:
// three nodes polling would fetch within moments of each other), its
// matching article reaches every node, and the watch delivers it to its
// webhook once, although all three nodes match it.
func TestClusterOnceEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three servers and a NATS cluster; skipped with -short")
	}
	nc := natstest.Start(t, 3)
	const interval = time.Second

	var mu sync.Mutex
	var fetches []time.Time
	var deliveries []string // the article ids of each webhook request
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" { // robots.txt
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		fetches = append(fetches, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>
<item><title>Porters face redundancy</title><guid>a</guid><description>Unison says 40 porters at Mid Yorkshire Hospitals NHS Trust in Quillerby face redundancy to save £3m.</description></item>
</channel></rss>`)
	}))
	defer feed.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Articles []struct {
				ID string `json:"id"`
			} `json:"articles"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("webhook body: %v: %s", err, b)
		}
		mu.Lock()
		for _, a := range body.Articles {
			deliveries = append(deliveries, a.ID)
		}
		mu.Unlock()
	}))
	defer hook.Close()

	var nodes []*cnode
	for _, name := range []string{"a", "b", "c"} {
		cfg := clusterServeConfig(t.TempDir(), nc.URLs(), name)
		cfg.sources.paused = false
		cfg.sources.allowPrivate = true
		cfg.sources.minInterval = interval
		cfg.sources.minDelay = 0
		cfg.hooks.allowPrivate = true
		cfg.hooks.minBackoff, cfg.hooks.maxBackoff = 50*time.Millisecond, 200*time.Millisecond
		addr, stop := startServe(t, cfg)
		n := &cnode{name: name, addr: addr, stop: stop}
		t.Cleanup(func() { _ = n.stop() })
		waitReady(t, n)
		nodes = append(nodes, n)
	}
	// The watch on a, the source on b.
	body, _ := json.Marshal(map[string]string{"search": "q=quillerby", "url": hook.URL, "name": "Quillerby"})
	if code, b, _ := ccall(t, "POST", "http://"+nodes[0].addr+"/api/watches", body); code != http.StatusCreated {
		t.Fatalf("POST /api/watches on a: %d %s", code, b)
	}
	body, _ = json.Marshal(map[string]string{"url": feed.URL + "/feed", "interval": interval.String()})
	if code, b, _ := ccall(t, "POST", "http://"+nodes[1].addr+"/api/sources", body); code != http.StatusCreated {
		t.Fatalf("POST /api/sources on b: %d %s", code, b)
	}

	// Every node has the source and the watch: each would poll the one
	// and match the other, but for the cluster's lease and queue.
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range nodes {
		for _, path := range []string{"/api/sources", "/api/watches"} {
			for {
				code, b, _ := ccall(t, "GET", "http://"+n.addr+path, nil)
				if code == http.StatusOK && (strings.Contains(string(b), feed.URL+"/feed") || strings.Contains(string(b), hook.URL)) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("node %s: GET %s does not list what a and b added: %d %s", n.name, path, code, b)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}

	// The article reaches every node, and the webhook.
	for _, n := range nodes {
		for {
			code, b, _ := ccall(t, "GET", "http://"+n.addr+"/api/search?q=quillerby", nil)
			if code == http.StatusOK && strings.Contains(string(b), `"total":1`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s does not find the feed's article: %d %s", n.name, code, b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for {
		mu.Lock()
		got := len(deliveries)
		mu.Unlock()
		if got > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watch's webhook got nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Several more polls, and time for any other node's delivery.
	time.Sleep(5 * interval)
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 1 {
		t.Errorf("the webhook got articles %v, want the one article once", deliveries)
	}
	if len(fetches) < 3 {
		t.Errorf("the feed was fetched %d times in more than five intervals, want a poll each interval", len(fetches))
	}
	for i := 1; i < len(fetches); i++ {
		if gap := fetches[i].Sub(fetches[i-1]); gap < interval/2 {
			t.Errorf("fetches %d and %d of the feed %v apart: more than one node polls it (interval %v)", i-1, i, gap, interval)
		}
	}
}
