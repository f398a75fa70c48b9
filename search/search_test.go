package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

func sorted(ids []string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

// TestQueries checks the hits of queries against what the seed texts say.
func TestQueries(t *testing.T) {
	tests := []struct {
		name string
		req  api.Request
		want []string // ids in any order
	}{
		// Stemming with no field prefix: the query goes to _all, which must
		// be analysed like title and text.
		{"stem redundancy finds redundancies", api.Request{Q: "redundancy"}, []string{rotherham, oxford, taunton, northEast}},
		{"stem nurse finds nursing and nurses", api.Request{Q: "nurse"}, []string{rotherham, oxford, northEast}},
		{"stem with field prefix", api.Request{Q: "text:redundancy", Syntax: api.SyntaxBleve}, []string{rotherham, oxford, taunton, northEast}},
		{"phrase", api.Request{Q: `"compulsory redundancies"`}, []string{rotherham, northEast}},
		{"phrase is not a bag of words", api.Request{Q: `"redundancies compulsory"`}, nil},
		{"must and must not", api.Request{Q: "+redundancy -unison"}, nil},
		{"must not alone", api.Request{Q: "-redundancy"}, []string{midYorks}},
		{"must", api.Request{Q: "+Dewsbury"}, []string{midYorks}},
		// The text misspells Unison once ("Unsion", in Rotherham). The
		// misspelling alone finds only that article; fuzziness 1 (bleve
		// counts a transposition as one edit) reaches "unison" in all four
		// Unison articles and "union(s)" in the Mid Yorkshire one.
		{"misspelling exact", api.Request{Q: "Unsion", Syntax: api.SyntaxBleve}, []string{rotherham}},
		{"fuzzy", api.Request{Q: "Unsion~1", Syntax: api.SyntaxBleve}, []string{midYorks, rotherham, oxford, taunton, northEast}},
		{"prefix", api.Request{Q: "Pontefr*"}, []string{midYorks}},
		{"keyword field", api.Request{Q: `hospital:"Churchill Hospital"`}, []string{oxford}},
		{"numeric field in query", api.Request{Q: "jobs:>=700"}, []string{rotherham}},
		{"group", api.Request{Q: "+(Banbury Taunton) +redundancy", Syntax: api.SyntaxBleve}, []string{oxford, taunton}},
		{"nested group", api.Request{Q: "+((Banbury) (Taunton Dewsbury)) -(Musgrove)", Syntax: api.SyntaxBleve}, []string{midYorks, oxford}},
		{"stop words only", api.Request{Q: "the"}, nil},
		{"stop words only with a filter", api.Request{Q: "the", Filters: map[string][]string{"union": {"Unison"}}}, nil},
		{"empty query matches all", api.Request{}, []string{midYorks, rotherham, oxford, taunton, northEast}},
		{"amount_min", api.Request{Ranges: map[string]api.Range{"amount": {Min: ptr(50_000_000)}}}, []string{midYorks, rotherham, oxford}},
		{"amount range any value", api.Request{Ranges: map[string]api.Range{"amount": {Min: ptr(1_000_000), Max: ptr(1_000_000)}}}, []string{taunton}},
		{"jobs range", api.Request{Ranges: map[string]api.Range{"jobs": {Min: ptr(300), Max: ptr(600)}}}, []string{oxford, northEast}},
		{"union filter", api.Request{Filters: map[string][]string{"union": {"Unison"}}}, []string{rotherham, oxford, taunton, northEast}},
		{"OR within a facet", api.Request{Filters: map[string][]string{"person": {"Julia Squire", "Brian James"}}}, []string{midYorks, rotherham}},
		{"AND across facets", api.Request{Filters: map[string][]string{"union": {"Royal College of Nursing"}, "hospital": {"Horton Hospital"}}}, []string{oxford}},
		{"filter in any case", api.Request{Filters: map[string][]string{"union": {"unison"}}}, []string{rotherham, oxford, taunton, northEast}},
		{"filter is whole", api.Request{Filters: map[string][]string{"union": {"unis"}}}, nil},
		{"ids only", api.Request{IDs: []string{oxford, taunton}}, []string{oxford, taunton}},
		{"ids and query", api.Request{Q: "redundancy", IDs: []string{midYorks, oxford}}, []string{oxford}},
		{"ids and filter", api.Request{IDs: []string{midYorks, oxford}, Filters: map[string][]string{"union": {"Unison"}}}, []string{oxford}},
		{"unknown id", api.Request{IDs: []string{"nope"}}, nil},
		{"query and filter", api.Request{Q: "redundancy", Filters: map[string][]string{"union": {"Royal College of Nursing"}}, Ranges: map[string]api.Range{"amount": {Max: ptr(50_000_000)}}}, []string{oxford, northEast}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.Size = api.MaxSize
			res := mustSearch(t, req)
			got := sorted(hitIDs(res))
			want := sorted(tt.want)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("q=%q: got %v, want %v", tt.req.Q, got, want)
			}
			if res.Total != uint64(len(tt.want)) {
				t.Errorf("total = %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }

func TestSnippetMarksMatchesAndEscapes(t *testing.T) {
	res := mustSearch(t, api.Request{Q: `"compulsory redundancies"`})
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>compulsory</mark> <mark>redundancies</mark>") {
			t.Errorf("%s: snippet lacks marked phrase: %q", h.ID, h.Snippet)
		}
	}
	// Taunton's text has "Taunton's" and quotes: they must come out escaped.
	res = mustSearch(t, api.Request{Q: "Musgrove"})
	if len(res.Hits) != 1 {
		t.Fatalf("Musgrove: %d hits", len(res.Hits))
	}
	s := res.Hits[0].Snippet
	if !strings.Contains(s, "Taunton&#39;s <mark>Musgrove</mark>") {
		t.Errorf("snippet not escaped or not marked: %q", s)
	}
	if strings.Contains(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s), "<") {
		t.Errorf("snippet has markup other than <mark>: %q", s)
	}
	// With no text match, the snippet is the start of the text.
	res = mustSearch(t, api.Request{Filters: map[string][]string{"hospital": {"Musgrove Park Hospital"}}})
	if len(res.Hits) != 1 || !strings.HasPrefix(res.Hits[0].Snippet, "JOB losses are on the cards at Taunton&#39;s") {
		t.Errorf("lead snippet: %+v", res.Hits)
	}
}

func TestHitCarriesEntities(t *testing.T) {
	res := mustSearch(t, api.Request{Q: "Ladbrooke"})
	if len(res.Hits) != 1 || res.Hits[0].ID != oxford {
		t.Fatalf("hits: %v", hitIDs(res))
	}
	h := res.Hits[0]
	if !slices.Contains(h.Values.Terms(tag.Trust), "Oxford Radcliffe Hospitals NHS Trust") ||
		!slices.Equal(sorted(h.Values.Terms(tag.Union)), []string{"Royal College of Nursing", "Unison"}) ||
		!slices.Contains(h.Values.Terms(tag.Person), "Mark Ladbrooke") ||
		!slices.Contains(h.Values.Terms(tag.Hospital), "Churchill Hospital") ||
		!slices.Contains(h.Values.Numbers(tag.Amount), 109_000_000) || !slices.Contains(h.Values.Numbers(tag.Jobs), 366) {
		t.Errorf("hit entities: %+v", h)
	}
	if h.Title != "Hospital trust managers and health union leaders today vowed to work together to avoid redundancies threatened by a £44m savings bid." {
		t.Errorf("title = %q", h.Title)
	}
	if h.Score <= 0 {
		t.Errorf("score = %v", h.Score)
	}
}

func TestFiltersDoNotChangeRanking(t *testing.T) {
	plain := mustSearch(t, api.Request{Q: "redundancy"})
	filtered := mustSearch(t, api.Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}})
	if !slices.Equal(hitIDs(plain), hitIDs(filtered)) {
		t.Errorf("order changed by a filter every hit passes: %v vs %v", hitIDs(plain), hitIDs(filtered))
	}
	for i := range plain.Hits {
		if math.Abs(plain.Hits[i].Score-filtered.Hits[i].Score) > 1e-9 {
			t.Errorf("%s: score %v without filter, %v with", plain.Hits[i].ID, plain.Hits[i].Score, filtered.Hits[i].Score)
		}
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		sort string
		want []string // leading ids in order; articles without values follow
	}{
		{"-jobs", []string{rotherham, northEast, oxford}},                     // 750, 516, 366
		{"jobs", []string{northEast, oxford, rotherham}},                      // 37, 366, 750
		{"-amount", []string{rotherham, oxford, midYorks}},                    // £20bn, £600m, £55m
		{"amount", []string{taunton, oxford, midYorks, northEast, rotherham}}, // £1m, £11m, £17m, £27m, £40m
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			res := mustSearch(t, api.Request{Sort: tt.sort})
			ids := hitIDs(res)
			if len(ids) != 5 || !slices.Equal(ids[:len(tt.want)], tt.want) {
				t.Errorf("sort=%s: %v, want to start with %v", tt.sort, ids, tt.want)
			}
		})
	}
	// Without job counts, Mid Yorkshire and Taunton come last either way.
	for _, s := range []string{"jobs", "-jobs"} {
		ids := hitIDs(mustSearch(t, api.Request{Sort: s}))
		if !slices.Equal(sorted(ids[3:]), []string{midYorks, taunton}) {
			t.Errorf("sort=%s: articles without jobs not last: %v", s, ids)
		}
	}
}

