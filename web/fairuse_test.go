package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// fairServer serves the seed index with opts (and a quiet log).
func fairServer(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	hs := httptest.NewServer(New(svc, opts).Handler())
	t.Cleanup(hs.Close)
	return hs
}

// send makes one request with the given headers and returns the answer
// with its body read.
func send(t *testing.T, method, url string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestRateLimit: a client without a key gets its burst of reads, then 429
// with Retry-After and a JSON error (the HTML error page on a page); other
// clients, told apart by the configured proxy header only, and clients
// with a key are not held back.
func TestRateLimit(t *testing.T) {
	hs := fairServer(t, Options{RateLimit: 0.5, RateBurst: 3, ClientIPHeader: "X-Real-IP", APIKey: "admin-key", ReadKey: "", Ingester: nil})
	search := hs.URL + "/api/search?q=nurse"
	a := map[string]string{"X-Real-IP": "203.0.113.7"}
	for i := range 3 {
		if resp, b := send(t, "GET", search, a); resp.StatusCode != http.StatusOK {
			t.Fatalf("read %d of the burst: %d %s", i+1, resp.StatusCode, b)
		}
	}
	resp, b := send(t, "GET", search, a)
	var body errorBody
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(b, &body) != nil || !strings.Contains(body.Error, "too many requests") {
		t.Fatalf("read past the burst: %d %s, want 429 with a JSON error", resp.StatusCode, b)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 s (0.5 reads a second)", resp.Header.Get("Retry-After"))
	}
	if resp, _ := send(t, "GET", hs.URL+"/articles/"+oxford, a); resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("page past the burst: %d %s, want the 429 HTML page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Another address behind the proxy has its own bucket; a list's last
	// element (the proxy's) is the address, not the client's claim.
	if resp, b := send(t, "GET", search, map[string]string{"X-Real-IP": "203.0.113.7, 198.51.100.1"}); resp.StatusCode != http.StatusOK {
		t.Errorf("another client: %d %s", resp.StatusCode, b)
	}
	// With a key: not counted.
	for range 5 {
		h := map[string]string{"X-Real-IP": "203.0.113.7", "Authorization": "Bearer admin-key"}
		if resp, b := send(t, "GET", search, h); resp.StatusCode != http.StatusOK {
			t.Fatalf("read with the API key past the burst: %d %s", resp.StatusCode, b)
		}
	}
	// Probes and static files are not public reads.
	for _, probe := range []string{"/readyz", "/healthz", "/static/style.css"} {
		if resp, _ := send(t, "GET", hs.URL+probe, a); resp.StatusCode != http.StatusOK {
			t.Errorf("%s past the burst: %d", probe, resp.StatusCode)
		}
	}

	// Without a configured header, the header is not believed: every
	// request is the peer's (127.0.0.1).
	hs2 := fairServer(t, Options{RateLimit: 0.5, RateBurst: 2})
	for i := range 3 {
		resp, _ := send(t, "GET", hs2.URL+"/api/search?q=nurse", map[string]string{"X-Real-IP": "192.0.2." + strconv.Itoa(i)})
		if want := map[bool]int{true: 200, false: 429}[i < 2]; resp.StatusCode != want {
			t.Errorf("read %d with a made-up X-Real-IP and no header configured: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
}

// TestReadKey: with a read key, reads need it (or the API key): 401
// without; it cannot write.
func TestReadKey(t *testing.T) {
	hs := fairServer(t, Options{ReadKey: "reader", APIKey: "admin-key"})
	for _, path := range []string{"/api/search?q=nurse", "/api/articles/" + oxford, "/api/facets/union", "/", "/articles/" + oxford} {
		if resp, _ := send(t, "GET", hs.URL+path, nil); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without a key: %d, want 401 with WWW-Authenticate", path, resp.StatusCode)
		}
		for _, key := range []string{"reader", "admin-key"} {
			if resp, b := send(t, "GET", hs.URL+path, map[string]string{"Authorization": "Bearer " + key}); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with %s: %d %.200s", path, key, resp.StatusCode, b)
			}
		}
		if resp, _ := send(t, "GET", hs.URL+path, map[string]string{"Authorization": "Bearer readerX"}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong key: %d, want 401", path, resp.StatusCode)
		}
	}
	for _, probe := range []string{"/readyz", "/healthz"} {
		if resp, _ := send(t, "GET", hs.URL+probe, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s without a key: %d, want 200 (probes need no key)", probe, resp.StatusCode)
		}
	}
	if resp, _ := send(t, "DELETE", hs.URL+"/api/articles/"+oxford, map[string]string{"Authorization": "Bearer reader"}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("DELETE with the read key: %d, want 401", resp.StatusCode)
	}
}

// TestCORS: the public GET routes answer any origin and their preflight
// allows GET; write routes and preflights of writes get no CORS header.
func TestCORS(t *testing.T) {
	hs := fairServer(t, Options{APIKey: "admin-key"})
	origin := map[string]string{"Origin": "https://other.example"}
	for _, path := range []string{"/api/search?q=nurse", "/api/articles/" + oxford, "/api/facets/union", "/api/export?q=nurse"} {
		resp, _ := send(t, "GET", hs.URL+path, origin)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s: %d, Access-Control-Allow-Origin %q, want *", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		p := strings.SplitN(path, "?", 2)[0]
		pre := map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
		resp, _ = send(t, "OPTIONS", hs.URL+p, pre)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight of GET %s: %d %v", p, resp.StatusCode, resp.Header)
		}
	}
	// Writes: no CORS, whether preflighted or sent.
	pre := map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "PUT"}
	if resp, _ := send(t, "OPTIONS", hs.URL+"/api/articles/"+oxford, pre); resp.Header.Get("Access-Control-Allow-Origin") != "" || strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") {
		t.Errorf("preflight of PUT: %v, want no CORS headers", resp.Header)
	}
	for _, m := range []string{"POST /api/articles", "DELETE /api/articles/" + oxford, "POST /api/articles/_bulk", "OPTIONS /api/articles", "OPTIONS /api/admin/reindex"} {
		method, path, _ := strings.Cut(m, " ")
		h := map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "POST"}
		if resp, _ := send(t, method, hs.URL+path, h); resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want none", m, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

// TestGzip: JSON and HTML answers are gzipped for a client that accepts
// it, and the same as without.
func TestGzip(t *testing.T) {
	for _, path := range []string{"/api/search?q=nurse&size=100", "/articles/" + oxford, "/api/articles/" + oxford} {
		plainResp, plain := send(t, "GET", ts.URL+path, nil)
		resp, b := send(t, "GET", ts.URL+path, map[string]string{"Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "gzip" || plainResp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s: Content-Encoding %q (%q without Accept-Encoding), want gzip", path, resp.Header.Get("Content-Encoding"), plainResp.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		// The search's took_ms differs between the two.
		strip := func(s string) string {
			if i := strings.Index(s, `"took_ms"`); i >= 0 {
				j := strings.IndexAny(s[i:], ",}")
				return s[:i] + s[i+j:]
			}
			return s
		}
		if strip(string(got)) != strip(string(plain)) || len(b) >= len(plain) {
			t.Errorf("GET %s: gzipped %d bytes to %d, or not the same body", path, len(plain), len(b))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s: Vary %q", path, resp.Header.Get("Vary"))
		}
	}
}
