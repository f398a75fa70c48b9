package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
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
// fresh --data gets an index built from the seeds, and the API answers.
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
	// A second start reuses the index rather than rebuilding it.
	cfg := defaultServeConfig(data)
	cfg.seeds = filepath.Join(data, "no-seeds-here")
	_, stop = startServe(t, cfg)
	if err := stop(); err != nil {
		t.Errorf("restart: %v", err)
	}
}

func TestServeWithoutIndexOrSeeds(t *testing.T) {
	cfg := defaultServeConfig(t.TempDir())
	cfg.seeds = filepath.Join(cfg.data, "missing")
	err := runServe(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "cutwatch index") {
		t.Errorf("err = %v, want advice to run 'cutwatch index'", err)
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
