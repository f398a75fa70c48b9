package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/web"
)

// withNewKinds is a tagger that also finds two kinds the real one does not
// know: care programmes named in the text (a name kind) and bed counts (a
// numeric kind), as the tagger of a new kind would.
type withNewKinds struct{ t index.Tagger }

var (
	programmeRE = regexp.MustCompile(`[A-Z][a-z]+ Care Programme`)
	bedsRE      = regexp.MustCompile(`(\d+) beds`)
)

func (w withNewKinds) Tag(text string) ([]tag.Entity, error) {
	ents, err := w.t.Tag(text)
	if err != nil {
		return nil, err
	}
	for _, m := range programmeRE.FindAllStringIndex(text, -1) {
		ents = append(ents, tag.Entity{Type: "programme", Value: text[m[0]:m[1]], Text: text[m[0]:m[1]], Start: m[0], End: m[1]})
	}
	for _, m := range bedsRE.FindAllStringSubmatchIndex(text, -1) {
		n, _ := strconv.ParseInt(text[m[2]:m[3]], 10, 64)
		ents = append(ents, tag.Entity{Type: "beds", Value: text[m[2]:m[3]], Number: n, Text: text[m[0]:m[1]], Start: m[0], End: m[1]})
	}
	return ents, nil
}

// TestNewKind adds two hypothetical kinds to a copy of the schema table,
// and nothing else but their tagger: the index maps them, the Writer counts
// them, a search filters and facets by them, and the web pages and the API
// render them.
func TestNewKind(t *testing.T) {
	lo, hi := int64(100), int64(101)
	sch, err := schema.Default.With(schema.Kind{Kind: "programme", JSON: "programmes", Label: "Programme", Plural: "Programmes", OnHit: true})
	if err != nil {
		t.Fatal(err)
	}
	sch, err = sch.With(schema.Kind{Kind: "beds", JSON: "beds_closed", Label: "Beds", Plural: "Bed counts", Numeric: true, OnHit: true,
		Largest: "Most beds", SortDesc: "Most beds", SortAsc: "Fewest beds",
		Buckets: []schema.Bucket{{Key: "lt100", Label: "under 100", Max: &hi}, {Key: "ge100", Label: "100 and over", Min: &lo}}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: withNewKinds{tg}, Schema: sch})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	arts := []api.Article{
		{ID: "a", Title: "Ward closures", Text: "Unison says the Leeds Care Programme will close 120 beds at Leeds Teaching Hospitals NHS Trust."},
		{ID: "b", Title: "More closures", Text: "The Leeds Care Programme closes 40 beds in Bradford."},
		{ID: "c", Title: "Other news", Text: "The York Care Programme keeps every ward open."},
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}

	// Mapped: a term query on each new field finds the articles.
	for field, want := range map[string]int{"programme": 2, "beds_range": 1} {
		value := "Leeds Care Programme"
		if field == "beds_range" {
			value = "ge100"
		}
		q := bleve.NewTermQuery(value)
		q.SetField(field)
		res, err := w.Index().Search(bleve.NewSearchRequest(q))
		if err != nil || int(res.Total) != want {
			t.Errorf("term %s:%q: %v hits (%v), want %d", field, value, res, err, want)
		}
	}
	// Counted: the Writer's match-all counts hold them.
	_, counts := w.MatchAllCounts()
	if counts == nil || counts.Count("programme", "Leeds Care Programme") != 2 || counts.Count("beds_range", "lt100") != 1 {
		t.Errorf("match-all counts do not count the new kinds")
	}

	// Faceted and filtered by a search over the new schema.
	svc := search.New(w.Index(), search.Options{Schema: sch, Generation: w.Generation, MatchAll: w.MatchAllCounts})
	req, err := api.ParseRequest(sch, url.Values{"programme": {"Leeds Care Programme"}, "beds_min": {"100"}, "sort": {"-beds"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].ID != "a" {
		t.Fatalf("programme + beds filter: %d hits, want only a", res.Total)
	}
	if got := res.Hits[0].Values.Numbers("beds"); !slices.Equal(got, []int64{120}) {
		t.Errorf("hit beds %v, want [120]", got)
	}
	all, err := svc.Search(ctx, api.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Facets.Terms("programme"); len(got) != 2 || got[0] != (api.TermCount{Value: "Leeds Care Programme", Count: 2}) {
		t.Errorf("programme facet %v", got)
	}
	if got := all.Facets.Ranges("beds"); len(got) != 2 || got[0].Count != 1 || got[1].Count != 1 {
		t.Errorf("beds facet %v", got)
	}

	// Rendered: the API's JSON and the HTML pages.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(web.New(svc, web.Options{Logger: quiet}).Handler())
	defer srv.Close()
	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	var body struct {
		Hits   []map[string]json.RawMessage `json:"hits"`
		Facets map[string]json.RawMessage   `json:"facets"`
	}
	if err := json.Unmarshal([]byte(get("/api/search?programme=Leeds+Care+Programme&sort=-beds")), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Hits) != 2 || string(body.Hits[0]["programmes"]) != `["Leeds Care Programme"]` || string(body.Hits[0]["beds_closed"]) != `[120]` {
		t.Errorf("API hits do not carry the new kinds: %v", body.Hits)
	}
	if _, ok := body.Facets["beds"]; !ok {
		t.Errorf("API facets %v lack beds", body.Facets)
	}
	page := get("/?programme=Leeds+Care+Programme")
	for _, want := range []string{
		`>Programmes</legend>`,                                  // the facet's heading
		`name="programme" value="Leeds Care Programme" checked`, // its ticked value
		`>Bed counts</h3>`,                                      // the numeric facet
		`class="chip chip-programme" href="/?programme=Leeds&#43;Care&#43;Programme"`, // the hit's chip
		`<span class="sr-only">Most beds: </span>120`,                                 // the largest value on the hit
		`<option value="-beds">Most beds</option>`,                                    // the sort
		`<span class="chip-kind">Programme:</span> Leeds Care Programme`,              // the active filter
	} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
	article := get("/articles/a")
	for _, want := range []string{
		`class="ent ent-programme" href="/?programme=Leeds&#43;Care&#43;Programme"`,
		`class="ent ent-beds" href="/?beds_max=120&amp;beds_min=120"`,
		`</span>Programmes</h3>`,
	} {
		if !strings.Contains(article, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
}
