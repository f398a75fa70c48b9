package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search"
)

// TestOverloadAnswers503 saturates a real server on the real router whose
// search service runs one search at a time and queues one: the searches
// it admits are held until the test has seen the rest refused. Refused
// requests get 503 with Retry-After and a JSON (or HTML page) message at
// once, without waiting for a slot; answers in the cache are still served,
// and /healthz and /readyz still pass.
func TestOverloadAnswers503(t *testing.T) {
	var hold atomic.Bool
	release := make(chan struct{})
	s := search.New(seedIdx, search.Options{
		Generation:  func() uint64 { return 1 }, // the seed index does not change
		MaxSearches: 1, MaxQueued: 1, QueueWait: time.Hour,
		Admitted: func(ctx context.Context) {
			if hold.Load() {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
		}})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	hs := httptest.NewServer(New(s, Options{Logger: quiet}).Handler())
	defer hs.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	fetch := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	// The landing page's answer goes into the cache before the squeeze.
	if resp, b := fetch("/api/search"); resp.StatusCode != http.StatusOK {
		t.Fatalf("warm-up: %d %s", resp.StatusCode, b)
	}

	hold.Store(true)
	type answer struct {
		status int
		err    error
	}
	held := make(chan answer, 2)
	for _, q := range []string{"nurse", "redundancy"} {
		go func() {
			resp, err := http.Get(hs.URL + "/api/search?q=" + q)
			if err != nil {
				held <- answer{err: err}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			held <- answer{status: resp.StatusCode}
		}()
		if q == "nurse" {
			waitUntil(t, "a search running", func() bool { return s.AdmissionStats().Running == 1 })
		}
	}
	waitUntil(t, "a search queued", func() bool { return s.AdmissionStats().Queued == 1 })

	for _, path := range []string{"/api/search?q=unison", "/api/facets/union?prefix=uni", "/?q=unison"} {
		resp, b := fetch(path)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s when full: %d, Retry-After %q; want 503 with Retry-After: 1", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if strings.HasPrefix(path, "/api/") {
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || !strings.Contains(e.Error, "busy") {
				t.Errorf("%s when full: body %s, want a JSON error saying the server is busy", path, b)
			}
		} else if !strings.Contains(string(b), "Search is busy") {
			t.Errorf("%s when full: the page does not say the search is busy", path)
		}
	}
	if resp, b := fetch("/api/search"); resp.StatusCode != http.StatusOK {
		t.Errorf("cached landing page when full: %d %s, want 200", resp.StatusCode, b)
	}
	// The probes say the server can serve, however busy: a busy replica
	// must not be restarted or taken out of rotation.
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, b := fetch(path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s when full: %d %s, want 200", path, resp.StatusCode, b)
		}
	}

	close(release)
	for range 2 {
		if a := <-held; a.err != nil || a.status != http.StatusOK {
			t.Errorf("admitted request: %d %v, want 200", a.status, a.err)
		}
	}
	if st := s.AdmissionStats(); st.Rejected != 5 {
		t.Errorf("admission stats %+v, want 5 refused (3 requests, 2 probes)", st)
	}
}

// waitUntil polls cond until it holds; it fails the test after a minute,
// which only a bug can take.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
