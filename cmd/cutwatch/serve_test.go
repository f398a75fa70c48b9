package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
)

// startServe runs runServe on a free loopback port and returns its address
// and a function that stops it and returns its error.
func startServe(t *testing.T, cfg serveConfig) (string, func() error) {
	t.Helper()
	cfg.addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- runServe(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		return addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start within 60 s")
	}
	return "", nil
}

func defaultServeConfig(data string) serveConfig {
	return serveConfig{data: data, seeds: indextest.SeedsDir(), logFormat: "text",
		searchTimeout: 2 * time.Second, shutdownGrace: 5 * time.Second}
}

// TestServeBuildsIndexFromSeeds is the README's first command in a test: a
// fresh --data gets the seeds, written through the Writer into its article
// store and its index, and the API answers. The seeds are read once: a
// later start serves them from the store without the folder (and reads no
// other --seeds), and a re-index rebuilds them from the store.
func TestServeBuildsIndexFromSeeds(t *testing.T) {
	data := t.TempDir()
	addr, stop := startServe(t, defaultServeConfig(data))
	resp, err := http.Get("http://" + addr + "/api/search?q=redundancy")
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Total int }
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil || res.Total != 4 {
		t.Errorf("q=redundancy: total %d, err %v; want 4", res.Total, err)
	}
	if err := stop(); err != nil {
		t.Errorf("serve returned %v after cancel, want nil", err)
	}
	if !index.Exists(indexDir(data)) {
		t.Error("no index left in --data")
	}
	seeds := []string{seedMidYorks, seedRotherham, seedOxford, seedTaunton, seedNorthEast}
	if got := storedIDs(t, data); !slices.Equal(got, seeds) {
		t.Errorf("the article store holds %q, want the seeds %q", got, seeds)
	}

	// A second start, without the seeds folder, serves them from the
	// store and the index.
	cfg := defaultServeConfig(data)
	cfg.apiKey = "k-seeds"
	cfg.seeds = filepath.Join(data, "no-seeds-here")
	addr, stop = startServe(t, cfg)
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("restart without the seeds folder: redundancy %d hits, want the 4 seeds", n)
	}
	// A re-index rebuilds them from the store alone.
	st := reindex(t, "http://"+addr, cfg.apiKey)
	if st.State != "done" || st.Documents != 5 {
		t.Errorf("re-index without the seeds folder: %+v, want done with the 5 seeds", st)
	}
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("after the re-index: redundancy %d hits, want the 4 seeds", n)
	}
	if err := stop(); err != nil {
		t.Errorf("restart: %v", err)
	}

	// --seeds is read for a new --data only: another folder given to a
	// --data that has held articles is not read.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "bolton.txt"), []byte("Unison says 120 nursing posts will go at Royal Bolton Hospital."), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.seeds = other
	addr, stop = startServe(t, cfg)
	if n := total(t, addr, ""); n != 5 {
		t.Errorf("restart with another --seeds: %d articles, want the 5 seeds only", n)
	}
	if n := total(t, addr, "bolton"); n != 0 {
		t.Errorf("restart with another --seeds: bolton %d hits, want 0 (the seeds are read once)", n)
	}
	if err := stop(); err != nil {
		t.Errorf("restart: %v", err)
	}
}

// TestServeWithoutIndexOrSeeds: a new --data and no seeds folder is not an
// error any more: serve warns, naming the folder, and serves an empty
// index (articles come through the write API or 'cutwatch index'). The
// --data stays new, so a later start with the seeds puts them in.
func TestServeWithoutIndexOrSeeds(t *testing.T) {
	cfg := defaultServeConfig(t.TempDir())
	cfg.seeds = filepath.Join(cfg.data, "missing")
	var logs syncBuffer
	addr, cancel, wait := startServeLogged(t, cfg, &logs)
	if status, m := getReadyz(t, "http://"+addr); status != http.StatusOK || m["status"] != "ready" || m["documents"] != float64(0) {
		t.Errorf("readyz without seeds: %d %v, want 200 ready with 0 documents", status, m)
	}
	if n := total(t, addr, ""); n != 0 {
		t.Errorf("match all without seeds: %d hits, want 0", n)
	}
	if log := logs.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, cfg.seeds) {
		t.Errorf("log lacks a warning naming the missing seeds folder %s:\n%s", cfg.seeds, log)
	}
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("serve returned %v, want nil", err)
	}

	cfg.seeds = indextest.SeedsDir()
	addr, stop := startServe(t, cfg)
	defer stop()
	if n := total(t, addr, "redundancy"); n != 4 {
		t.Errorf("second start with the seeds: redundancy %d hits, want the 4 seeds", n)
	}
}

// TestSecondServeFailsFast checks that a second server on the same --data
// stops with a clear lock error instead of waiting for the first.
func TestSecondServeFailsFast(t *testing.T) {
	data := t.TempDir()
	_, stop := startServe(t, defaultServeConfig(data))
	defer stop()
	cfg := defaultServeConfig(data)
	cfg.addr = "127.0.0.1:0"
	errc := make(chan error, 1)
	go func() {
		errc <- runServe(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, index.ErrLocked) || !strings.Contains(err.Error(), "locked by another cutwatch process") {
			t.Errorf("second serve: %v, want a lock error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second serve on the same --data still running after 10 s")
	}
}

// TestJSONLogDurationsHaveUnits: durations in the JSON logs are numbers
// with their unit in the key (took_ms), not bare nanoseconds under "took".
func TestJSONLogDurationsHaveUnits(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "json")
	if err != nil {
		t.Fatal(err)
	}
	w, err := index.OpenWriter(context.Background(), t.TempDir(), index.WriterOptions{Tagger: indextest.Tagger(t), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := seed(context.Background(), w, indextest.SeedsDir(), log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if _, bare := rec["took"]; bare {
			t.Errorf("log line with a bare took: %s", l)
		}
		if rec["msg"] == "seed articles stored and indexed" {
			_, num := rec["took_ms"].(float64)
			found = num
		}
	}
	if !found {
		t.Errorf("no 'seed articles stored and indexed' line with a numeric took_ms:\n%s", buf.String())
	}
}
