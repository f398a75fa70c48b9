package web

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/watch"
	"github.com/cutwatch/cutwatch/search/watch/watchtest"
)

// hookSink is a real webhook receiver on loopback that keeps every
// delivery it gets.
type hookSink struct {
	*httptest.Server
	mu   sync.Mutex
	got  []watch.Payload
	sigs []string
	raw  [][]byte
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p watch.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("delivery: %v: %s", err, body)
		}
		h.mu.Lock()
		h.got = append(h.got, p)
		h.sigs = append(h.sigs, r.Header.Get(watch.HeaderSignature))
		h.raw = append(h.raw, body)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// settle waits until every queued delivery has been delivered.
func (ws *writeServer) settle(t *testing.T) api.WatchStats {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st := ws.hub.WatchStats()
		if st.Queue == 0 && st.Delivered+st.Failed == st.Queued {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not settled after a minute: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (ws *writeServer) createWatch(t *testing.T, search, hook string) watchResponse {
	t.Helper()
	body, _ := json.Marshal(api.WatchSpec{Name: "w", Search: search, URL: hook})
	status, h, b := ws.do(t, http.MethodPost, "/api/watches", testKey, body)
	if status != http.StatusCreated {
		t.Fatalf("create watch %q: %d %s", search, status, b)
	}
	var w watchResponse
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if h.Get("Location") != "/api/watches/"+w.ID {
		t.Errorf("Location %q", h.Get("Location"))
	}
	return w
}

// TestWatchAPI: a watch made through the API receives, signed, the
// articles a write through the API adds that its search matches; it is
// listed, read (without its secret), its attempts shown, and deleted.
func TestWatchAPI(t *testing.T) {
	ws := newWriteServer(t, testKey)
	sink := newHookSink(t)
	w := ws.createWatch(t, "q=porters&union=Unison&jobs_min=10&size=5", sink.URL)
	if w.Secret == "" || w.Search != "jobs_min=10&q=porters&union=Unison" || !strings.HasSuffix(w.Feed, feedPath+"?"+w.Search) {
		t.Fatalf("created %+v", w)
	}
	for _, bad := range []string{`{"search":"q=unions:x","url":"http://127.0.0.1:9/"}`, `{"search":"size=0","url":"http://127.0.0.1:9/"}`, `{"search":"q=x"}`, `{"search":"q=x","url":"http://127.0.0.1:9/","extra":1}`, `[`} {
		if status, _, b := ws.do(t, http.MethodPost, "/api/watches", testKey, []byte(bad)); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, status, b)
		}
	}
	bulk := `{"id":"wa-1","text":"Unison says 40 porters at Leeds face cuts."}` + "\n" +
		`{"id":"wa-2","text":"Unison says 4 porters at Leeds face cuts."}` + "\n" +
		`{"id":"wa-3","text":"GMB says 40 porters at York face cuts."}` + "\n"
	if status, _, b := ws.do(t, http.MethodPost, "/api/articles/_bulk", testKey, []byte(bulk)); status != http.StatusOK {
		t.Fatalf("bulk: %d %s", status, b)
	}
	if status, _, b := ws.do(t, http.MethodPost, "/api/articles", testKey, []byte(`{"id":"wa-4","text":"Unison: 25 porters in Hull to go."}`)); status != http.StatusCreated {
		t.Fatalf("post: %d %s", status, b)
	}
	ws.settle(t)
	sink.mu.Lock()
	got := slices.Clone(sink.got)
	sink.mu.Unlock()
	if len(got) != 2 || len(got[0].Articles)+len(got[1].Articles) != 2 {
		t.Fatalf("deliveries %+v, want wa-1 then wa-4", got)
	}
	var ids []string
	for i, p := range got {
		ids = append(ids, p.Articles[0].ID)
		if err := watch.Verify(w.Secret, sink.sigs[i], sink.raw[i], time.Now(), time.Minute); err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"wa-1", "wa-4"}) {
		t.Errorf("delivered %v, want [wa-1 wa-4]", ids)
	}

	var one watchResponse
	status, _, b := ws.do(t, http.MethodGet, "/api/watches/"+w.ID, testKey, nil)
	if err := json.Unmarshal(b, &one); status != http.StatusOK || err != nil || one.ID != w.ID || one.Secret != "" {
		t.Errorf("get: %d %s", status, b)
	}
	var list struct{ Watches []watchResponse }
	status, _, b = ws.do(t, http.MethodGet, "/api/watches", testKey, nil)
	if err := json.Unmarshal(b, &list); status != http.StatusOK || err != nil || len(list.Watches) != 1 || list.Watches[0].Secret != "" {
		t.Errorf("list: %d %s", status, b)
	}
	var dl struct{ Attempts []api.Attempt }
	status, _, b = ws.do(t, http.MethodGet, "/api/watches/"+w.ID+"/deliveries", testKey, nil)
	if err := json.Unmarshal(b, &dl); status != http.StatusOK || err != nil || len(dl.Attempts) != 2 || dl.Attempts[0].Status != 200 {
		t.Errorf("deliveries: %d %s", status, b)
	}
	status, _, b = ws.do(t, http.MethodGet, "/metrics", "", nil)
	for _, want := range []string{"cutwatch_watches 1", "cutwatch_watch_deliveries_queued_total 2", "cutwatch_watch_deliveries_delivered_total 2", "cutwatch_watch_deliveries_failed_total 0", "cutwatch_watch_deliveries_retried_total 0", "cutwatch_watch_deliveries_queued 0"} {
		if status != http.StatusOK || !strings.Contains(string(b), "\n"+want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if status, _, b := ws.do(t, http.MethodDelete, "/api/watches/"+w.ID, testKey, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, b)
	}
	if status, _, _ := ws.do(t, http.MethodGet, "/api/watches/"+w.ID, testKey, nil); status != http.StatusNotFound {
		t.Errorf("get after delete: %d", status)
	}
}