func TestPaging(t *testing.T) {
	all := hitIDs(mustSearch(t, api.Request{Sort: "-jobs"}))
	var paged []string
	for from := 0; from < 5; from += 2 {
		res := mustSearch(t, api.Request{Sort: "-jobs", From: from, Size: 2})
		if res.Total != 5 {
			t.Fatalf("from=%d: total %d", from, res.Total)
		}
		paged = append(paged, hitIDs(res)...)
	}
	if !slices.Equal(all, paged) {
		t.Errorf("pages %v, want %v", paged, all)
	}
	res := mustSearch(t, api.Request{From: 10})
	if res.Total != 5 || len(res.Hits) != 0 || res.Hits == nil {
		t.Errorf("beyond the end: total %d, hits %v (want 5 and an empty list)", res.Total, res.Hits)
	}
}

func termCount(tc []api.TermCount, v string) (int, bool) {
	for _, c := range tc {
		if c.Value == v {
			return c.Count, true
		}
	}
	return 0, false
}

func TestDisjunctiveFacets(t *testing.T) {
	res := mustSearch(t, api.Request{Filters: map[string][]string{"union": {"Unison"}}})
	if res.Total != 4 {
		t.Fatalf("union=Unison: total %d, want 4", res.Total)
	}
	// The union facet ignores its own filter: it still offers RCN (2
	// articles) and counts Unison over everything (4).
	if n, ok := termCount(res.Facets.Terms("union"), "Royal College of Nursing"); !ok || n != 2 {
		t.Errorf("union facet RCN = %d, %v; facet %v", n, ok, res.Facets.Terms("union"))
	}
	if n, _ := termCount(res.Facets.Terms("union"), "Unison"); n != 4 {
		t.Errorf("union facet Unison = %d; facet %v", n, res.Facets.Terms("union"))
	}
	// Other facets follow the union filter: Mid Yorkshire's trust is gone.
	if _, ok := termCount(res.Facets.Terms("trust"), "Mid Yorkshire Hospitals NHS Trust"); ok {
		t.Errorf("trust facet ignores the union filter: %v", res.Facets.Terms("trust"))
	}
	if n, _ := termCount(res.Facets.Terms("trust"), "Rotherham NHS Foundation Trust"); n != 1 {
		t.Errorf("trust facet: %v", res.Facets.Terms("trust"))
	}
}

