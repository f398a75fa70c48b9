package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// get fetches path from the test server and returns the status and body.
func get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, body
}

// getJSON fetches path, requires status want and decodes the body into v.
func getJSON(t *testing.T, path string, want int, v any) {
	t.Helper()
	status, body := get(t, path)
	if status != want {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, status, want, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode %s: %v", path, body, err)
	}
}

func searchAPI(t *testing.T, params string) *api.Result {
	t.Helper()
	var res api.Result
	getJSON(t, "/api/search?"+params, http.StatusOK, &res)
	return &res
}

func ids(res *api.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

func sortedIDs(res *api.Result) []string {
	out := ids(res)
	slices.Sort(out)
	return out
}

func TestSearchAPI(t *testing.T) {
	all := []string{midYorks, rotherham, oxford, taunton, northEast}
	tests := []struct {
		params string
		want   []string // ids, any order
	}{
		// Every seed that speaks of redundancies; Mid Yorkshire does not.
		{"q=redundancy", []string{rotherham, oxford, taunton, northEast}},
		{"q=nurse", []string{rotherham, oxford, northEast}},
		{"union=Unison", []string{rotherham, oxford, taunton, northEast}},
		// Rotherham misspells Unison as "Unsion"; fuzziness 1 finds the
		// Unison articles (and "union" in Mid Yorkshire).
		{"q=Unsion~1&syntax=bleve", all},
		{"q=Unsion", all}, // a typo away from Unison, and the union's name
		{"union=unison", []string{rotherham, oxford, taunton, northEast}}, // any case
		{"q=RCN", []string{oxford, northEast}},                            // the alias finds the tagged articles
		{"q=" + url.QueryEscape("“compulsory redundancies”"), []string{rotherham, northEast}},
		{"q=" + url.QueryEscape(`"compulsory redundancies"`), []string{rotherham, northEast}},
		{"amount_min=50000000", []string{midYorks, rotherham, oxford}},
		{"jobs_min=500&jobs_max=600", []string{northEast}},
		{"q=", all},
		{"trust=" + url.QueryEscape("Rotherham NHS Foundation Trust") + "&trust=" + url.QueryEscape("Mid Yorkshire Hospitals NHS Trust"), []string{midYorks, rotherham}},
		{"union=Unison&hospital=" + url.QueryEscape("Churchill Hospital"), []string{oxford}},
		{"q=" + url.QueryEscape("+redundancy -Taunton"), []string{rotherham, oxford, northEast}},
	}
	for _, tt := range tests {
		t.Run(tt.params, func(t *testing.T) {
			res := searchAPI(t, tt.params+"&size=100")
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if got := sortedIDs(res); !slices.Equal(got, want) {
				t.Errorf("hits %v, want %v", got, want)
			}
			if res.Total != uint64(len(want)) {
				t.Errorf("total %d, want %d", res.Total, len(want))
			}
		})
	}
}

func TestSearchAPIResponseShape(t *testing.T) {
	status, body := get(t, "/api/search?q=redundancy&size=1")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total", "took_ms", "hits", "facets"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("response lacks %q: %s", k, body)
		}
	}
	hit := raw["hits"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "title", "score", "snippet", "trusts", "unions", "people", "places", "hospitals", "amounts_gbp", "jobs"} {
		if _, ok := hit[k]; !ok {
			t.Errorf("hit lacks %q: %v", k, hit)
		}
	}
	facets := raw["facets"].(map[string]any)
	for _, k := range []string{"trust", "union", "person", "place", "hospital", "amount", "jobs"} {
		if _, ok := facets[k]; !ok {
			t.Errorf("facets lack %q", k)
		}
	}
	bucket := facets["amount"].([]any)[0].(map[string]any)
	for _, k := range []string{"label", "min", "max", "count"} {
		if _, ok := bucket[k]; !ok {
			t.Errorf("amount bucket lacks %q: %v", k, bucket)
		}
	}
	// The snippet marks the match inside escaped text; JSON keeps the tags
	// readable rather than \u003c-escaped.
	if !strings.Contains(string(body), "<mark>redundanc") {
		t.Errorf("snippet has no <mark>: %s", body)
	}
}

func TestSearchAPIDisjunctiveFacets(t *testing.T) {
	res := searchAPI(t, "union=Unison")
	if res.Total != 4 {
		t.Fatalf("union=Unison: total %d, want 4", res.Total)
	}
	counts := map[string]int{}
	for _, tc := range res.Facets.Terms("union") {
		counts[tc.Value] = tc.Count
	}
	if counts["Royal College of Nursing"] != 2 || counts["Unison"] != 4 {
		t.Errorf("union facet under union=Unison: %v (want RCN 2, Unison 4)", res.Facets.Terms("union"))
	}
}

