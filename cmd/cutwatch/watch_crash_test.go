package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search/watch"
)

// crashHook is a webhook receiver in the test process. While holding, it
// keeps every delivery hanging (the server's posts neither succeed nor
// fail) until the poster gives up; afterwards it takes them and records
// which delivery ids brought each article.
type crashHook struct {
	*httptest.Server
	holding atomic.Bool
	mu      sync.Mutex
	got     map[string]map[string]bool // article id -> delivery ids
}

func newCrashHook(t *testing.T) *crashHook {
	h := &crashHook{got: map[string]map[string]bool{}}
	h.holding.Store(true)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if h.holding.Load() {
			<-r.Context().Done() // the server was killed
			return
		}
		var p watch.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("delivery: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		for _, a := range p.Articles {
			if h.got[a.ID] == nil {
				h.got[a.ID] = map[string]bool{}
			}
			h.got[a.ID][p.Delivery] = true
		}
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// TestCrashDeliversEveryMatch kills the real server with SIGKILL while it
// ingests and while every delivery of a watch is still in flight (the
// receiver holds them): after a restart, every acknowledged article the
// watch matches is delivered, none it does not match is, and an article
// that came twice came with the same delivery id.
func TestCrashDeliversEveryMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs the binary twice; skipped with -short")
	}
	const total = 500
	bin := sharedBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	hook := newCrashHook(t)
	flags := []string{"--webhook-allow-private", "--webhook-timeout", "2m", "--webhook-min-backoff", "50ms", "--webhook-max-backoff", "100ms"}
	c := startChildCmd(t, bin, data, "", flags...)
	// crashLine i states i%90+2 jobs: the watch matches about half.
	status, b := call(t, "POST", "http://"+c.addr+"/api/watches", crashKey, fmt.Sprintf(`{"search":"q=unison&jobs_min=50","url":%q}`, hook.URL))
	if status != http.StatusCreated {
		t.Fatalf("create watch: %d %s", status, b)
	}
	matches := func(i int) bool { return i%90+2 >= 50 }

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	killAt := 5 + crashBatch + rng.IntN(total-2*crashBatch)
	t.Logf("random seed %d: kill at about %d articles", seed, killAt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		next int
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		n, err := ingestRange(ctx, c.addr, 0, total)
		resc <- result{n, err}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, b := call(t, "GET", "http://"+c.addr+"/healthz", "", "")
		var h struct{ Documents int }
		if status == http.StatusOK && json.Unmarshal(b, &h) == nil && h.Documents-5 >= killAt {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingest did not reach %d articles", killAt)
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
	}
	c.kill(t)
	cancel()
	r := <-resc
	acked := r.next
	t.Logf("killed with %d articles acknowledged", acked)
	hook.mu.Lock()
	if len(hook.got) != 0 {
		t.Fatalf("deliveries were taken before the kill: %v", hook.got)
	}
	hook.mu.Unlock()

	// Restart, and take the deliveries now.
	hook.holding.Store(false)
	c = startChildCmd(t, bin, data, "", flags...)
	defer c.stop(t)
	want := 0
	for i := range acked {
		if matches(i) {
			want++
		}
	}
	deadline = time.Now().Add(90 * time.Second)
	for {
		hook.mu.Lock()
		missing := 0
		for i := range acked {
			if matches(i) && len(hook.got[fmt.Sprintf("crash-%d", i)]) == 0 {
				missing++
			}
		}
		hook.mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the %d matching acknowledged articles not delivered after the restart", missing, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	for id, ds := range hook.got {
		var i int
		if _, err := fmt.Sscanf(id, "crash-%d", &i); err != nil || !matches(i) {
			t.Errorf("delivered %s, which the watch does not match", id)
		}
		if len(ds) > 1 {
			t.Errorf("%s delivered under %d delivery ids: %v", id, len(ds), ds)
		}
	}
	t.Logf("%d matching articles acknowledged, all delivered (%d articles delivered in all)", want, len(hook.got))
}