// TestFacetCountsMatchFilters checks, for several searches, that every
// facet value's count is the total of the same search with that facet's
// filter set to just that value, and likewise for every range bucket.
func TestFacetCountsMatchFilters(t *testing.T) {
	bases := []api.Request{
		{},
		{Q: "redundancy"},
		{Filters: map[string][]string{"union": {"Unison"}}},
		{Q: "staff", Filters: map[string][]string{"union": {"Royal College of Nursing"}}, Ranges: map[string]api.Range{"jobs": {Min: ptr(100)}}},
		{Ranges: map[string]api.Range{"amount": {Min: ptr(50_000_000)}}},
	}
	for i, base := range bases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			res := mustSearch(t, base)
			checked := 0
			for _, field := range schema.Default.TermNames() {
				for _, tc := range res.Facets.Terms(field) {
					req := base.Clone()
					req.Filters = map[string][]string{}
					for k, v := range base.Filters {
						req.Filters[k] = v
					}
					req.Filters[field] = []string{tc.Value}
					if got := mustSearch(t, req).Total; got != uint64(tc.Count) {
						t.Errorf("%s=%q: facet count %d, filtered total %d", field, tc.Value, tc.Count, got)
					}
					checked++
				}
			}
			for _, rf := range []struct {
				name   string
				counts []api.RangeCount
				set    func(*api.Request, api.Range)
			}{
				{"amount", res.Facets.Ranges("amount"), func(r *api.Request, rg api.Range) { r.SetRange("amount", rg) }},
				{"jobs", res.Facets.Ranges("jobs"), func(r *api.Request, rg api.Range) { r.SetRange("jobs", rg) }},
			} {
				for _, rc := range rf.counts {
					req := base.Clone() // Ranges is a map: set the range on a copy only
					var rg api.Range
					if rc.Min != nil {
						rg.Min = ptr(float64(*rc.Min))
					}
					if rc.Max != nil {
						rg.Max = ptr(float64(*rc.Max))
					}
					rf.set(&req, rg)
					if got := mustSearch(t, req).Total; got != uint64(rc.Count) {
						t.Errorf("%s %s: facet count %d, filtered total %d", rf.name, rc.Label, rc.Count, got)
					}
					checked++
				}
			}
			if checked < 12 {
				t.Errorf("only %d facet values checked", checked)
			}
		})
	}
}