// TestSearchAPIFacetCountsAddUp checks over HTTP that every facet value's
// count is what filtering by that value returns.
func TestSearchAPIFacetCountsAddUp(t *testing.T) {
	for _, base := range []string{"", "q=redundancy", "union=Unison"} {
		res := searchAPI(t, base)
		n := 0
		for _, field := range []string{"trust", "union", "person", "place", "hospital"} {
			for _, tc := range res.Facets.Terms(field) {
				p := base + "&" + field + "=" + url.QueryEscape(tc.Value)
				if field == "union" && base == "union=Unison" {
					p = "union=" + url.QueryEscape(tc.Value) // its own facet ignores its filter
				}
				if got := searchAPI(t, p).Total; got != uint64(tc.Count) {
					t.Errorf("%s: %s=%q counts %d, filtering gives %d", base, field, tc.Value, tc.Count, got)
				}
				n++
			}
		}
		for _, rc := range res.Facets.Ranges("jobs") {
			p := base
			if rc.Min != nil {
				p += "&jobs_min=" + itoa(*rc.Min)
			}
			if rc.Max != nil {
				p += "&jobs_max=" + itoa(*rc.Max)
			}
			if got := searchAPI(t, p).Total; got != uint64(rc.Count) {
				t.Errorf("%s: jobs %s counts %d, filtering gives %d", base, rc.Label, rc.Count, got)
			}
			n++
		}
		if n < 10 {
			t.Errorf("%s: only %d facet values checked", base, n)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestSearchAPISortAndPaging(t *testing.T) {
	res := searchAPI(t, "sort=-jobs")
	if got := ids(res); len(got) != 5 || !slices.Equal(got[:3], []string{rotherham, northEast, oxford}) {
		t.Errorf("sort=-jobs: %v, want Rotherham (750), North-East (516), Oxford (366) first", got)
	}
	var paged []string
	for from := 0; from < 5; from += 2 {
		paged = append(paged, ids(searchAPI(t, "sort=-jobs&size=2&from="+itoa(int64(from))))...)
	}
	if !slices.Equal(paged, ids(res)) {
		t.Errorf("pages of 2: %v, want %v", paged, ids(res))
	}
	beyond := searchAPI(t, "from=50")
	if beyond.Total != 5 || len(beyond.Hits) != 0 {
		t.Errorf("beyond the end: total %d, %d hits; want 5 and none", beyond.Total, len(beyond.Hits))
	}
	status, body := get(t, "/api/search?from=50")
	if status != http.StatusOK || !strings.Contains(string(body), `"hits":[]`) {
		t.Errorf("beyond the end: hits should be an empty list, got %s", body)
	}
}

func TestSearchAPIBadRequests(t *testing.T) {
	deep := strings.Repeat("(", 10_000) + "nurse" + strings.Repeat(")", 10_000)
	tests := []struct {
		name, params, msg string
	}{
		{"unbalanced quote", "syntax=bleve&q=" + url.QueryEscape(`"compulsory redundancies`), "quote"},
		{"unknown field", "q=" + url.QueryEscape("unions:Unison"), `unknown field "unions"`},
		{"unknown field of the JSON", "q=" + url.QueryEscape("amounts_gbp:>1"), "known fields: trust, union"},
		{"unknown parameter", "q=nurse&unions=Unison", "unions: unknown parameter"},
		{"unknown syntax", "q=nurse&syntax=lucene", "syntax: unknown syntax"},
		{"unbalanced open bracket", "q=" + url.QueryEscape("(nurse"), "missing ')'"},
		{"unbalanced close bracket", "q=" + url.QueryEscape("nurse)"), "unbalanced ')'"},
		{"size too big", "size=1000", "size"},
		{"size zero", "size=0", "size"},
		{"negative from", "from=-1", "from"},
		{"amount not a number", "amount_min=abc", "amount_min"},
		{"jobs not a number", "jobs_max=1e999", "jobs_max"},
		{"unknown sort", "sort=colour", "sort"},
		{"10 KB query", "q=" + strings.Repeat("nurse+", 1700), "bytes long"},
		{"10,000 brackets deep", "q=" + url.QueryEscape(deep), "nested"},
		{"fuzziness too high", "syntax=bleve&q=nurse~9", "fuzziness"},
		{"bad regexp", "syntax=bleve&q=" + url.QueryEscape("/a[/"), "regular expression"},
		{"bleve syntax", "syntax=bleve&q=" + url.QueryEscape("title:"), "cannot parse"},
		{"repeated single parameter", "q=a&q=b", "q"},
		{"invalid UTF-8", "q=%ff", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			var e struct{ Error string }
			getJSON(t, "/api/search?"+tt.params, http.StatusBadRequest, &e)
			if !strings.Contains(e.Error, tt.msg) {
				t.Errorf("error %q, want it to mention %q", e.Error, tt.msg)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to refuse", d)
			}
		})
	}
}

func TestArticleAPI(t *testing.T) {
	var a api.TaggedArticle
	getJSON(t, "/api/articles/"+oxford, http.StatusOK, &a)
	if a.ID != oxford || !strings.Contains(a.Text, "Churchill") || len(a.Entities) == 0 {
		t.Fatalf("article: id %q, %d bytes of text, %d entities", a.ID, len(a.Text), len(a.Entities))
	}
	unions, jobs, people := a.Values.Terms(tag.Union), a.Values.Numbers(tag.Jobs), a.Values.Terms(tag.Person)
	if !slices.Contains(unions, "Unison") || !slices.Contains(jobs, 366) || !slices.Contains(people, "Mark Ladbrooke") {
		t.Errorf("canonical values: unions %v jobs %v people %v", unions, jobs, people)
	}
	for _, e := range a.Entities {
		if e.Start < 0 || e.End > len(a.Text) || e.Start >= e.End || a.Text[e.Start:e.End] != e.Text {
			t.Errorf("entity %+v: offsets do not point at its text", e)
		}
	}

	var e struct{ Error string }
	getJSON(t, "/api/articles/no-such-article", http.StatusNotFound, &e)
	if !strings.Contains(e.Error, "not found") {
		t.Errorf("404 error: %q", e.Error)
	}
}

func TestFacetAPI(t *testing.T) {
	var r struct {
		Field  string
		Values []api.TermCount
	}
	getJSON(t, "/api/facets/union", http.StatusOK, &r)
	if len(r.Values) != 2 || r.Values[0] != (api.TermCount{Value: "Unison", Count: 4}) {
		t.Errorf("union values: %+v", r.Values)
	}
	getJSON(t, "/api/facets/trust?prefix=rot", http.StatusOK, &r)
	if len(r.Values) != 1 || r.Values[0].Value != "Rotherham NHS Foundation Trust" {
		t.Errorf("trust prefix rot: %+v", r.Values)
	}
	getJSON(t, "/api/facets/union?prefix=NURS", http.StatusOK, &r)
	if len(r.Values) != 1 || r.Values[0].Value != "Royal College of Nursing" {
		t.Errorf("union prefix NURS (a later word, any case): %+v", r.Values)
	}
	getJSON(t, "/api/facets/union?prefix=ursing", http.StatusOK, &r)
	if len(r.Values) != 0 {
		t.Errorf("union prefix ursing matches inside a word: %+v", r.Values)
	}
	getJSON(t, "/api/facets/person?size=1", http.StatusOK, &r)
	if len(r.Values) != 1 {
		t.Errorf("size=1: %+v", r.Values)
	}
	for _, bad := range []string{"/api/facets/colour", "/api/facets/union?size=abc", "/api/facets/union?size=0", "/api/facets/union?size=100000"} {
		var e struct{ Error string }
		getJSON(t, bad, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%s: empty error message", bad)
		}
	}
}

func TestHealthz(t *testing.T) {
	var h struct {
		Status    string
		Documents int
	}
	getJSON(t, "/healthz", http.StatusOK, &h)
	if h.Status != "ok" || h.Documents != 5 {
		t.Errorf("healthz: %+v", h)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	var e struct{ Error string }
	getJSON(t, "/api/nope", http.StatusNotFound, &e)
	if !strings.Contains(e.Error, "/api/nope") {
		t.Errorf("404: %q", e.Error)
	}
	resp, err := http.Post(ts.URL+"/api/search", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /api/search: %d, want 405", resp.StatusCode)
	}
}

// panicSearcher panics in every call but Schema, to check that a bug in
// the search layer becomes a JSON 500 that reveals nothing, not a dropped
// connection.
type panicSearcher struct{ *search.Service }

// Schema answers, so that New can build the server: web.New asks for the
// schema once, up front.
func (panicSearcher) Schema() *schema.Schema { return schema.Default }

func (panicSearcher) Search(context.Context, api.Request) (*api.Result, error) {
	panic("secret internal detail")
}

// TestPanicIsJSON500 checks the API's answer to a panic; TestPanicOnPage
// the UI's.
func TestPanicIsJSON500(t *testing.T) {
	var logs strings.Builder
	srv := httptest.NewServer(New(panicSearcher{}, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/search?q=nurse")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || string(body) != `{"error":"internal error"}`+"\n" {
		t.Errorf("panic: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "secret internal detail") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

// TestPanicOnPage checks that a panic while serving a UI page gives the
// HTML error page (with its 500 status), saying nothing of the panic.
func TestPanicOnPage(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(New(panicSearcher{}, Options{Logger: quiet}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/?q=nurse")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "Something went wrong") || strings.Contains(string(body), "secret") {
		t.Errorf("panic on the search page: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestHEAD checks that HEAD is answered like GET without a body (monitors
// and link checkers send it), and that it opens no route GET does not.
func TestHEAD(t *testing.T) {
	tests := []struct {
		path   string
		status int
		ctype  string
	}{
		{"/", http.StatusOK, "text/html"},
		{"/healthz", http.StatusOK, "application/json"},
		{"/api/search?q=nurse", http.StatusOK, "application/json"},
		{"/articles/" + midYorks, http.StatusOK, "text/html"},
		{"/api/articles/no-such-article", http.StatusNotFound, "application/json"},
		{"/api/articles", http.StatusMethodNotAllowed, "application/json"}, // POST only
	}
	for _, tt := range tests {
		resp, err := http.Head(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || len(body) != 0 {
			t.Errorf("HEAD %s: %d %q, %d body bytes; want %d %s and no body", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), tt.status, tt.ctype)
		}
	}
}

// TestArticleCutEvents: GET /api/articles/:id links each job count and
// amount of the Rotherham seed to its trust (the national £20bn to none),
// says what each is, and gives its headline cut; a search hit of it
// carries the same headline, not its largest numbers.
func TestArticleCutEvents(t *testing.T) {
	const trust = "Rotherham NHS Foundation Trust"
	var a api.TaggedArticle
	getJSON(t, "/api/articles/"+rotherham, http.StatusOK, &a)
	var got []tag.CutLink
	for _, e := range a.CutEvents {
		got = append(got, e.CutLink)
		n := strconv.FormatInt(e.Jobs+e.AmountGBP, 10)
		if !slices.ContainsFunc(a.Entities, func(x tag.Entity) bool { return x.Start == e.Start && x.End == e.End && x.Value == n }) {
			t.Errorf("event %+v: [%d,%d) is not the offsets of an entity of its number", e.CutLink, e.Start, e.End)
		}
	}
	want := []tag.CutLink{
		{Trust: trust, Jobs: 750, Kind: tag.EventCut},
		{Trust: trust, AmountGBP: 50_000_000, Kind: tag.EventSavings},
		{Trust: trust, AmountGBP: 220_000_000, Kind: tag.EventBudget},
		{Trust: "", AmountGBP: 20_000_000_000, Kind: tag.EventSavings},
		{Trust: trust, AmountGBP: 40_000_000, Kind: tag.EventOther},
	}
	if !slices.Equal(got, want) {
		t.Errorf("cut_events:\n got %+v\nwant %+v", got, want)
	}
	headline := tag.HeadlineCut{Trust: trust, Jobs: 750, AmountGBP: 50_000_000}
	if a.Headline == nil || *a.Headline != headline {
		t.Errorf("headline = %+v, want %+v", a.Headline, headline)
	}
	// an article naming no trust: events linked to none, no headline, and
	// cut_events is a list even when empty
	var raw map[string]json.RawMessage
	getJSON(t, "/api/articles/"+taunton, http.StatusOK, &raw)
	if _, ok := raw["headline"]; ok {
		t.Errorf("Taunton article has a headline: %s", raw["headline"])
	}
	if !strings.Contains(string(raw["cut_events"]), `"trust":"","amount_gbp":6500000,"kind":"savings"`) {
		t.Errorf("Taunton cut_events = %s", raw["cut_events"])
	}
	var res struct {
		Hits []struct {
			ID       string           `json:"id"`
			Headline *tag.HeadlineCut `json:"headline"`
		} `json:"hits"`
	}
	getJSON(t, "/api/search?q=redundancy&size=10", http.StatusOK, &res)
	seen := 0
	for _, h := range res.Hits {
		switch h.ID {
		case rotherham:
			seen++
			if h.Headline == nil || *h.Headline != headline {
				t.Errorf("Rotherham hit headline = %+v, want %+v", h.Headline, headline)
			}
		case taunton:
			seen++
			if h.Headline != nil {
				t.Errorf("Taunton hit headline = %+v, want none", h.Headline)
			}
		}
	}
	if seen != 2 {
		t.Errorf("search found %d of the Rotherham and Taunton seeds", seen)
	}
}
