package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
)

// call sends a request with an optional bearer key; it returns the status
// and body.
func call(t *testing.T, method, u, key, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// total returns the number of hits of q.
func total(t *testing.T, addr, q string) int {
	t.Helper()
	status, b := call(t, "GET", "http://"+addr+"/api/search?q="+url.QueryEscape(q), "", "")
	var res struct{ Total int }
	if err := json.Unmarshal(b, &res); status != http.StatusOK || err != nil {
		t.Fatalf("search %q: %d %s", q, status, b)
	}
	return res.Total
}

// reindexState is the body of GET /api/admin/reindex.
type reindexState struct {
	State     string `json:"state"`
	Documents uint64 `json:"documents"`
	Index     string `json:"index"`
	FromStore uint64 `json:"from_store"`
	Error     string `json:"error"`
}

// reindex starts a re-index through the API (202 with its Location) and
// polls its state until it has ended.
func reindex(t *testing.T, base, key string) reindexState {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/admin/reindex", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc != "/api/admin/reindex" {
		t.Fatalf("POST /api/admin/reindex: %d (Location %q) %s, want 202", resp.StatusCode, loc, b)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, b := call(t, "GET", base+loc, key, "")
		var st reindexState
		if err := json.Unmarshal(b, &st); status != http.StatusOK || err != nil {
			t.Fatalf("GET %s: %d %s", loc, status, b)
		}
		if st.State != "running" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-index still running after 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeIngestReindexRestart runs the write path of 'cutwatch serve':
// an article posted with the key survives a restart, a re-index moves the
// live index to a new directory, and the restarted server serves that one.
func TestServeIngestReindexRestart(t *testing.T) {
	data := t.TempDir()
	cfg := defaultServeConfig(data)
	cfg.apiKey = "k-123"
	addr, stop := startServe(t, cfg)
	base := "http://" + addr

	if status, b := call(t, "POST", base+"/api/articles", "", `{"text":"x"}`); status != http.StatusUnauthorized {
		t.Errorf("POST without key: %d %s", status, b)
	}
	status, b := call(t, "POST", base+"/api/articles", cfg.apiKey, `{"id":"s-1","text":"Unison says Achiltibuie clinic loses 4 nurses."}`)
	if status != http.StatusCreated {
		t.Fatalf("POST: %d %s", status, b)
	}
	if n := total(t, addr, "achiltibuie"); n != 1 {
		t.Errorf("achiltibuie: %d hits", n)
	}
	st := reindex(t, base, cfg.apiKey)
	if st.State != "done" || st.Documents != 6 || st.FromStore != 6 || st.Index == "" {
		t.Fatalf("reindex: %+v, want done with 6 docs, all from the store, in a new dir", st)
	}
	newDir := filepath.Join(data, st.Index)
	if !index.Exists(newDir) {
		t.Errorf("no index in %s", newDir)
	}
	if _, err := os.Stat(filepath.Join(data, index.DefaultIndexName)); !os.IsNotExist(err) {
		t.Errorf("old index dir still there: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Restart with seeds that no longer exist: the re-indexed dir is served.
	cfg.seeds = filepath.Join(data, "gone")
	addr, stop = startServe(t, cfg)
	defer stop()
	if n := total(t, addr, "achiltibuie"); n != 1 {
		t.Errorf("after restart: achiltibuie %d hits", n)
	}
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("after restart: redundancy %d hits, want the 4 seeds", n)
	}
	if cur, err := index.CurrentDir(data); err != nil || cur != newDir {
		t.Errorf("CURRENT -> %s (%v), want %s", cur, err, newDir)
	}
	if got := indexDir(data); got != newDir {
		t.Errorf("indexDir (used by the other commands) = %s, want %s", got, newDir)
	}
}

// TestServeWritesOffWithoutKey checks that serve without --api-key
// refuses writes with a 403 telling how to turn them on.
func TestServeWritesOffWithoutKey(t *testing.T) {
	addr, stop := startServe(t, defaultServeConfig(t.TempDir()))
	defer stop()
	status, b := call(t, "POST", "http://"+addr+"/api/articles", "anything", `{"text":"x"}`)
	if status != http.StatusForbidden || !bytes.Contains(b, []byte("--api-key")) {
		t.Errorf("%d %s, want 403 naming --api-key", status, b)
	}
}

// TestServeBadPointer checks that a CURRENT naming a missing index stops
// the server with a clear error instead of serving an empty index.
func TestServeBadPointer(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, index.CurrentFile), []byte("index-404\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := defaultServeConfig(data)
	cfg.addr = "127.0.0.1:0"
	// Should it start serving, stop it rather than wait for ever.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	var err error
	select {
	case err = <-done:
	case addr := <-ready:
		t.Errorf("serve started on %s with CURRENT naming a missing index (it holds %d articles)", addr, total(t, addr, ""))
		cancel()
		err = <-done
	case <-time.After(60 * time.Second):
		t.Fatal("serve neither failed nor started within 60 s")
	}
	if err == nil || !strings.Contains(err.Error(), "index-404") {
		t.Errorf("err = %v, want one naming the missing index-404", err)
	}
	if _, err := os.Stat(filepath.Join(data, "index")); !os.IsNotExist(err) {
		t.Error("built a fresh index instead of reporting the bad pointer")
	}
}