func TestRangeFacetCountsArticlesNotValues(t *testing.T) {
	// Mid Yorkshire has £38m and £17m, both in £10m–£50m: one article.
	res := mustSearch(t, api.Request{Q: "Dewsbury"})
	for _, rc := range res.Facets.Ranges("amount") {
		want := 0
		if rc.Key == "10m-50m" || rc.Key == "50m-100m" {
			want = 1
		}
		if rc.Count != want {
			t.Errorf("bucket %s: %d, want %d", rc.Key, rc.Count, want)
		}
	}
	amount, _ := schema.Default.Lookup("amount")
	jobs, _ := schema.Default.Lookup("jobs")
	if len(amount.Buckets) == 0 || len(jobs.Buckets) == 0 {
		t.Fatal("the schema has no buckets")
	}
	if len(res.Facets.Ranges("amount")) != len(amount.Buckets) || len(res.Facets.Ranges("jobs")) != len(jobs.Buckets) {
		t.Errorf("range facets should list every bucket: %v %v", res.Facets.Ranges("amount"), res.Facets.Ranges("jobs"))
	}
}

func TestBadRequests(t *testing.T) {
	deep := strings.Repeat("(", 10_000) + "nurse" + strings.Repeat(")", 10_000)
	tests := []struct {
		name string
		req  api.Request
		msg  string
	}{
		{"unbalanced quote", api.Request{Q: `"compulsory redundancies`, Syntax: api.SyntaxBleve}, "unterminated quote"},
		{"unbalanced open bracket", api.Request{Q: "(nurse midwife"}, "missing ')'"},
		{"unbalanced close bracket", api.Request{Q: "nurse)"}, "unbalanced ')'"},
		{"empty group", api.Request{Q: "nurse ()", Syntax: api.SyntaxBleve}, "empty group"},
		{"field on group", api.Request{Q: "text:(nurse)", Syntax: api.SyntaxBleve}, "field"},
		{"deep nesting", api.Request{Q: deep}, "nested"},
		{"long query", api.Request{Q: strings.Repeat("nurse ", 2000)}, "bytes long"},
		{"too many clauses", api.Request{Q: strings.Repeat("a ", 300)}, "clauses"},
		{"bleve syntax error", api.Request{Q: "title:", Syntax: api.SyntaxBleve}, "cannot parse"},
		{"fuzziness", api.Request{Q: "nurse~5", Syntax: api.SyntaxBleve}, "fuzziness"},
		{"bad regexp", api.Request{Q: "/a(/", Syntax: api.SyntaxBleve}, "regular expression"},
		{"NaN boost", api.Request{Q: "nurse^NaN", Syntax: api.SyntaxBleve}, "boost"},
		{"size too big", api.Request{Size: 1000}, "size"},
		{"negative from", api.Request{From: -1}, "from"},
		{"unknown sort", api.Request{Sort: "title"}, "sort"},
		{"unknown facet", api.Request{Filters: map[string][]string{"colour": {"red"}}}, "unknown facet"},
		{"min over max", api.Request{Ranges: map[string]api.Range{"amount": {Min: ptr(5), Max: ptr(1)}}}, "amount_min"},
		{"invalid UTF-8", api.Request{Q: "nurse \xff"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := svc.Search(context.Background(), tt.req)
			if !api.IsBadRequest(err) {
				t.Fatalf("err = %v, want a bad request", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.msg)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v to refuse", d)
			}
		})
	}
}

