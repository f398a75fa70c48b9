package web

import (
	"bytes"
	"net/http"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches GET /metrics from base and parses it with Prometheus's own
// text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: Content-Type %q, want text/plain", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sample returns the metric of family name whose labels are exactly
// labels, or nil.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

// labelValues lists the values of label over the samples of a family.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	var out []string
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				out = append(out, l.GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestMetrics sends a known mix of requests to a real server over a real
// seed index with the write API on, scrapes /metrics and checks every
// cutwatch series against what was sent.
func TestMetrics(t *testing.T) {
	ws := newWriteServer(t, testKey)
	get := func(path string, want int) {
		t.Helper()
		if status, _, body := ws.do(t, http.MethodGet, path, "", nil); status != want {
			t.Fatalf("GET %s: %d %s, want %d", path, status, body, want)
		}
	}
	get("/api/search?q=unison", 200)
	get("/api/search?q=jobs&size=1", 200)
	get("/api/search?sort=nope", 400) // refused before the search
	get("/?q=unison", 200)            // the search page searches too
	get("/api/articles/"+midYorks, 200)
	get("/api/articles/no-such-article", 404)
	get("/no/such/path/42", 404)
	get("/healthz", 200)
	if status, _, _ := ws.do(t, "BREW", "/healthz", "", nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("BREW /healthz: %d, want 405", status)
	}

	one := []byte(`{"id":"metrics-1","text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`)
	if status, _, body := ws.do(t, http.MethodPost, "/api/articles", testKey, one); status != http.StatusCreated {
		t.Fatalf("POST /api/articles: %d %s", status, body)
	}
	if status, _, _ := ws.do(t, http.MethodPost, "/api/articles", "wrong-key", one); status != http.StatusUnauthorized {
		t.Fatalf("POST /api/articles with a wrong key: %d, want 401", status)
	}
	bulk := []byte(`{"id":"metrics-2","text":"GMB says 25 cleaners at Lerwick hospital lose their jobs."}
{"id":"metrics-3","title":"no text"}
{"id":"metrics-4","text":"The RCN warns that 12 nursing posts in Wick will go."}
`)
	if status, _, body := ws.do(t, http.MethodPost, "/api/articles/_bulk", testKey, bulk); status != http.StatusOK {
		t.Fatalf("POST /api/articles/_bulk: %d %s", status, body)
	}

	fams := scrape(t, ws.URL)

	requests := []struct {
		route, method, status string
		want                  float64
	}{
		{"/api/search", "GET", "200", 2},
		{"/api/search", "GET", "400", 1},
		{"/", "GET", "200", 1},
		{"/api/articles/:id", "GET", "200", 1},
		{"/api/articles/:id", "GET", "404", 1},
		{"unmatched", "GET", "404", 1},
		{"/healthz", "GET", "200", 1},
		{"unmatched", "other", "405", 1},
		{"/api/articles", "POST", "201", 1},
		{"/api/articles", "POST", "401", 1},
		{"/api/articles/_bulk", "POST", "200", 1},
	}
	var total float64
	for _, r := range requests {
		total += r.want
		m := sample(fams, metricRequests, map[string]string{"route": r.route, "method": r.method, "status": r.status})
		if m == nil {
			t.Errorf("%s{route=%q,method=%q,status=%q}: missing", metricRequests, r.route, r.method, r.status)
			continue
		}
		if got := m.GetCounter().GetValue(); got != r.want {
			t.Errorf("%s{route=%q,method=%q,status=%q} = %v, want %v", metricRequests, r.route, r.method, r.status, got, r.want)
		}
	}
	var sum float64
	for _, m := range fams[metricRequests].GetMetric() {
		sum += m.GetCounter().GetValue()
	}
	if sum != total {
		t.Errorf("%s sums to %v over all series, want %v (the requests sent; this scrape is not counted yet)", metricRequests, sum, total)
	}
	// Labels are route templates, never raw paths or invented methods.
	for _, label := range []string{"route", "method"} {
		for _, v := range labelValues(fams, metricRequests, label) {
			if strings.Contains(v, "no-such") || strings.Contains(v, "/no/such") || strings.Contains(v, midYorks) || v == "BREW" {
				t.Errorf("%s has %s=%q: a raw request value", metricRequests, label, v)
			}
		}
	}

	if f := fams[metricRequestDuration]; f.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("%s: type %v, want histogram", metricRequestDuration, f.GetType())
	}
	for _, c := range []struct {
		route, method string
		want          uint64
	}{{"/api/search", "GET", 3}, {"/api/articles/:id", "GET", 2}, {"/api/articles", "POST", 2}, {"unmatched", "GET", 1}} {
		m := sample(fams, metricRequestDuration, map[string]string{"route": c.route, "method": c.method})
		if got := m.GetHistogram().GetSampleCount(); got != c.want {
			t.Errorf("%s{route=%q,method=%q} count = %d, want %d", metricRequestDuration, c.route, c.method, got, c.want)
		}
		if m.GetHistogram().GetSampleSum() <= 0 {
			t.Errorf("%s{route=%q,method=%q} sum = %v, want > 0", metricRequestDuration, c.route, c.method, m.GetHistogram().GetSampleSum())
		}
	}

	// Two API searches and the search page's two (its results, and its
	// charts': by month, as the seeds' dates span less than 18 months)
	// reached the Searcher; the bad request and /healthz's probe do not
	// count.
	sd := sample(fams, metricSearchDuration, nil)
	if got := sd.GetHistogram().GetSampleCount(); got != 4 {
		t.Errorf("%s count = %d, want 4", metricSearchDuration, got)
	}
	if sd.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("%s sum = %v, want > 0", metricSearchDuration, sd.GetHistogram().GetSampleSum())
	}

	// 5 seeds + 1 posted + 2 bulk lines that decoded.
	if got := sample(fams, metricDocuments, nil).GetGauge().GetValue(); got != 8 {
		t.Errorf("%s = %v, want 8", metricDocuments, got)
	}
	if got := float64(ws.docCount(t)); got != 8 {
		t.Errorf("healthz says %v documents, want 8", got)
	}

	for result, want := range map[string]float64{"ok": 3, "failed": 1} {
		if got := sample(fams, metricIngested, map[string]string{"result": result}).GetCounter().GetValue(); got != want {
			t.Errorf("%s{result=%q} = %v, want %v", metricIngested, result, got, want)
		}
	}
	// The tagger ran once per article indexed, not for the failed line.
	td := sample(fams, metricTagDuration, nil)
	if got := td.GetHistogram().GetSampleCount(); got != 3 {
		t.Errorf("%s count = %d, want 3", metricTagDuration, got)
	}
	if td.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("%s sum = %v, want > 0", metricTagDuration, td.GetHistogram().GetSampleSum())
	}

	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if fams[name] == nil {
			t.Errorf("%s: missing (Go and process collectors)", name)
		}
	}

	// The first scrape is counted once it has been answered.
	again := scrape(t, ws.URL)
	if got := sample(again, metricRequests, map[string]string{"route": "/metrics", "method": "GET", "status": "200"}).GetCounter().GetValue(); got != 1 {
		t.Errorf("%s{route=\"/metrics\"} = %v after one scrape, want 1", metricRequests, got)
	}
}

