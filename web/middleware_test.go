package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// lockedBuffer is a bytes.Buffer that handler goroutines may write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRequestLog checks the request log of a real server with the write API
// on: one line per request with method, route template, status, duration,
// bytes and, for searches, hits; and no secret anywhere in the log, neither
// the API key from the Authorization header, nor a wrong key, nor values
// of the query string or of the path.
func TestRequestLog(t *testing.T) {
	const key = "s3cret"
	var logBuf lockedBuffer
	ws := newWriteServerWith(t, indextest.SeedData(t), key, index.WriterOptions{}, slog.New(slog.NewTextHandler(&logBuf, nil)))

	type sent struct {
		method, path, auth string
		body               []byte
		status             int
		route              string
	}
	reqs := []sent{
		{http.MethodGet, "/api/search?q=unison", "", nil, 200, "/api/search"},
		{http.MethodGet, "/?q=jobs", "", nil, 200, "/"},
		// Unknown parameters are refused, and their values not logged.
		{http.MethodGet, "/api/search?q=unison&api_key=s3cret&token=hunter2", "", nil, 400, "/api/search"},
		{http.MethodGet, "/?q=jobs&access_token=hunter2", "", nil, 400, "/"},
		{http.MethodPost, "/api/articles", "Bearer " + key, []byte(`{"id":"log-1","text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`), 201, "/api/articles"},
		{http.MethodPost, "/api/articles", "Bearer hunter2", []byte(`{"text":"x"}`), 401, "/api/articles"},
		{http.MethodGet, "/api/articles/hunter2-in-the-path", "Bearer " + key, nil, 404, "/api/articles/:id"},
		{http.MethodGet, "/hunter2/nowhere", "", nil, 404, routeUnmatched},
	}
	var searchTotal uint64
	bodyLen := make([]int, len(reqs))
	for i, r := range reqs {
		req, err := http.NewRequest(r.method, ws.URL+r.path, bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.auth != "" {
			req.Header.Set("Authorization", r.auth)
		}
		// The logged bytes are those sent: uncompressed here, as the
		// client asks for no compression (a client that does gets fewer).
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, err = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != r.status {
			t.Fatalf("%s %s: %d %s, want %d", r.method, r.path, resp.StatusCode, body.Bytes(), r.status)
		}
		bodyLen[i] = body.Len()
		if i == 0 {
			var res api.Result
			if err := json.Unmarshal(body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if res.Total == 0 {
				t.Fatal("search for unison found nothing: the hits check would prove little")
			}
			searchTotal = res.Total
		}
	}
	// Close waits for the handlers, so every line has been written.
	ws.Close()
	log := logBuf.String()

	for _, secret := range []string{key, "hunter2"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	if strings.Contains(strings.ToLower(log), "bearer") || strings.Contains(strings.ToLower(log), "authorization") {
		t.Errorf("the log mentions the Authorization header:\n%s", log)
	}

	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if strings.Contains(l, "msg=request ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(reqs) {
		t.Fatalf("%d request lines for %d requests:\n%s", len(lines), len(reqs), log)
	}
	for i, r := range reqs {
		l := lines[i]
		for _, want := range []string{
			"method=" + r.method,
			"route=" + r.route + " ",
			fmt.Sprintf("status=%d", r.status),
			"duration=",
			fmt.Sprintf("bytes=%d", bodyLen[i]),
		} {
			if !strings.Contains(l, want) {
				t.Errorf("line for %s %s lacks %q: %s", r.method, r.route, want, l)
			}
		}
	}
	if want := fmt.Sprintf("hits=%d", searchTotal); !strings.HasSuffix(lines[0], want) {
		t.Errorf("search line does not end in %s: %s", want, lines[0])
	}
	if !strings.Contains(lines[1], "hits=") {
		t.Errorf("search page line has no hits: %s", lines[1])
	}
	for _, l := range lines[2:] {
		if strings.Contains(l, "hits=") {
			t.Errorf("a line that is no search has hits: %s", l)
		}
	}
}
