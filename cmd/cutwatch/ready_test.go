package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/indextest/segfiles"
)

// syncBuffer is a bytes.Buffer safe for a logger writing from several
// goroutines while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServeLogged is startServe with the log kept in buf; it returns the
// address, a function that cancels serve's context, and one that waits
// for runServe to return.
func startServeLogged(t *testing.T, cfg serveConfig, buf *syncBuffer) (addr string, cancel func(), wait func() error) {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(buf, nil))
	go func() { done <- runServe(ctx, cfg, log, ready) }()
	select {
	case addr = <-ready:
		var once sync.Once
		var err error
		wait = func() error { once.Do(func() { err = <-done }); return err }
		t.Cleanup(func() { cancel(); _ = wait() })
		return addr, cancel, wait
	case err := <-done:
		cancel()
		t.Fatalf("serve did not start: %v\n%s", err, buf.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start within 60 s")
	}
	return "", nil, nil
}

// getReadyz returns the status and body of GET /readyz.
func getReadyz(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	status, b := call(t, "GET", base+"/readyz", "", "")
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("readyz: %d %s: %v", status, b, err)
	}
	return status, m
}

// TestServeDamagedIndex starts 'cutwatch serve' on a --data whose index
// has one segment file cut in half: it logs the damage at ERROR level and
// serves anyway, but /readyz, /healthz and every read answer 503 saying
// the index is damaged and how to rebuild it (never 200 with no hits);
// POST /api/admin/reindex rebuilds it from the article store (which holds
// the seeds and the ingested article) and the server becomes ready, with
// writes on, and the ingested article kept.
func TestServeDamagedIndex(t *testing.T) {
	data := t.TempDir()
	cfg := defaultServeConfig(data)
	cfg.apiKey = "k-dmg"
	addr, stop := startServe(t, cfg)
	status, b := call(t, "POST", "http://"+addr+"/api/articles", cfg.apiKey, `{"id":"s-9","text":"Unison says Durness clinic loses 6 nurses."}`)
	if status != http.StatusCreated {
		t.Fatalf("POST: %d %s", status, b)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A segment file the index is served from: the first *.zap file on
	// disk can be one that no snapshot uses any more (replaced by a merge,
	// or written by a merge that stop cut short).
	seg := segfiles.Live(t, indexDir(data))[0]
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, fi.Size()/2); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	addr, _, _ = startServeLogged(t, cfg, &logs)
	base := "http://" + addr
	status, m := getReadyz(t, base)
	reason, _ := m["reason"].(string)
	if status != http.StatusServiceUnavailable || m["status"] != "not ready" ||
		!strings.Contains(reason, "damaged") || !strings.Contains(reason, "POST /api/admin/reindex") || !strings.Contains(reason, "cutwatch index --rebuild") {
		t.Errorf("readyz on a damaged index: %d %v, want 503 not ready saying damaged and how to rebuild", status, m)
	}
	for _, path := range []string{"/healthz", "/api/search?q=redundancy", "/api/search?q=durness", "/api/articles/s-9", "/api/facets/union"} {
		status, b := call(t, "GET", base+path, "", "")
		if status != http.StatusServiceUnavailable || !bytes.Contains(b, []byte("damaged")) {
			t.Errorf("GET %s on a damaged index: %d %s, want 503 saying damaged", path, status, b)
		}
	}
	log := logs.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "damaged") || !strings.Contains(log, filepath.Base(seg)) {
		t.Errorf("log lacks an ERROR line naming the damage:\n%s", log)
	}

	st := reindex(t, base, cfg.apiKey)
	if st.State != "done" || st.Documents != 6 || st.FromStore != 6 {
		t.Fatalf("re-index of the damaged index: %+v, want done with the 5 seeds + 1 ingested, all from the store", st)
	}
	status, m = getReadyz(t, base)
	if status != http.StatusOK || m["status"] != "ready" || m["documents"] != float64(6) || m["index"] != st.Index ||
		m["writes"] != "on" || m["writes_off"] != nil {
		t.Errorf("readyz after the rebuild: %d %v, want 200 ready, 6 docs in %s, writes on", status, m, st.Index)
	}
	if n := total(t, addr, "durness"); n != 1 {
		t.Errorf("durness after the rebuild: %d hits, want the stored article", n)
	}
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("redundancy after the rebuild: %d hits, want the 4 seeds", n)
	}
}

// TestServeDrainNotReady checks the order of shutdown: /readyz answers 503
// "shutting down" while searches are still served for --drain-delay, and
// serve then exits cleanly.
func TestServeDrainNotReady(t *testing.T) {
	cfg := defaultServeConfig(t.TempDir())
	cfg.drainDelay = 3 * time.Second
	var logs syncBuffer
	addr, cancel, wait := startServeLogged(t, cfg, &logs)
	base := "http://" + addr
	if status, m := getReadyz(t, base); status != http.StatusOK || m["status"] != "ready" || m["documents"] != float64(5) || m["index"] != "index" ||
		m["writes"] != "off" || !strings.Contains(fmt.Sprint(m["writes_off"]), "--api-key") {
		t.Fatalf("readyz: %d %v, want 200 ready with the 5 seeds in index, writes off for want of --api-key", status, m)
	}
	cancel() // as SIGTERM does
	deadline := time.Now().Add(cfg.drainDelay / 2)
	for {
		status, m := getReadyz(t, base)
		if status == http.StatusServiceUnavailable {
			if m["reason"] != "shutting down" {
				t.Errorf("readyz while draining: %v, want reason shutting down", m)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz still %d %v after shutdown started", status, m)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("search while draining: %d hits, want 4", n)
	}
	if err := wait(); err != nil {
		t.Errorf("serve returned %v, want nil", err)
	}
	if _, err := http.Get(base + "/readyz"); err == nil {
		t.Error("server still answering after serve returned")
	}
}