// TestMetricsFailedIngest checks that articles refused by the write API
// count as failed: a bad single article, a body over the limit, and every
// line of a bulk request with no good line.
func TestMetricsFailedIngest(t *testing.T) {
	ws := newWriteServer(t, testKey)
	if status, _, _ := ws.do(t, http.MethodPost, "/api/articles", testKey, []byte(`{"title":"no text"}`)); status != http.StatusBadRequest {
		t.Fatalf("article without text: %d, want 400", status)
	}
	big := append([]byte(`{"text":"`), bytes.Repeat([]byte("a"), MaxArticleBody)...)
	big = append(big, `"}`...)
	if status, _, _ := ws.do(t, http.MethodPut, "/api/articles/big", testKey, big); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("article over the limit: %d, want 413", status)
	}
	if status, _, _ := ws.do(t, http.MethodPost, "/api/articles/_bulk", testKey, []byte("{\n[1]\n")); status != http.StatusOK {
		t.Fatalf("bulk of bad lines: %d, want 200", status)
	}
	fams := scrape(t, ws.URL)
	for result, want := range map[string]float64{"ok": 0, "failed": 4} {
		m := sample(fams, metricIngested, map[string]string{"result": result})
		if m == nil {
			t.Errorf("%s{result=%q}: missing", metricIngested, result)
			continue
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("%s{result=%q} = %v, want %v", metricIngested, result, got, want)
		}
	}
	if got := sample(fams, metricTagDuration, nil).GetHistogram().GetSampleCount(); got != 0 {
		t.Errorf("%s count = %d, want 0 (nothing was tagged)", metricTagDuration, got)
	}
	if got := sample(fams, metricDocuments, nil).GetGauge().GetValue(); got != 5 {
		t.Errorf("%s = %v, want 5 (the seeds)", metricDocuments, got)
	}
}

// TestMetricsSearchCache checks the series of the search service's cache
// and admission control against what a known sequence of searches must do:
// a repeat is a hit, a write makes the next one a miss again, and every
// computed search took a slot.
func TestMetricsSearchCache(t *testing.T) {
	ws := newWriteServer(t, testKey)
	search := func() {
		t.Helper()
		if status, _, body := ws.do(t, http.MethodGet, "/api/search?q=unison&facets=none", "", nil); status != http.StatusOK {
			t.Fatalf("search: %d %s", status, body)
		}
	}
	search() // miss
	search() // hit
	search() // hit
	one := []byte(`{"id":"cache-1","text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`)
	if status, _, body := ws.do(t, http.MethodPost, "/api/articles", testKey, one); status != http.StatusCreated {
		t.Fatalf("POST /api/articles: %d %s", status, body)
	}
	search() // miss: the write moved the index on

	fams := scrape(t, ws.URL)
	counter := func(name string, labels map[string]string) float64 {
		t.Helper()
		m := sample(fams, name, labels)
		if m == nil {
			t.Fatalf("%s%v: missing", name, labels)
		}
		return m.GetCounter().GetValue()
	}
	if got := counter("cutwatch_search_cache_requests_total", map[string]string{"kind": "search", "result": "hit"}); got != 2 {
		t.Errorf("cache hits = %v, want 2", got)
	}
	if got := counter("cutwatch_search_cache_requests_total", map[string]string{"kind": "search", "result": "miss"}); got != 2 {
		t.Errorf("cache misses = %v, want 2", got)
	}
	if got := counter("cutwatch_search_admitted_total", nil); got != 2 {
		t.Errorf("searches admitted = %v, want 2 (the two misses)", got)
	}
	if got := counter("cutwatch_search_rejected_total", nil); got != 0 {
		t.Errorf("searches rejected = %v, want 0", got)
	}
	for _, name := range []string{"cutwatch_searches_running", "cutwatch_searches_queued", "cutwatch_search_cache_entries"} {
		if sample(fams, name, nil) == nil {
			t.Errorf("%s: missing", name)
		}
	}
	if got := sample(fams, "cutwatch_search_cache_entries", nil).GetGauge().GetValue(); got != 1 {
		t.Errorf("cache entries = %v, want 1 (the write emptied it, one search since)", got)
	}
}
