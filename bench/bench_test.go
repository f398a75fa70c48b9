package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// searchHandler serves /api/search with the real search service: the
// command serves package web's router, which this package does not import.
func searchHandler(s *search.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := api.ParseRequest(s.Schema(), r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := s.Search(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	})
}

// TestRunSmall runs every phase on a tiny corpus and checks the report,
// then runs again to check that finished phases are not redone.
func TestRunSmall(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{N: 60, Seed: 2, Dir: dir, QueryRounds: 2, PairRounds: 2, Levels: []int{3},
		LoadDuration: 200 * time.Millisecond, Handler: searchHandler}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*IngestResult{"raw": rep.Raw, "full": rep.Full} {
		if r == nil || r.Articles != 60 || r.SizeBytes <= 0 || r.PerSecond <= 0 || r.PeakRSS <= 0 {
			t.Fatalf("%s ingest: %+v", name, r)
		}
	}
	if len(rep.Queries) != 12 {
		t.Fatalf("%d queries, want 12 (the histogram of issue 16 included)", len(rep.Queries))
	}
	var selective, all bool
	for _, q := range rep.Queries {
		if q.Service.N != 2 || q.Direct.N != 2 || q.Service.P50 <= 0 {
			t.Errorf("%s: latencies %+v / %+v", q.Name, q.Service, q.Direct)
		}
		selective = selective || q.Matches > 0 && q.Share < 0.05
		all = all || q.Matches == 60
	}
	if !selective || !all {
		t.Errorf("the mix lacks a selective request (%v) or the match-all one (%v)", selective, all)
	}
	// Mix, which bench/peers runs on other engines, returns the very
	// requests the query phase ran.
	mix, err := Mix(filepath.Join(dir, "corpus.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mix) != len(rep.Queries) {
		t.Fatalf("Mix has %d requests, the query phase ran %d", len(mix), len(rep.Queries))
	}
	for i, q := range mix {
		if q.Name != rep.Queries[i].Name || q.Params != rep.Queries[i].Params {
			t.Errorf("Mix request %d is %s %q, the query phase ran %s %q", i, q.Name, q.Params, rep.Queries[i].Name, rep.Queries[i].Params)
		}
	}
	if len(rep.Load) != 2*len(LoadConfigs) {
		t.Fatalf("%d load results, want 1 and 3 connections for each of %d configurations", len(rep.Load), len(LoadConfigs))
	}
	for i, l := range rep.Load {
		if l.Config != LoadConfigs[i/2].Name || l.Connections != []int{1, 3}[i%2] {
			t.Errorf("load result %d: %q at %d connections", i, l.Config, l.Connections)
		}
		if l.Requests == 0 || l.Errors != 0 || l.Rejected != 0 {
			t.Errorf("load %q at %d: %d requests, %d refused, %d errors", l.Config, l.Connections, l.Requests, l.Rejected, l.Errors)
		}
	}
	if len(rep.DrillDown) != 6 {
		t.Fatalf("%d drill-down steps, want 6", len(rep.DrillDown))
	}
	for _, d := range rep.DrillDown {
		if d.Service.N != 2 || d.Cached.N != 2 || d.Cached.P50 <= 0 {
			t.Errorf("drill-down %s: %+v", d.Name, d)
		}
	}
	if len(rep.Bursts) != len(LoadConfigs) {
		t.Fatalf("%d burst results, want one per configuration", len(rep.Bursts))
	}
	for _, x := range rep.Bursts {
		if x.Each.N+x.Refused+x.TimedOut != x.Size*x.Bursts || x.Each.N == 0 {
			t.Errorf("bursts %+v: answered + refused + timed out != sent", x)
		}
	}
	for _, q := range rep.Queries {
		if q.Cached.N != 2 {
			t.Errorf("%s: cached latencies %+v", q.Name, q.Cached)
		}
	}
	if len(rep.HTTPPaired) != len(rep.Queries) || rep.HTTPAdds == nil {
		t.Fatalf("paired HTTP results: %d requests, adds %v; want one per query and a figure", len(rep.HTTPPaired), rep.HTTPAdds)
	}
	for _, p := range rep.HTTPPaired {
		if p.Service.N != 2 || p.HTTP.N != 2 || p.HTTP.P50 <= 0 {
			t.Errorf("paired %s: %+v", p.Name, p)
		}
	}
	var md strings.Builder
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| raw bleve", "| full pipeline", "Full / raw ingest rate", "| match all + all facets |", "| 3 |", "HTTP adds **", "| + tick a place |", "Bursts of 20", "| cache + admission control (as served) | 3 |", "Peak RSS"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}

	// A second run finds every phase done and redoes none of them.
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if *again.Raw != *rep.Raw || *again.Full != *rep.Full || again.Load[1] != rep.Load[1] {
		t.Error("a second run redid finished phases")
	}
	// Another n in the same directory is refused rather than mixed in.
	cfg.N = 61
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Error("a run with another n in the same directory was accepted")
	}
	cfg.Phases = []string{"nope"}
	if _, err := Run(context.Background(), cfg); err == nil {
		t.Error("an unknown phase was accepted")
	}
}

// TestLoadCountsErrors checks that the load generator tells refusals
// (503 with Retry-After, after which it waits) from other failures, and
// stops at its deadline even while waiting.
func TestLoadCountsErrors(t *testing.T) {
	tests := []struct {
		name          string
		retryAfter    string
		status        int
		refused, errs bool
	}{
		{"server error", "", http.StatusInternalServerError, false, true},
		{"timeout 503", "", http.StatusServiceUnavailable, false, true},
		{"busy 503", "1", http.StatusServiceUnavailable, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				http.Error(w, "no", tt.status)
			}))
			defer srv.Close()
			start := time.Now()
			r, err := load(context.Background(), srv.URL, []string{"q=x"}, 2, 150*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if (r.Rejected > 0) != tt.refused || (r.Errors > 0) != tt.errs || r.Requests != 0 {
				t.Errorf("%d refused, %d errors, %d good requests", r.Rejected, r.Errors, r.Requests)
			}
			if tt.refused && r.Rejected > 2 {
				t.Errorf("%d refusals from 2 connections: the generator did not wait for Retry-After", r.Rejected)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("load ran %s past a 150ms duration", took)
			}
		})
	}
	if _, err := load(context.Background(), "http://127.0.0.1:1", nil, 2, time.Millisecond); err == nil {
		t.Error("load with no requests: no error")
	}
}

func TestLatencyPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := latency(ds)
	if l.N != 100 || l.P50 < 50 || l.P50 > 51 || l.P95 < 95 || l.P95 > 96 || l.P99 < 99 || l.P99 > 100 {
		t.Errorf("latency of 1..100 ms = %+v", l)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("latency sorted its input in place")
	}
}

func TestDirSize(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []int{10, 25} {
		if err := writeFile(filepath.Join(dir, string(rune('a'+i))), n); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := dirSize(dir); err != nil || got != 35 {
		t.Errorf("dirSize = %d, %v; want 35", got, err)
	}
}

func writeFile(path string, n int) error {
	return os.WriteFile(path, []byte(strings.Repeat("x", n)), 0o644)
}

func TestMedianMS(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want float64
	}{
		{nil, 0},
		{[]time.Duration{3 * ms}, 3},
		{[]time.Duration{5 * ms, -2 * ms, 1 * ms}, 1},
		{[]time.Duration{-4 * ms, -1 * ms, -3 * ms}, -3},
		{[]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, 3}, // upper median
	}
	for _, tt := range tests {
		if got := medianMS(tt.in); got != tt.want {
			t.Errorf("medianMS(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
