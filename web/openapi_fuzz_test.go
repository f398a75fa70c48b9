package web

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOpenAPIFuzzedResponses sends a fixed set of generated requests (a
// seeded generator: the same set every run) built from the spec's paths
// and parameters with hostile values, bodies and keys, to a live server
// with the write API on, and validates every answer against the spec: its
// status is one the operation documents, and its headers and body match.
// No answer may be a 500.
func TestOpenAPIFuzzedResponses(t *testing.T) {
	doc, _ := loadSpec(t)
	v := specValidator(t, doc)
	ws := newWriteServer(t, testKey)
	rng := rand.New(rand.NewPCG(18, 2026))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }

	values := []string{"", "nurse", "unison", "*a*", "/.*x.*/", "nurse~2", `"job cuts"`, "(((", ")", "%zz", "%", "a%2Fb", "-1", "0", "1", "100", "101",
		"99999999999999999999", "1e308", "NaN", "true", "false", "all", "none", ",,,", "trust,union", "jobs", "month", "2024-02-30", "2024-01-01",
		"2024-01-01T00:00:00Z", "Ünïcode", strings.Repeat("x", 600), "\x00", "<script>", "relevance", "-published", "jobs_desc"}
	params := []string{"q", "size", "from", "facets", "facet_size", "sort", "trust", "union", "place", "jobs_min", "jobs_max", "amount_min",
		"published_from", "published_to", "histogram", "facet_metric", "facet_sort", "collapse", "id", "prefix", "format", "limit", "nope"}
	query := func() string {
		var parts []string
		for range rng.IntN(4) {
			val := pick(values...)
			if val == "%zz" || val == "%" {
				parts = append(parts, pick(params...)+"="+val) // raw, malformed
				continue
			}
			parts = append(parts, url.QueryEscape(pick(params...))+"="+url.QueryEscape(val))
		}
		return strings.Join(parts, "&")
	}
	ids := []string{oxford, "nope", "a%2Fb", "Ünïcode-1", "x.y", "..", strings.Repeat("i", 300)}
	bodies := []string{``, `{}`, `{"text":""}`, `{"text":"Wick ward closes."}`, `{"id":"fz-1","text":"Thurso depot cuts 4 drivers."}`,
		`{"id":"a/b","text":"x"}`, `{"id":"fz-2","text":"x","published":"next week"}`, `not json`, `[1,2]`, `{"text":null}`,
		"{\"id\":\"fz-3\",\"text\":\"a\"}\n{\"id\":\"fz-3\",\"text\":\"b\"}\n", "\n\n", `{"url":"http://127.0.0.1:9/hook","search":"q=nurse"}`}
	type req struct{ method, path, query, body, auth string }
	var reqs []req
	for range 400 {
		r := req{query: query(), auth: pick("", "Bearer "+testKey, "Bearer wrong")}
		switch rng.IntN(10) {
		case 0, 1, 2:
			r.method, r.path = "GET", "/api/search"
		case 3:
			r.method, r.path = "GET", "/api/articles/"+pick(ids...)
		case 4:
			r.method, r.path = "GET", "/api/facets/"+pick("union", "trust", "person", "nope", "jobs")
		case 5:
			r.method, r.path = "GET", "/api/export"
		case 6:
			r.method, r.path = "OPTIONS", pick("/api/search", "/api/articles/"+oxford, "/api/export")
		case 7:
			r.method, r.path, r.body = "POST", pick("/api/articles", "/api/articles/_bulk"), pick(bodies...)
		case 8:
			r.method, r.path, r.body = pick("PUT", "DELETE"), "/api/articles/"+pick(ids...), pick(bodies...)
		case 9:
			r.method, r.path = "GET", pick("/feeds/search.atom", "/healthz", "/readyz", "/api/admin/reindex")
		}
		reqs = append(reqs, r)
	}
	statuses := map[int]int{}
	for i, r := range reqs {
		target := ws.URL + r.path
		if r.query != "" {
			target += "?" + r.query
		}
		newReq := func() *http.Request {
			var b io.Reader
			if r.body != "" {
				b = strings.NewReader(r.body)
			}
			hr, err := http.NewRequest(r.method, target, b)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if r.auth != "" {
				hr.Header.Set("Authorization", r.auth)
			}
			if r.method == "OPTIONS" {
				hr.Header.Set("Origin", "https://other.example")
				hr.Header.Set("Access-Control-Request-Method", pick("GET", "PUT"))
			}
			return hr
		}
		hr := newReq()
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatalf("request %d %s %s: %v", i, r.method, target, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		statuses[resp.StatusCode]++
		name := fmt.Sprintf("%d: %s %s (body %.40q)", i, r.method, strings.TrimPrefix(target, ws.URL), r.body)
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %.300s", name, resp.StatusCode, got)
			continue
		}
		resp.Body = io.NopCloser(bytes.NewReader(got))
		if ok, errs := v.ValidateHttpResponse(hr, resp); !ok {
			t.Errorf("%s: answer %d %s does not match the spec:%s\nbody: %.300s", name, resp.StatusCode, resp.Header.Get("Content-Type"), validationErrors(errs), got)
		}
	}
	t.Logf("statuses of %d fuzzed requests: %v", len(reqs), statuses)
	if statuses[200] == 0 || statuses[400] == 0 {
		t.Errorf("statuses %v: the set should hold both good and bad requests", statuses)
	}
}

// TestOpenAPIServersRelative: the spec's server is the one serving it, not
// a fixed address (127.0.0.1:8080 is only serve's default --addr).
func TestOpenAPIServersRelative(t *testing.T) {
	_, m := loadSpec(t)
	if len(m.Servers) == 0 {
		t.Fatal("the spec has no servers")
	}
	for _, s := range m.Servers {
		if u, err := url.Parse(s.URL); err != nil || u.Host != "" && !strings.Contains(s.URL, "{") {
			t.Errorf("servers: %q is a fixed address; want a relative URL or a template", s.URL)
		}
	}
}