// TestWatchesMatchAsSearch is the property that watches rest on: over
// random watches (words, phrases, negations, fuzzy words, facet filters,
// ranges and their mixes) and random generated articles written through
// the API in bulk batches and one by one, an article is delivered to a
// watch if and only if GET /api/search with the watch's parameters,
// restricted to that article's id, finds it.
func TestWatchesMatchAsSearch(t *testing.T) {
	const articles, watches = 60, 100
	ws := newWriteServer(t, testKey)
	sink := newHookSink(t)
	g, err := gen.New(11)
	if err != nil {
		t.Fatal(err)
	}
	var arts []gen.Article
	for i := range articles {
		a := g.Article(i)
		a.ID = fmt.Sprintf("prop-%02d", i)
		arts = append(arts, a)
	}
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	var srcs []watchtest.Source
	for _, a := range arts {
		ents, err := tg.Tag(a.Text)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, watchtest.Source{Text: a.Text, Entities: ents})
	}
	searches := watchtest.WideSearches(r, srcs, watches)
	// Most are evaluated by the watches' Evaluator, the rest searched in
	// the index (the hub asks Compiled.Exact): the property covers both.
	ev, err := search.NewEvaluator(schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	exact := 0
	for _, s := range searches {
		vals, _ := url.ParseQuery(s)
		c, err := ev.Compile(vals.Get("q"), vals.Get("syntax"))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if c.Exact() {
			exact++
		}
	}
	t.Logf("%d of %d watches evaluated without a search", exact, watches)
	if exact < watches*3/4 || exact == watches {
		t.Errorf("%d of %d watches evaluated without a search: want most, not all", exact, watches)
	}
	byWatch := map[string]string{}
	for _, s := range searches {
		w := ws.createWatch(t, s, sink.URL)
		byWatch[w.ID] = w.Search
	}
	// Three bulk batches, then one at a time.
	for start := 0; start < 45; start += 15 {
		var b strings.Builder
		for _, a := range arts[start : start+15] {
			line, _ := json.Marshal(api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
			b.Write(line)
			b.WriteByte('\n')
		}
		if status, _, body := ws.do(t, http.MethodPost, "/api/articles/_bulk", testKey, []byte(b.String())); status != http.StatusOK {
			t.Fatalf("bulk: %d %s", status, body)
		}
	}
	for _, a := range arts[45:] {
		line, _ := json.Marshal(api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
		if status, _, body := ws.do(t, http.MethodPost, "/api/articles", testKey, line); status != http.StatusCreated {
			t.Fatalf("post: %d %s", status, body)
		}
	}
	ws.settle(t)
	delivered := map[string]bool{}
	sink.mu.Lock()
	for _, p := range sink.got {
		for _, a := range p.Articles {
			key := p.Watch + " " + a.ID
			if delivered[key] {
				t.Errorf("%s delivered twice", key)
			}
			delivered[key] = true
		}
	}
	sink.mu.Unlock()
	pairs, matched, watchesMatching := 0, 0, 0
	for id, search := range byWatch {
		matchedAny := false
		for _, a := range arts {
			status, _, body := ws.do(t, http.MethodGet, "/api/search?"+search+"&relax=false&facets=none&size=1&collapse=false&id="+url.QueryEscape(a.ID), "", nil)
			if status != http.StatusOK {
				t.Fatalf("search %s: %d %s", search, status, body)
			}
			var res api.Result
			if err := json.Unmarshal(body, &res); err != nil {
				t.Fatal(err)
			}
			found := res.Total == 1
			if found != delivered[id+" "+a.ID] {
				t.Errorf("watch %s, article %s: /api/search finds it %v, delivered %v", search, a.ID, found, delivered[id+" "+a.ID])
			}
			pairs++
			if found {
				matched++
				matchedAny = true
			}
		}
		if matchedAny {
			watchesMatching++
		}
	}
	t.Logf("%d pairs, %d matches, %d of %d watches matched something", pairs, matched, watchesMatching, len(byWatch))
	// The property means little if (almost) nothing matched, or everything.
	if watchesMatching < watches/3 || watchesMatching == watches {
		t.Errorf("%d of %d watches matched something: the random watches are too narrow or too broad", watchesMatching, watches)
	}
}
