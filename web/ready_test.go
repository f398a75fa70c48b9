package web

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/indextest/segfiles"
)

// readyz returns the status of GET /readyz and its body as a map, so that
// the exact set of keys can be checked.
func (ws *writeServer) readyz(t *testing.T) (int, map[string]any) {
	t.Helper()
	status, _, b := ws.do(t, http.MethodGet, "/readyz", "", nil)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("readyz: %d %s: %v", status, b, err)
	}
	return status, m
}

// wantNotReady checks a 503 {"status":"not ready","reason":...} whose
// reason contains every one of parts.
func wantNotReady(t *testing.T, when string, status int, m map[string]any, parts ...string) {
	t.Helper()
	reason, _ := m["reason"].(string)
	if status != http.StatusServiceUnavailable || m["status"] != "not ready" || len(m) != 2 {
		t.Errorf("%s: readyz %d %v, want 503 {status: not ready, reason}", when, status, m)
	}
	for _, p := range parts {
		if !strings.Contains(reason, p) {
			t.Errorf("%s: readyz reason %q lacks %q", when, reason, p)
		}
	}
}

// wantReady checks a 200 {"status":"ready","documents":n,"index":name,
// "writes":"on"}: the servers of these tests have an API key and a
// writable store.
func wantReady(t *testing.T, when string, status int, m map[string]any, n float64, name string) {
	t.Helper()
	if status != http.StatusOK || m["status"] != "ready" || m["documents"] != n || m["index"] != name || m["writes"] != "on" || len(m) != 4 {
		t.Errorf("%s: readyz %d %v, want 200 {status: ready, documents: %v, index: %s, writes: on}", when, status, m, n, name)
	}
}

// TestReadyzShutdown checks readiness over a real Writer: ready with the
// count and the index directory's name, then not ready once shutdown
// starts, while searches are still answered until the server stops.
func TestReadyzShutdown(t *testing.T) {
	ws := newWriteServer(t, testKey)
	status, m := ws.readyz(t)
	wantReady(t, "open", status, m, 5, index.DefaultIndexName)

	ws.srv.StartShutdown()
	status, m = ws.readyz(t)
	wantNotReady(t, "shutting down", status, m, "shutting down")
	if got := ws.search(t, "redundancy"); len(got) != 4 {
		t.Errorf("search while draining: %v, want the 4 seeds", got)
	}
	status, _, b := ws.do(t, http.MethodPost, "/api/admin/reindex", testKey, nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("POST reindex while shutting down: %d %s, want 503", status, b)
	}
}

// TestReadyzWithoutReadiness: a server given no Readiness (the package's
// read-only test server) is ready when its index answers a search.
func TestReadyzWithoutReadiness(t *testing.T) {
	status, b := get(t, "/readyz")
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK || m["status"] != "ready" || m["documents"] != float64(5) {
		t.Errorf("readyz %d %s, want 200 ready with 5 documents", status, b)
	}
	// It has no API key and no Ingester: it takes no writes, and says why.
	if off, _ := m["writes_off"].(string); m["writes"] != "off" || !strings.Contains(off, "--api-key") {
		t.Errorf("readyz %s, want writes off for want of an API key", b)
	}
}

// TestReindexSwapNotReady holds a re-index started through the API inside
// the critical section of its swap: /readyz says not ready while searches
// still succeed, a second POST is 409, and once the swap is done /readyz
// is ready again on the new index.
func TestReindexSwapNotReady(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	hook := func() { close(entered); <-release }
	ws := newWriteServerOn(t, indextest.SeedData(t), testKey, index.WriterOptions{SwapHook: hook})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	ws.post(t, "POST", "/api/admin/reindex", "", http.StatusAccepted, nil)
	<-entered
	status, m := ws.readyz(t)
	wantNotReady(t, "mid-swap", status, m, "swapping")
	if got := ws.search(t, "redundancy"); len(got) != 4 {
		t.Errorf("search mid-swap: %v, want the 4 seeds", got)
	}
	status, _, b := ws.do(t, "POST", "/api/admin/reindex", testKey, nil)
	if status != http.StatusConflict || !strings.Contains(string(b), "already running") {
		t.Errorf("second POST: %d %s, want 409", status, b)
	}
	if st := ws.reindexStatus(t); st.State != jobRunning || st.Finished != nil {
		t.Errorf("mid-swap state %+v, want running", st)
	}

	close(release)
	released = true
	st := ws.waitReindex(t)
	if st.State != jobDone {
		t.Fatalf("re-index: %+v", st)
	}
	status, m = ws.readyz(t)
	wantReady(t, "after the swap", status, m, 5, st.Index)
	if st.Index == index.DefaultIndexName || !strings.HasPrefix(st.Index, "index-") {
		t.Errorf("new index %q, want a new index-<n>", st.Index)
	}
}

