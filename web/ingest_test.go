package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
	"github.com/cutwatch/cutwatch/search/watch"
)

const testKey = "s3cret-test-key"

// writeServer is a real HTTP server on the real router over a real Writer
// on a fresh --data holding the seeds in its store and index.
type writeServer struct {
	*httptest.Server
	srv  *Server
	w    *index.Writer
	src  *sources.Manager
	hub  *watch.Hub
	data string
}

// newWriteServer starts a server whose write routes need key ("" turns
// them off).
func newWriteServer(t *testing.T, key string) *writeServer {
	t.Helper()
	return newWriteServerOn(t, indextest.SeedData(t), key, index.WriterOptions{})
}

// newWriteServerOn starts a quiet server over a Writer on data, opened
// with opts plus the test tagger, as 'cutwatch serve' wires it (the
// Writer is the Ingester and the Readiness, and reports its tagging time
// into the server's metrics).
func newWriteServerOn(t *testing.T, data, key string, opts index.WriterOptions) *writeServer {
	t.Helper()
	return newWriteServerWith(t, data, key, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newWriteServerWith is newWriteServerOn with the server logging to log
// (the Writer's own log is discarded).
func newWriteServerWith(t *testing.T, data, key string, opts index.WriterOptions, log *slog.Logger) *writeServer {
	t.Helper()
	m := NewMetrics()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.Tagger = indextest.Tagger(t)
	opts.ObserveTag = m.ObserveTag
	// Watches as serve wires them (webhooks on loopback allowed, retries
	// quick).
	hub, err := watch.Open(data, watch.Options{AllowPrivate: true, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Logger: opts.Logger, BaseURL: "http://cutwatch.test"})
	if err != nil {
		t.Fatal(err)
	}
	opts.BeforeAck = append(opts.BeforeAck, hub.BeforeAck)
	w, err := index.OpenWriter(context.Background(), data, opts)
	if err != nil {
		_ = hub.Close()
		t.Fatal(err)
	}
	if err := hub.Attach(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	hub.Start()
	// Served as cutwatch serve does: with the cache keyed on the writer's
	// generation, so every test that searches after a write checks that
	// no stale answer comes from the cache.
	svc := search.New(w.Index(), search.OnWriter(w, search.Options{}))
	// The sources are not started: nothing is fetched unless a test
	// polls one (on loopback).
	src, err := sources.Open(sources.Options{Data: data, Writer: w, Logger: opts.Logger,
		Fetch: sources.FetchOptions{AllowPrivate: true, MinDelay: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(svc, Options{Logger: log, Ingester: w, APIKey: key, Readiness: w, Seqs: w, Metrics: m, Sources: src, Watches: hub})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		if err := src.Close(); err != nil {
			t.Error(err)
		}
		if err := w.Close(); err != nil {
			t.Error(err)
		}
		if err := hub.Close(); err != nil {
			t.Error(err)
		}
	})
	return &writeServer{Server: hs, srv: srv, w: w, src: src, data: data, hub: hub}
}

// reindexStatus returns the state of the re-index job.
func (ws *writeServer) reindexStatus(t *testing.T) reindexStatus {
	t.Helper()
	var st reindexStatus
	ws.post(t, http.MethodGet, "/api/admin/reindex", "", http.StatusOK, &st)
	return st
}

// waitReindex polls the re-index job until it is no longer running and
// returns its final state.
func (ws *writeServer) waitReindex(t *testing.T) reindexStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st := ws.reindexStatus(t)
		if st.State != jobRunning {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-index still running after 2 minutes: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// do sends a request with an optional bearer key and returns status,
// headers and body.
func (ws *writeServer) do(t *testing.T, method, path, key string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ws.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// search returns the ids matching q through GET /api/search.
func (ws *writeServer) search(t *testing.T, q string) []string {
	t.Helper()
	status, _, body := ws.do(t, http.MethodGet, "/api/search?size=100&q="+url.QueryEscape(q), "", nil)
	if status != http.StatusOK {
		t.Fatalf("search %q: %d %s", q, status, body)
	}
	var res api.Result
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	out := ids(&res)
	slices.Sort(out)
	return out
}

func (ws *writeServer) docCount(t *testing.T) uint64 {
	t.Helper()
	status, _, body := ws.do(t, http.MethodGet, "/healthz", "", nil)
	var h healthResponse
	if err := json.Unmarshal(body, &h); status != http.StatusOK || err != nil {
		t.Fatalf("healthz: %d %s %v", status, body, err)
	}
	return h.Documents
}

// writeCase is one request to a route behind the key that succeeds with
// the right key. The cases run in order (DELETE needs what POST made).
type writeCase struct {
	method, route string // as registered in the router
	path          string
	body          string
	want          int
}

var writeCases = []writeCase{
	{"POST", "/api/articles", "/api/articles", `{"id":"auth-1","text":"Unison: 30 porters at Brora face cuts."}`, http.StatusCreated},
	{"POST", "/api/articles/_bulk", "/api/articles/_bulk", `{"id":"auth-2","text":"Golspie clinic shuts."}` + "\n", http.StatusOK},
	{"PUT", "/api/articles/:id", "/api/articles/auth-1", `{"text":"Helmsdale ward closes."}`, http.StatusOK},
	{"DELETE", "/api/articles/:id", "/api/articles/auth-2", "", http.StatusNoContent},
	{"POST", "/api/admin/reindex", "/api/admin/reindex", "", http.StatusAccepted},
	{"GET", "/api/admin/reindex", "/api/admin/reindex", "", http.StatusOK},
	{"POST", "/api/sources", "/api/sources", `{"url":"https://news.example.org/auth.xml"}`, http.StatusCreated},
	{"GET", "/api/sources", "/api/sources", "", http.StatusOK},
	{"DELETE", "/api/sources/:id", "/api/sources/" + sources.ID("https://news.example.org/auth.xml"), "", http.StatusNoContent},
	{"POST", "/api/watches", "/api/watches", `{"search":"q=porters","url":"http://127.0.0.1:9/hook"}`, http.StatusCreated},
	{"GET", "/api/watches", "/api/watches", "", http.StatusOK},
	{"GET", "/api/watches/:id", "/api/watches/w_none", "", http.StatusNotFound},
	{"GET", "/api/watches/:id/deliveries", "/api/watches/w_none/deliveries", "", http.StatusNotFound},
	{"DELETE", "/api/watches/:id", "/api/watches/w_none", "", http.StatusNotFound},
}

// publicRoutes are the routes that need no key: reads.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /metrics", "GET /api/openapi.json", "GET /api/cluster",
	"GET /api/search", "GET /api/articles/:id", "GET /api/facets/:field", "GET /api/export", "GET /feeds/search.atom",
	"GET /", "GET /articles/:id", "GET /static/*file",
	"GET /trusts/*name", "GET /unions/*name", "GET /places/*name", // entity pages (the schema's kinds with pages)
	// CORS preflights of the public API reads (they read nothing)
	"OPTIONS /api/search", "OPTIONS /api/articles/:id", "OPTIONS /api/facets/:field", "OPTIONS /api/export", "OPTIONS /feeds/search.atom",
}

// TestWriteRoutesNeedKey enumerates every route of the router, so that a
// new route cannot escape the key check unnoticed: each is either a public
// read above or has a case above (every non-GET route must), and those
// answer 401 without or with a wrong key (changing nothing), 403 when no
// key is configured, and 2xx with the right key.
func TestWriteRoutesNeedKey(t *testing.T) {
	ws := newWriteServer(t, testKey)
	off := newWriteServer(t, "")

	var routes, covered []string
	for _, r := range ws.srv.router.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	for _, c := range writeCases {
		covered = append(covered, c.method+" "+c.route)
	}
	for _, r := range publicRoutes {
		if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "OPTIONS ") {
			t.Fatalf("public route %s: only GET routes (and their CORS preflights) may go without the key", r)
		}
		if slices.Contains(covered, r) {
			t.Fatalf("%s is both public and behind the key", r)
		}
	}
	covered = append(covered, publicRoutes...)
	slices.Sort(routes)
	slices.Sort(covered)
	if !slices.Equal(routes, covered) {
		t.Fatalf("routes of the router %v != routes covered by this test %v: add a case or list it as public", routes, covered)
	}
	before := ws.docCount(t)

	for _, c := range writeCases {
		name := c.method + " " + c.path
		for _, bad := range []struct{ what, auth string }{
			{"no key", ""},
			{"wrong key", "Bearer not-" + testKey},
			{"key prefix", "Bearer " + testKey[:5]},
			{"other scheme", "Basic " + testKey},
			{"bare key", testKey},
		} {
			req, _ := http.NewRequest(c.method, ws.URL+c.path, strings.NewReader(c.body))
			if bad.auth != "" {
				req.Header.Set("Authorization", bad.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s with %s: %d (WWW-Authenticate %q) %s, want 401 with a Bearer challenge",
					name, bad.what, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
		}
		status, _, body := off.do(t, c.method, c.path, testKey, []byte(c.body))
		if status != http.StatusForbidden || !strings.Contains(string(body), "--api-key") {
			t.Errorf("%s, no key configured: %d %s, want 403 saying how to turn writes on", name, status, body)
		}
	}
	if got := ws.docCount(t); got != before {
		t.Fatalf("refused writes changed the index: %d docs, was %d", got, before)
	}
	if got := off.docCount(t); got != before {
		t.Fatalf("refused writes changed the keyless server's index: %d docs, was %d", got, before)
	}

	if st := ws.reindexStatus(t); st.State != jobIdle {
		t.Fatalf("refused POST /api/admin/reindex started one: %+v", st)
	}
	for _, c := range writeCases {
		status, _, body := ws.do(t, c.method, c.path, testKey, []byte(c.body))
		if status != c.want {
			t.Errorf("%s %s with the key: %d %s, want %d", c.method, c.path, status, body, c.want)
		}
	}
	if st := ws.waitReindex(t); st.State != jobDone {
		t.Fatalf("re-index: %+v", st)
	}
	// The writes took effect, and the re-index kept them: auth-1
	// replaced, auth-2 deleted.
	if got := ws.search(t, "helmsdale"); !slices.Equal(got, []string{"auth-1"}) {
		t.Errorf("helmsdale: %v, want [auth-1]", got)
	}
	if got := ws.search(t, "brora OR golspie"); len(got) != 0 {
		t.Errorf("brora OR golspie: %v, want none", got)
	}
}

// post sends body to path with the key and decodes a 2xx answer into v.
func (ws *writeServer) post(t *testing.T, method, path, body string, want int, v any) {
	t.Helper()
	status, _, b := ws.do(t, method, path, testKey, []byte(body))
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func TestPostArticleSearchableAndIdempotent(t *testing.T) {
	ws := newWriteServer(t, testKey)
	before := ws.docCount(t)
	body := `{"title":"Cuts at Dornoch","text":"Unison says 45 nurses at Dornoch hospital will lose their jobs in £2m savings.","url":"https://example.org/dornoch","published":"2024-03-01"}`
	var r1 ingestResult
	ws.post(t, "POST", "/api/articles", body, http.StatusCreated, &r1)
	if !strings.HasPrefix(r1.ID, api.ContentIDPrefix) {
		t.Errorf("id %q: want one derived from the text", r1.ID)
	}
	var kinds []string
	for _, e := range r1.Entities {
		kinds = append(kinds, string(e.Type))
	}
	if !slices.Contains(kinds, "union") || !slices.Contains(kinds, "jobs") {
		t.Errorf("entities %+v: want a union and a job count", r1.Entities)
	}
	// Searchable as soon as the answer arrived.
	if got := ws.search(t, "dornoch"); !slices.Equal(got, []string{r1.ID}) {
		t.Errorf("dornoch: %v, want [%s]", got, r1.ID)
	}
	var art api.TaggedArticle
	getFrom(t, ws, "/api/articles/"+r1.ID, &art)
	if art.Title != "Cuts at Dornoch" || art.URL != "https://example.org/dornoch" || art.Published == nil || art.Published.Year() != 2024 {
		t.Errorf("stored article %+v", art)
	}
	// The same text again (other spacing): same id, no new document.
	var r2 ingestResult
	ws.post(t, "POST", "/api/articles", strings.Replace(body, "nurses at", "nurses  at", 1), http.StatusCreated, &r2)
	if r2.ID != r1.ID {
		t.Errorf("re-post: id %s, want %s", r2.ID, r1.ID)
	}
	if got := ws.docCount(t); got != before+1 {
		t.Errorf("after re-post %d docs, want %d", got, before+1)
	}
}

func getFrom(t *testing.T, ws *writeServer, path string, v any) {
	t.Helper()
	status, _, b := ws.do(t, http.MethodGet, path, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestPutReplacesAndDelete(t *testing.T) {
	ws := newWriteServer(t, testKey)
	ws.post(t, "PUT", "/api/articles/p-1", `{"text":"Thurso radiology unit loses 8 radiographers."}`, http.StatusOK, nil)
	if got := ws.search(t, "thurso"); !slices.Equal(got, []string{"p-1"}) {
		t.Fatalf("thurso: %v", got)
	}
	ws.post(t, "PUT", "/api/articles/p-1", `{"id":"p-1","text":"Wick maternity ward to shut."}`, http.StatusOK, nil)
	if got := ws.search(t, "thurso"); len(got) != 0 {
		t.Errorf("thurso after replace: %v, want none", got)
	}
	if got := ws.search(t, "wick"); !slices.Equal(got, []string{"p-1"}) {
		t.Errorf("wick after replace: %v", got)
	}
	// An id in the body must match the URL.
	status, _, b := ws.do(t, "PUT", "/api/articles/p-1", testKey, []byte(`{"id":"p-2","text":"x"}`))
	if status != http.StatusBadRequest || !strings.Contains(string(b), `"id: `) {
		t.Errorf("mismatched id: %d %s, want 400 naming id", status, b)
	}

	ws.post(t, "DELETE", "/api/articles/p-1", "", http.StatusNoContent, nil)
	if got := ws.search(t, "wick"); len(got) != 0 {
		t.Errorf("wick after delete: %v", got)
	}
	if status, _, _ := ws.do(t, http.MethodGet, "/api/articles/p-1", "", nil); status != http.StatusNotFound {
		t.Errorf("GET deleted: %d, want 404", status)
	}
	for _, id := range []string{"p-1", "never-there"} {
		status, _, b := ws.do(t, "DELETE", "/api/articles/"+id, testKey, nil)
		if status != http.StatusNotFound || !strings.Contains(string(b), "not found") {
			t.Errorf("DELETE %s: %d %s, want 404", id, status, b)
		}
	}
	// A seed article can be deleted too.
	ws.post(t, "DELETE", "/api/articles/"+midYorks, "", http.StatusNoContent, nil)
	if got := ws.docCount(t); got != 4 {
		t.Errorf("%d docs after deleting a seed, want 4", got)
	}
}

func TestWriteLimitsAndBadInput(t *testing.T) {
	ws := newWriteServer(t, testKey)
	big := `{"text":"` + strings.Repeat("a ", MaxArticleBody/2) + `"}`
	bigBulk := strings.Repeat(`{"text":"`+strings.Repeat("b", 1<<20)+`"}`+"\n", MaxBulkBody>>20)
	tests := []struct {
		name, method, path, body string
		want                     int
		msg                      string
	}{
		{"oversize article", "POST", "/api/articles", big, http.StatusRequestEntityTooLarge, "larger than"},
		{"oversize put", "PUT", "/api/articles/x", big, http.StatusRequestEntityTooLarge, "larger than"},
		{"oversize bulk", "POST", "/api/articles/_bulk", bigBulk, http.StatusRequestEntityTooLarge, "larger than"},
		{"empty text", "POST", "/api/articles", `{"title":"T","text":""}`, http.StatusBadRequest, "text: missing or empty"},
		{"no text", "POST", "/api/articles", `{"title":"T"}`, http.StatusBadRequest, "text: missing or empty"},
		{"bad utf8 text", "POST", "/api/articles", "{\"text\":\"a\xc3\x28b\"}", http.StatusBadRequest, "text: not valid UTF-8"},
		{"bad utf8 title", "PUT", "/api/articles/x", "{\"title\":\"\xfe\",\"text\":\"ok\"}", http.StatusBadRequest, "title: not valid UTF-8"},
		{"bad date", "POST", "/api/articles", `{"text":"ok","published":"soon"}`, http.StatusBadRequest, "published:"},
		{"not JSON", "POST", "/api/articles", `hello`, http.StatusBadRequest, "invalid JSON"},
		{"empty bulk", "POST", "/api/articles/_bulk", "\n\n", http.StatusBadRequest, "no articles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, b := ws.do(t, tt.method, tt.path, testKey, []byte(tt.body))
			var e errorBody
			_ = json.Unmarshal(b, &e)
			if status != tt.want || !strings.Contains(e.Error, tt.msg) {
				t.Errorf("%d %.200s, want %d with %q", status, b, tt.want, tt.msg)
			}
		})
	}
	if got := ws.docCount(t); got != 5 {
		t.Errorf("bad requests changed the index: %d docs", got)
	}
}

// TestBulkReportsBadLines posts lines of which some are bad: they are
// reported by line number, the good ones indexed and searchable.
func TestBulkReportsBadLines(t *testing.T) {
	ws := newWriteServer(t, testKey)
	lines := []string{
		`{"id":"b-1","text":"Unison: Lairg surgery loses 3 nurses."}`,
		`{"id":"b-2","title":"no text here"}`,
		`{"text":"GMB says Tongue clinic will close."}`,
		``,
		"{\"id\":\"b-5\",\"text\":\"bad \xff byte\"}",
		`{"id":"b-6","text":"Bettyhill depot cuts 12 posts.","published":"2023-01-02"}`,
		`not json`,
	}
	var res bulkResponse
	ws.post(t, "POST", "/api/articles/_bulk", strings.Join(lines, "\r\n"), http.StatusOK, &res)
	if res.Indexed != 3 || res.Failed != 3 || len(res.Results) != 6 {
		t.Fatalf("bulk: %+v, want 3 indexed, 3 failed, 6 results", res)
	}
	wantErr := map[int]string{2: "text: missing or empty", 5: "text: not valid UTF-8", 7: "invalid JSON"}
	var okIDs []string
	for _, r := range res.Results {
		if msg, bad := wantErr[r.Line]; bad {
			if !strings.Contains(r.Error, msg) || r.ID != "" {
				t.Errorf("line %d: %+v, want error %q", r.Line, r, msg)
			}
			continue
		}
		if r.Error != "" || r.ID == "" || r.EntityCount == nil {
			t.Errorf("line %d: %+v, want an id and an entity count", r.Line, r)
		}
		okIDs = append(okIDs, r.ID)
	}
	if !slices.Contains(okIDs, "b-1") || !slices.Contains(okIDs, "b-6") || !slices.Contains(okIDs, api.ContentID("GMB says Tongue clinic will close.")) {
		t.Errorf("ids %v", okIDs)
	}
	for _, q := range []string{"lairg", "tongue", "bettyhill"} {
		if got := ws.search(t, q); len(got) != 1 {
			t.Errorf("%s: %v, want 1 hit", q, got)
		}
	}
	if got := ws.docCount(t); got != 8 {
		t.Errorf("%d docs, want 5 seeds + 3", got)
	}
}

// TestReindexAPI starts a re-index through the API: 202 with the job's
// state and where to follow it, which ends done with the counts, the new
// index served. The job outlives its request, whose context ended with
// the 202.
func TestReindexAPI(t *testing.T) {
	ws := newWriteServer(t, testKey)
	if st := ws.reindexStatus(t); st.State != jobIdle || st.Started != nil {
		t.Errorf("before any re-index: %+v, want idle", st)
	}
	ws.post(t, "POST", "/api/articles", `{"id":"r-1","text":"Kinlochbervie ward closes."}`, http.StatusCreated, nil)
	oldDir := ws.w.Dir()
	before := time.Now()
	status, h, b := ws.do(t, "POST", "/api/admin/reindex", testKey, nil)
	var started map[string]any
	if err := json.Unmarshal(b, &started); err != nil || status != http.StatusAccepted {
		t.Fatalf("POST: %d %s (%v), want 202", status, b, err)
	}
	if h.Get("Location") != "/api/admin/reindex" || started["state"] != jobRunning || started["started"] == nil || len(started) != 2 {
		t.Errorf("POST: Location %q, body %s, want /api/admin/reindex and {state: running, started}", h.Get("Location"), b)
	}
	st := ws.waitReindex(t)
	if st.State != jobDone || st.Error != "" {
		t.Fatalf("re-index: %+v, want done", st)
	}
	if st.Documents == nil || *st.Documents != 6 || st.FromStore == nil || *st.FromStore != 6 {
		t.Errorf("re-index state %+v, want 6 docs read from the store (the 5 seeds and the one posted)", st)
	}
	if st.Started.Before(before.Add(-time.Second)) || st.Finished == nil || st.Finished.Before(*st.Started) {
		t.Errorf("started %v, finished %v", st.Started, st.Finished)
	}
	if got := ws.search(t, "kinlochbervie"); !slices.Equal(got, []string{"r-1"}) {
		t.Errorf("after reindex: %v", got)
	}
	if filepath.Base(ws.w.Dir()) != st.Index || ws.w.Dir() == oldDir {
		t.Errorf("serving %s, want the new %s", ws.w.Dir(), st.Index)
	}
}

// FuzzDecodeIngest checks that no body makes the ingest decoder panic, and
// that an accepted article has valid fields with an id.
func FuzzDecodeIngest(f *testing.F) {
	f.Add([]byte(`{"id":"a","title":"t","text":"x y","url":"u","published":"2024-01-02"}`))
	f.Add([]byte(`{"text":"caf\u00e9"}`))
	f.Add([]byte("{\"text\":\"\xff\"}"))
	f.Add([]byte(`{"id":12,"text":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := api.DecodeIngest(data, "")
		if err != nil {
			return
		}
		if a.ID == "" || strings.TrimSpace(a.Text) == "" {
			t.Fatalf("accepted %q as %+v", data, a)
		}
		if err := a.Normalize(); err != nil {
			t.Fatalf("accepted %q but Normalize says %v", data, err)
		}
		_ = fmt.Sprint(a)
	})
}