func TestArticle(t *testing.T) {
	a, err := svc.Article(context.Background(), rotherham)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Text, "Trade union Unison has called on") || !slices.Contains(a.Values.Numbers(tag.Jobs), 750) ||
		!slices.Contains(a.Values.Numbers(tag.Amount), 20_000_000_000) || !slices.Equal(a.Values.Terms(tag.Union), []string{"Unison"}) {
		t.Errorf("article: %+v", a)
	}
	if len(a.Entities) == 0 {
		t.Fatal("no entities")
	}
	sawMisspelling := false
	for _, e := range a.Entities {
		if e.Start < 0 || e.End > len(a.Text) || a.Text[e.Start:e.End] != e.Text {
			t.Errorf("entity %+v: offsets do not match the text", e)
		}
		if e.Text == "Unsion" && e.Value == "Unison" {
			sawMisspelling = true
		}
	}
	if !sawMisspelling {
		t.Errorf("entities lack the misspelt Unsion mention: %+v", a.Entities)
	}
	_, err = svc.Article(context.Background(), "no-such-article")
	if !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown id: err = %v", err)
	}
}

func TestFacetValues(t *testing.T) {
	vals, err := svc.FacetValues(context.Background(), "union", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []api.TermCount{{Value: "Unison", Count: 4}, {Value: "Royal College of Nursing", Count: 2}}
	if !slices.Equal(vals, want) {
		t.Errorf("union values = %v, want %v", vals, want)
	}
	vals, err = svc.FacetValues(context.Background(), "hospital", "ch", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(vals, []api.TermCount{{Value: "Churchill Hospital", Count: 1}}) {
		t.Errorf("hospital prefix ch = %v", vals)
	}
	vals, err = svc.FacetValues(context.Background(), "person", "Mike", 1)
	if err != nil || len(vals) != 1 || !strings.HasPrefix(vals[0].Value, "Mike ") {
		t.Errorf("person prefix Mike size 1 = %v, %v", vals, err)
	}
	vals, err = svc.FacetValues(context.Background(), "place", "(", 10)
	if err != nil || len(vals) != 0 {
		t.Errorf("regexp metacharacter prefix: %v, %v", vals, err)
	}
	for _, bad := range []struct {
		field string
		size  int
	}{{"colour", 10}, {"text", 10}, {"union", -1}, {"union", 5000}} {
		if _, err := svc.FacetValues(context.Background(), bad.field, "", bad.size); !api.IsBadRequest(err) {
			t.Errorf("FacetValues(%q, size %d) err = %v, want bad request", bad.field, bad.size, err)
		}
	}
}

func TestTimeout(t *testing.T) {
	s := New(svc.idx, Options{Timeout: time.Nanosecond})
	_, err := s.Search(context.Background(), api.Request{Q: "nurse"})
	if !errors.Is(err, api.ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
}

func TestTidyFragment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"…ike Slade said <mark>redundancies</mark> are com…", "…Slade said <mark>redundancies</mark> are…"},
		{"…<mark>redundancies</mark> ahead", "…<mark>redundancies</mark> ahead"},
		{"…cies <mark>nurse</mark> here", "…<mark>nurse</mark> here"},
		{"whole text, no cut", "whole text, no cut"},
		{"…a <mark>b</mark> <mark>c</mark>…", "…<mark>b</mark> <mark>c</mark>…"},
		{"…single…", "…single…"},
	}
	for _, tt := range tests {
		if got := tidyFragment(tt.in); got != tt.want {
			t.Errorf("tidyFragment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTooManyExpandedTerms checks that a term expanding to more index
// words than the cap is a bad request, not a server error. The cap is
// lowered for the test so that the small seed index exceeds it.
func TestTooManyExpandedTerms(t *testing.T) {
	old := searcher.DisjunctionMaxClauseCount
	searcher.DisjunctionMaxClauseCount = 5
	defer func() { searcher.DisjunctionMaxClauseCount = old }()
	for _, q := range []string{"*", "/.*/", "n*", "text:*"} {
		_, err := svc.Search(context.Background(), api.Request{Q: q, Syntax: api.SyntaxBleve})
		if !api.IsBadRequest(err) || !strings.Contains(err.Error(), "more specific") {
			t.Errorf("q=%q: err = %v, want a bad request asking for a more specific term", q, err)
		}
	}
	if _, err := svc.Search(context.Background(), api.Request{Q: "Ladbr*"}); err != nil {
		t.Errorf("a selective prefix failed: %v", err)
	}
}

// TestFacetsParameter checks that a search counts the facets asked for,
// with the same counts as when it counts them all, and leaves the others
// nil (out of the JSON).
func TestFacetsParameter(t *testing.T) {
	allFacets := mustSearch(t, api.Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}, Ranges: map[string]api.Range{"jobs": {Min: ptr(300)}}})
	tests := []struct {
		facets []string
		want   []string // JSON keys of "facets"
	}{
		{nil, schema.Default.FacetNames()},
		{[]string{"union"}, []string{"union"}},
		{[]string{"jobs", "trust"}, []string{"trust", "jobs"}},
		{[]string{api.FacetNone}, nil},
	}
	for _, tt := range tests {
		res := mustSearch(t, api.Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}, Ranges: map[string]api.Range{"jobs": {Min: ptr(300)}}, Facets: tt.facets})
		if res.Total != allFacets.Total || !slices.Equal(hitIDs(res), hitIDs(allFacets)) {
			t.Errorf("facets %v changed the hits: %v", tt.facets, hitIDs(res))
		}
		b, err := json.Marshal(res.Facets)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, name := range schema.Default.FacetNames() {
			if _, ok := keys[name]; ok {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("facets %v: JSON has %v, want %v", tt.facets, got, tt.want)
		}
		for _, name := range tt.want {
			if !reflect.DeepEqual(facetOf(res, name), facetOf(allFacets, name)) {
				t.Errorf("facets %v: %s counts %v, want %v as with all facets", tt.facets, name, facetOf(res, name), facetOf(allFacets, name))
			}
		}
	}
}

func facetOf(r *api.Result, name string) any {
	switch name {
	case "amount", "jobs":
		return r.Facets.Ranges(name)
	}
	return r.Facets.Terms(name)
}

// TestRequestKey checks which requests the cache treats as the same.
func TestRequestKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"q=nurse", "q=nurse", true},
		{"q=", "q=+++", true},
		{"", "size=10&sort=relevance&facets=all", true},
		{"union=A&union=B", "union=B&union=A&union=A&union=", true},
		{"union=A&place=B", "place=B&union=A", true},
		{"amount_min=5e7", "amount_min=50000000", true},
		{"facets=union,place", "facets=place,union", true},
		{"q=nurse", "q=Nurse", false},
		{"q=nurse", "q=nurse+", false},
		{"union=A", "union=B", false},
		{"union=A", "place=A", false},
		{"union=A", "union=A&union=B", false},
		{"amount_min=1", "amount_max=1", false},
		{"amount_min=1", "jobs_min=1", false},
		{"sort=jobs", "sort=-jobs", false},
		{"from=10", "from=20", false},
		{"size=5", "size=6", false},
		{"facet_size=5", "facet_size=6", false},
		{"facets=union", "facets=place", false},
		{"facets=none", "", false},
		{"collapse=true", "", true},
		{"collapse=false", "", false},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if same := requestKey(schema.Default, &a) == requestKey(schema.Default, &b); same != tt.same {
			t.Errorf("key(%q) == key(%q): %v, want %v", tt.a, tt.b, same, tt.same)
		}
	}
}

