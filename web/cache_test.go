package web

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestSearchCacheSeesWrites runs the same request through the real router
// before and after each write route: the first two answers are the same
// (the second from the cache), and the one after the write shows it.
func TestSearchCacheSeesWrites(t *testing.T) {
	ws := newWriteServer(t, testKey)
	svc := ws.srv.searcher.(*search.Service)
	unison := func(r *api.Result) int {
		for _, c := range r.Facets.Terms("union") {
			if c.Value == "Unison" {
				return c.Count
			}
		}
		return 0
	}
	steps := []struct {
		name          string
		params        string
		method, path  string
		body          string
		status        int
		before, after func(*api.Result) bool
	}{
		{"post", "q=brora", "POST", "/api/articles", `{"id":"c-1","title":"Brora","text":"Unison: 30 porters at Brora face cuts."}`, http.StatusCreated,
			func(r *api.Result) bool { return r.Total == 0 },
			func(r *api.Result) bool { return r.Total == 1 && r.Hits[0].ID == "c-1" }},
		{"bulk, landing page facets", "", "POST", "/api/articles/_bulk", `{"id":"c-2","title":"Golspie","text":"Unison: Golspie clinic shuts."}` + "\n", http.StatusOK,
			func(r *api.Result) bool { return r.Total == 6 && unison(r) == 5 },
			func(r *api.Result) bool { return r.Total == 7 && unison(r) == 6 }},
		{"put", "q=brora&union=Unison", "PUT", "/api/articles/c-1", `{"title":"Helmsdale","text":"The GMB says Helmsdale ward closes."}`, http.StatusOK,
			func(r *api.Result) bool { return r.Total == 1 },
			func(r *api.Result) bool { return r.Total == 0 }},
		{"delete", "union=Unison", "DELETE", "/api/articles/c-2", "", http.StatusNoContent,
			func(r *api.Result) bool { return r.Total == 5 && unison(r) == 5 },
			func(r *api.Result) bool { return r.Total == 4 && unison(r) == 4 }},
	}
	get := func(params string) *api.Result {
		t.Helper()
		var res api.Result
		getFrom(t, ws, "/api/search?"+params, &res)
		return &res
	}
	for _, st := range steps {
		if r := get(st.params); !st.before(r) {
			t.Fatalf("%s: before the write: total %d %v", st.name, r.Total, ids(r))
		}
		hits := svc.CacheStats().Hits
		if r := get(st.params); !st.before(r) || svc.CacheStats().Hits != hits+1 {
			t.Fatalf("%s: the repeated request was not answered from the cache", st.name)
		}
		status, _, b := ws.do(t, st.method, st.path, testKey, []byte(st.body))
		if status != st.status {
			t.Fatalf("%s: %s %s: %d %s", st.name, st.method, st.path, status, b)
		}
		if r := get(st.params); !st.after(r) {
			t.Errorf("%s: stale answer after the write: total %d %v", st.name, r.Total, ids(r))
		}
	}
	// The page shows what the API shows.
	status, _, page := ws.do(t, http.MethodGet, "/?q=helmsdale", "", nil)
	if status != http.StatusOK || !strings.Contains(string(page), "/articles/c-1") {
		t.Errorf("search page after the writes: %d, no link to c-1", status)
	}
	// A re-index swaps in a new index: the same request is searched again.
	get("q=helmsdale")
	misses := svc.CacheStats().Misses
	ws.post(t, "POST", "/api/admin/reindex", "", http.StatusAccepted, nil)
	if st := ws.waitReindex(t); st.State != jobDone {
		t.Fatalf("re-index: %+v", st)
	}
	if r := get("q=helmsdale"); r.Total != 1 || svc.CacheStats().Misses != misses+1 {
		t.Errorf("after re-index: total %d, misses %d -> %d; want the new index searched", r.Total, misses, svc.CacheStats().Misses)
	}
}

// TestSearchAPIFacetsParameter checks the facets parameter: the response
// carries the facets asked for and no others; the search page shows every
// facet whatever its URL says.
func TestSearchAPIFacetsParameter(t *testing.T) {
	tests := []struct {
		params string
		want   []string
	}{
		{"q=redundancy", schema.Default.FacetNames()},
		{"q=redundancy&facets=all", schema.Default.FacetNames()},
		{"q=redundancy&facets=union,jobs", []string{"union", "jobs"}},
		{"q=redundancy&facets=none", nil},
		{"q=redundancy&facets=", nil},
	}
	for _, tt := range tests {
		status, body := get(t, "/api/search?"+tt.params)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.params, status, body)
		}
		var res struct {
			Total  int
			Facets map[string]json.RawMessage
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, name := range schema.Default.FacetNames() {
			if _, ok := res.Facets[name]; ok {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tt.want) || res.Total != 4 {
			t.Errorf("%s: facets %v, total %d; want %v and 4", tt.params, got, res.Total, tt.want)
		}
	}
	var e errorBody
	getJSON(t, "/api/search?facets=colour", http.StatusBadRequest, &e)
	if !strings.Contains(e.Error, "facets") {
		t.Errorf("unknown facet: %q", e.Error)
	}

	resp, err := http.Get(ts.URL + "/?q=redundancy&facets=none")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, box := range []string{`id="f-union-0"`, `id="f-place-0"`} {
		if !strings.Contains(string(page), box) {
			t.Errorf("search page with facets=none lacks the facet box %s", box)
		}
	}
}

// TestCloneRequestSharesNothing checks that a cloned request's slices can
// be changed without changing the original's (the UI edits clones to
// build its links).
func TestCloneRequestSharesNothing(t *testing.T) {
	min := 5.0
	r := api.Request{Filters: map[string][]string{"union": {"Unison"}}, Ranges: map[string]api.Range{"amount": {Min: &min}}, Facets: []string{"union"}}
	c := r.Clone()
	c.Filters["union"][0] = "GMB"
	*c.Ranges["amount"].Min = 6
	c.Facets[0] = "place"
	c.SetRange("jobs", api.Range{Min: &min})
	if r.Filters["union"][0] != "Unison" || *r.Ranges["amount"].Min != 5 || r.Facets[0] != "union" || len(r.Ranges) != 1 {
		t.Errorf("changing the clone changed the original: %+v", r)
	}
}