// TestReindexCancelledByShutdown starts a re-index, holds it at the swap
// and shuts the server down: the job ends failed and cancelled, the old
// index is still current and served, and the new directory is gone.
func TestReindexCancelledByShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	hook := func() { close(entered); <-release }
	ws := newWriteServerOn(t, indextest.SeedData(t), testKey, index.WriterOptions{SwapHook: hook})
	oldDir := ws.w.Dir()

	ws.post(t, "POST", "/api/admin/reindex", "", http.StatusAccepted, nil)
	<-entered
	ws.srv.StartShutdown()
	close(release)
	ws.srv.Close() // waits for the job
	st := ws.reindexStatus(t)
	if st.State != jobFailed || !strings.Contains(st.Error, "shutting down") || st.Finished == nil {
		t.Errorf("job after shutdown: %+v, want failed, cancelled by the shutdown", st)
	}
	if ws.w.Dir() != oldDir {
		t.Errorf("serving %s, want the old %s", ws.w.Dir(), oldDir)
	}
	if cur, err := index.CurrentDir(ws.data); err != nil || cur != oldDir {
		t.Errorf("CURRENT -> %s (%v), want %s", cur, err, oldDir)
	}
	ents, err := os.ReadDir(ws.data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "index-") {
			t.Errorf("new index %s left behind", e.Name())
		}
	}
	if got := ws.search(t, "redundancy"); len(got) != 4 {
		t.Errorf("search after the cancelled re-index: %v", got)
	}
}

// truncateLargestSegment empties the largest segment file that the closed
// index in dir is served from, as a full disk can. It asks bleve which
// files those are (segfiles.Live): the largest *.zap file on disk can be
// one that no snapshot uses, left by a merge that Close cut short.
func truncateLargestSegment(t *testing.T, dir string) {
	t.Helper()
	if err := os.Truncate(segfiles.Live(t, dir)[0], 0); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedIndexNotServed serves a --data whose index is damaged (as
// 'cutwatch serve' does): every read answers 503 with the reason and how
// to rebuild, never 200 with no hits; writes are refused; a re-index
// through the API rebuilds it and the server becomes ready.
func TestDamagedIndexNotServed(t *testing.T) {
	data := indextest.SeedData(t)
	truncateLargestSegment(t, filepath.Join(data, index.DefaultIndexName))
	ws := newWriteServerOn(t, data, testKey, index.WriterOptions{AllowDamaged: true})

	status, m := ws.readyz(t)
	wantNotReady(t, "damaged", status, m, "index "+index.DefaultIndexName+" is damaged", "POST /api/admin/reindex", "cutwatch index --rebuild")
	for _, path := range []string{"/healthz", "/api/search?q=redundancy", "/api/search", "/api/articles/" + midYorks, "/api/facets/union"} {
		status, _, b := ws.do(t, http.MethodGet, path, "", nil)
		var e errorBody
		_ = json.Unmarshal(b, &e)
		if status != http.StatusServiceUnavailable || !strings.Contains(e.Error, "damaged") || !strings.Contains(e.Error, "POST /api/admin/reindex") {
			t.Errorf("GET %s: %d %s, want 503 saying the index is damaged and how to rebuild it", path, status, b)
		}
	}
	for _, path := range []string{"/?q=redundancy", "/articles/" + midYorks} {
		req, _ := http.NewRequest(http.MethodGet, ws.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Search is unavailable") || !strings.Contains(string(body), "damaged") {
			t.Errorf("GET %s (HTML): %d, want the 503 page saying the index is damaged", path, resp.StatusCode)
		}
	}
	status, _, b := ws.do(t, "POST", "/api/articles", testKey, []byte(`{"text":"Unst ward shuts."}`))
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "damaged") {
		t.Errorf("POST article: %d %s, want 503", status, b)
	}

	ws.post(t, "POST", "/api/admin/reindex", "", http.StatusAccepted, nil)
	st := ws.waitReindex(t)
	if st.State != jobDone || st.Documents == nil || *st.Documents != 5 {
		t.Fatalf("re-index of the damaged index: %+v, want done with 5 docs", st)
	}
	status, m = ws.readyz(t)
	wantReady(t, "rebuilt", status, m, 5, st.Index)
	if got := ws.search(t, "redundancy"); len(got) != 4 {
		t.Errorf("search after the rebuild: %v, want the 4 seeds", got)
	}
	if n := ws.docCount(t); n != 5 {
		t.Errorf("healthz after the rebuild: %d docs", n)
	}
}