// TestFacetKey checks that a facet's counts are shared exactly by the
// requests whose counts for it are the same: same query and other
// filters, whatever its own filter, page or sort.
func TestFacetKey(t *testing.T) {
	union, jobs := svc.facets[1], svc.facets[6]
	if union.name != "union" || jobs.name != "jobs" {
		t.Fatalf("facets %+v: want union second and jobs last", svc.facets)
	}
	tests := []struct {
		f    facet
		a, b string
		same bool
	}{
		{union, "q=nurse", "q=nurse&union=Unison", true},
		{union, "q=nurse&union=A", "q=nurse&union=B&from=10&sort=-jobs&size=3&facets=union", true},
		{union, "q=nurse", "q=nurse&place=Oxford", false},
		{union, "q=nurse", "q=nurse&jobs_min=3", false},
		{union, "q=nurse", "q=nurse&facet_size=20", false},
		{union, "q=nurse", "q=nurses", false},
		{jobs, "q=nurse", "q=nurse&jobs_min=300", true},
		{jobs, "q=nurse", "q=nurse&facet_size=20", true},
		{jobs, "q=nurse", "q=nurse&amount_min=1", false},
		{jobs, "q=nurse", "q=nurse&union=A", false},
		{jobs, "q=nurse", "q=nurse&collapse=false", false},
		{union, "q=nurse&collapse=false", "q=nurse&collapse=false&union=A", true},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if same := facetKey(schema.Default, &a, tt.f) == facetKey(schema.Default, &b, tt.f); same != tt.same {
			t.Errorf("%s facet of %q and %q: same key %v, want %v", tt.f.name, tt.a, tt.b, same, tt.same)
		}
	}
}

// TestIDsRestrictFacets checks that the id restriction also narrows the
// facet counts (which must then not come from the match-all counts) and
// has a cache key of its own.
func TestIDsRestrictFacets(t *testing.T) {
	all := mustSearch(t, api.Request{})
	one := mustSearch(t, api.Request{IDs: []string{oxford}})
	if one.Total != 1 || all.Total == 1 {
		t.Fatalf("totals: all %d, one id %d", all.Total, one.Total)
	}
	for _, tc := range one.Facets.Terms("union") {
		if tc.Count != 1 {
			t.Errorf("union %q counted %d times under one id", tc.Value, tc.Count)
		}
	}
	again := mustSearch(t, api.Request{IDs: []string{taunton}})
	if len(again.Hits) != 1 || again.Hits[0].ID != taunton {
		t.Errorf("another id answered %v (a shared cache entry?)", hitIDs(again))
	}
}
