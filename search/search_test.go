package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/cutwatch/cutwatch/index"
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
		req  Request
		want []string // ids in any order
	}{
		// Stemming with no field prefix: the query goes to _all, which must
		// be analysed like title and text.
		{"stem redundancy finds redundancies", Request{Q: "redundancy"}, []string{rotherham, oxford, taunton, northEast}},
		{"stem nurse finds nursing and nurses", Request{Q: "nurse"}, []string{rotherham, oxford, northEast}},
		{"stem with field prefix", Request{Q: "text:redundancy"}, []string{rotherham, oxford, taunton, northEast}},
		{"phrase", Request{Q: `"compulsory redundancies"`}, []string{rotherham, northEast}},
		{"phrase is not a bag of words", Request{Q: `"redundancies compulsory"`}, nil},
		{"must and must not", Request{Q: "+redundancy -unison"}, nil},
		{"must not alone", Request{Q: "-redundancy"}, []string{midYorks}},
		{"must", Request{Q: "+Dewsbury"}, []string{midYorks}},
		// The text misspells Unison once ("Unsion", in Rotherham). The
		// misspelling alone finds only that article; fuzziness 1 (bleve
		// counts a transposition as one edit) reaches "unison" in all four
		// Unison articles and "union(s)" in the Mid Yorkshire one.
		{"misspelling exact", Request{Q: "Unsion"}, []string{rotherham}},
		{"fuzzy", Request{Q: "Unsion~1"}, []string{midYorks, rotherham, oxford, taunton, northEast}},
		{"prefix", Request{Q: "Pontefr*"}, []string{midYorks}},
		{"keyword field", Request{Q: `hospital:"Churchill Hospital"`}, []string{oxford}},
		{"numeric field in query", Request{Q: "jobs:>=700"}, []string{rotherham}},
		{"group", Request{Q: "+(Banbury Taunton) +redundancy"}, []string{oxford, taunton}},
		{"nested group", Request{Q: "+((Banbury) (Taunton Dewsbury)) -(Musgrove)"}, []string{midYorks, oxford}},
		{"stop words only", Request{Q: "the"}, nil},
		{"stop words only with a filter", Request{Q: "the", Filters: map[string][]string{"union": {"Unison"}}}, nil},
		{"empty query matches all", Request{}, []string{midYorks, rotherham, oxford, taunton, northEast}},
		{"amount_min", Request{Amount: Range{Min: ptr(50_000_000)}}, []string{midYorks, rotherham, oxford}},
		{"amount range any value", Request{Amount: Range{Min: ptr(1_000_000), Max: ptr(1_000_000)}}, []string{taunton}},
		{"jobs range", Request{Jobs: Range{Min: ptr(300), Max: ptr(600)}}, []string{oxford, northEast}},
		{"union filter", Request{Filters: map[string][]string{"union": {"Unison"}}}, []string{rotherham, oxford, taunton, northEast}},
		{"OR within a facet", Request{Filters: map[string][]string{"person": {"Julia Squire", "Brian James"}}}, []string{midYorks, rotherham}},
		{"AND across facets", Request{Filters: map[string][]string{"union": {"Royal College of Nursing"}, "hospital": {"Horton Hospital"}}}, []string{oxford}},
		{"filter is exact", Request{Filters: map[string][]string{"union": {"unison"}}}, nil},
		{"query and filter", Request{Q: "redundancy", Filters: map[string][]string{"union": {"Royal College of Nursing"}}, Amount: Range{Max: ptr(50_000_000)}}, []string{oxford, northEast}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.Size = MaxSize
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
	res := mustSearch(t, Request{Q: `"compulsory redundancies"`})
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>compulsory</mark> <mark>redundancies</mark>") {
			t.Errorf("%s: snippet lacks marked phrase: %q", h.ID, h.Snippet)
		}
	}
	// Taunton's text has "Taunton's" and quotes: they must come out escaped.
	res = mustSearch(t, Request{Q: "Musgrove"})
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
	res = mustSearch(t, Request{Filters: map[string][]string{"hospital": {"Musgrove Park Hospital"}}})
	if len(res.Hits) != 1 || !strings.HasPrefix(res.Hits[0].Snippet, "JOB losses are on the cards at Taunton&#39;s") {
		t.Errorf("lead snippet: %+v", res.Hits)
	}
}

func TestHitCarriesEntities(t *testing.T) {
	res := mustSearch(t, Request{Q: "Ladbrooke"})
	if len(res.Hits) != 1 || res.Hits[0].ID != oxford {
		t.Fatalf("hits: %v", hitIDs(res))
	}
	h := res.Hits[0]
	if !slices.Contains(h.Trusts, "Oxford Radcliffe Hospitals NHS Trust") ||
		!slices.Equal(sorted(h.Unions), []string{"Royal College of Nursing", "Unison"}) ||
		!slices.Contains(h.People, "Mark Ladbrooke") ||
		!slices.Contains(h.Hospitals, "Churchill Hospital") ||
		!slices.Contains(h.AmountsGBP, 109_000_000) || !slices.Contains(h.Jobs, 366) {
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
	plain := mustSearch(t, Request{Q: "redundancy"})
	filtered := mustSearch(t, Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}})
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
			res := mustSearch(t, Request{Sort: tt.sort})
			ids := hitIDs(res)
			if len(ids) != 5 || !slices.Equal(ids[:len(tt.want)], tt.want) {
				t.Errorf("sort=%s: %v, want to start with %v", tt.sort, ids, tt.want)
			}
		})
	}
	// Without job counts, Mid Yorkshire and Taunton come last either way.
	for _, s := range []string{"jobs", "-jobs"} {
		ids := hitIDs(mustSearch(t, Request{Sort: s}))
		if !slices.Equal(sorted(ids[3:]), []string{midYorks, taunton}) {
			t.Errorf("sort=%s: articles without jobs not last: %v", s, ids)
		}
	}
}

func TestPaging(t *testing.T) {
	all := hitIDs(mustSearch(t, Request{Sort: "-jobs"}))
	var paged []string
	for from := 0; from < 5; from += 2 {
		res := mustSearch(t, Request{Sort: "-jobs", From: from, Size: 2})
		if res.Total != 5 {
			t.Fatalf("from=%d: total %d", from, res.Total)
		}
		paged = append(paged, hitIDs(res)...)
	}
	if !slices.Equal(all, paged) {
		t.Errorf("pages %v, want %v", paged, all)
	}
	res := mustSearch(t, Request{From: 10})
	if res.Total != 5 || len(res.Hits) != 0 || res.Hits == nil {
		t.Errorf("beyond the end: total %d, hits %v (want 5 and an empty list)", res.Total, res.Hits)
	}
}

func termCount(tc []TermCount, v string) (int, bool) {
	for _, c := range tc {
		if c.Value == v {
			return c.Count, true
		}
	}
	return 0, false
}

func TestDisjunctiveFacets(t *testing.T) {
	res := mustSearch(t, Request{Filters: map[string][]string{"union": {"Unison"}}})
	if res.Total != 4 {
		t.Fatalf("union=Unison: total %d, want 4", res.Total)
	}
	// The union facet ignores its own filter: it still offers RCN (2
	// articles) and counts Unison over everything (4).
	if n, ok := termCount(res.Facets.Union, "Royal College of Nursing"); !ok || n != 2 {
		t.Errorf("union facet RCN = %d, %v; facet %v", n, ok, res.Facets.Union)
	}
	if n, _ := termCount(res.Facets.Union, "Unison"); n != 4 {
		t.Errorf("union facet Unison = %d; facet %v", n, res.Facets.Union)
	}
	// Other facets follow the union filter: Mid Yorkshire's trust is gone.
	if _, ok := termCount(res.Facets.Trust, "Mid Yorkshire Hospitals NHS Trust"); ok {
		t.Errorf("trust facet ignores the union filter: %v", res.Facets.Trust)
	}
	if n, _ := termCount(res.Facets.Trust, "Rotherham NHS Foundation Trust"); n != 1 {
		t.Errorf("trust facet: %v", res.Facets.Trust)
	}
}

// TestFacetCountsMatchFilters checks, for several searches, that every
// facet value's count is the total of the same search with that facet's
// filter set to just that value, and likewise for every range bucket.
func TestFacetCountsMatchFilters(t *testing.T) {
	bases := []Request{
		{},
		{Q: "redundancy"},
		{Filters: map[string][]string{"union": {"Unison"}}},
		{Q: "staff", Filters: map[string][]string{"union": {"Royal College of Nursing"}}, Jobs: Range{Min: ptr(100)}},
		{Amount: Range{Min: ptr(50_000_000)}},
	}
	for i, base := range bases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			res := mustSearch(t, base)
			checked := 0
			for _, field := range index.KeywordFields {
				for _, tc := range res.Facets.Terms(field) {
					req := base
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
				counts []RangeCount
				set    func(*Request, Range)
			}{
				{"amount", res.Facets.Amount, func(r *Request, rg Range) { r.Amount = rg }},
				{"jobs", res.Facets.Jobs, func(r *Request, rg Range) { r.Jobs = rg }},
			} {
				for _, rc := range rf.counts {
					req := base
					var rg Range
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
	res := mustSearch(t, Request{Q: "Dewsbury"})
	for _, rc := range res.Facets.Amount {
		want := 0
		if rc.Key == "10m-50m" || rc.Key == "50m-100m" {
			want = 1
		}
		if rc.Count != want {
			t.Errorf("bucket %s: %d, want %d", rc.Key, rc.Count, want)
		}
	}
	if len(res.Facets.Amount) != len(index.AmountBuckets) || len(res.Facets.Jobs) != len(index.JobsBuckets) {
		t.Errorf("range facets should list every bucket: %v %v", res.Facets.Amount, res.Facets.Jobs)
	}
}

func TestBadRequests(t *testing.T) {
	deep := strings.Repeat("(", 10_000) + "nurse" + strings.Repeat(")", 10_000)
	tests := []struct {
		name string
		req  Request
		msg  string
	}{
		{"unbalanced quote", Request{Q: `"compulsory redundancies`}, "unterminated quote"},
		{"unbalanced open bracket", Request{Q: "(nurse midwife"}, "missing ')'"},
		{"unbalanced close bracket", Request{Q: "nurse)"}, "unbalanced ')'"},
		{"empty group", Request{Q: "nurse ()"}, "empty group"},
		{"field on group", Request{Q: "text:(nurse)"}, "field"},
		{"deep nesting", Request{Q: deep}, "nested"},
		{"long query", Request{Q: strings.Repeat("nurse ", 2000)}, "bytes long"},
		{"too many clauses", Request{Q: strings.Repeat("a ", 300)}, "clauses"},
		{"bleve syntax error", Request{Q: "title:"}, "cannot parse"},
		{"fuzziness", Request{Q: "nurse~5"}, "fuzziness"},
		{"bad regexp", Request{Q: "/a(/"}, "regular expression"},
		{"NaN boost", Request{Q: "nurse^NaN"}, "boost"},
		{"size too big", Request{Size: 1000}, "size"},
		{"negative from", Request{From: -1}, "from"},
		{"unknown sort", Request{Sort: "title"}, "sort"},
		{"unknown facet", Request{Filters: map[string][]string{"colour": {"red"}}}, "unknown facet"},
		{"min over max", Request{Amount: Range{Min: ptr(5), Max: ptr(1)}}, "amount_min"},
		{"invalid UTF-8", Request{Q: "nurse \xff"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := svc.Search(context.Background(), tt.req)
			if !IsBadRequest(err) {
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

func TestParseRequest(t *testing.T) {
	good := []struct {
		raw  string
		want func(Request) bool
	}{
		{"", func(r Request) bool {
			return r.Size == DefaultSize && r.From == 0 && r.Sort == SortRelevance && r.Q == ""
		}},
		{"q=nurse&union=Unison&union=GMB&trust=X", func(r Request) bool {
			return r.Q == "nurse" && slices.Equal(r.Filters["union"], []string{"Unison", "GMB"}) && slices.Equal(r.Filters["trust"], []string{"X"})
		}},
		{"amount_min=50000000&jobs_max=10.5", func(r Request) bool {
			return *r.Amount.Min == 5e7 && r.Amount.Max == nil && *r.Jobs.Max == 10.5 && r.Jobs.Min == nil
		}},
		{"sort=-jobs&from=20&size=100", func(r Request) bool { return r.Sort == "-jobs" && r.From == 20 && r.Size == 100 }},
		{"page=3&utm=x", func(r Request) bool { return r.Size == DefaultSize }}, // unknown parameters ignored
		{"q=x", func(r Request) bool { return r.Facets == nil }},
		{"facets=all", func(r Request) bool { return r.Facets == nil }},
		{"facets=", func(r Request) bool { return slices.Equal(r.Facets, []string{FacetNone}) }},
		{"facets=none", func(r Request) bool { return slices.Equal(r.Facets, []string{FacetNone}) }},
		{"facets=union,+jobs,union,", func(r Request) bool { return slices.Equal(r.Facets, []string{"union", "jobs"}) }},
	}
	for _, tt := range good {
		v, _ := url.ParseQuery(tt.raw)
		r, err := ParseRequest(v)
		if err != nil || !tt.want(r) {
			t.Errorf("ParseRequest(%q) = %+v, %v", tt.raw, r, err)
		}
	}
	bad := []struct{ raw, param string }{
		{"size=1000", "size"},
		{"size=0", "size"},
		{"size=ten", "size"},
		{"from=-1", "from"},
		{"from=99999999999999999999", "from"},
		{"amount_min=abc", "amount_min"},
		{"amount_max=NaN", "amount_max"},
		{"jobs_min=Inf", "jobs_min"},
		{"sort=title", "sort"},
		{"q=a&q=b", "q"},
		{"jobs_min=10&jobs_min=20", "jobs_min"},
		{"facet_size=101", "facet_size"},
		{"facets=union,colour", "facets"},
		{"facets=text", "facets"},
		{"facets=none,union", "facets"},
		{"facets=union&facets=place", "facets"},
	}
	for _, tt := range bad {
		v, _ := url.ParseQuery(tt.raw)
		_, err := ParseRequest(v)
		var br *BadRequestError
		if !errors.As(err, &br) || br.Param != tt.param {
			t.Errorf("ParseRequest(%q) err = %v, want a bad request about %s", tt.raw, err, tt.param)
		}
	}
}

func TestArticle(t *testing.T) {
	a, err := svc.Article(context.Background(), rotherham)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Text, "Trade union Unison has called on") || !slices.Contains(a.Jobs, 750) ||
		!slices.Contains(a.AmountsGBP, 20_000_000_000) || !slices.Equal(a.Unions, []string{"Unison"}) {
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
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: err = %v", err)
	}
}

func TestFacetValues(t *testing.T) {
	vals, err := svc.FacetValues(context.Background(), "union", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []TermCount{{"Unison", 4}, {"Royal College of Nursing", 2}}
	if !slices.Equal(vals, want) {
		t.Errorf("union values = %v, want %v", vals, want)
	}
	vals, err = svc.FacetValues(context.Background(), "hospital", "ch", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(vals, []TermCount{{"Churchill Hospital", 1}}) {
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
		if _, err := svc.FacetValues(context.Background(), bad.field, "", bad.size); !IsBadRequest(err) {
			t.Errorf("FacetValues(%q, size %d) err = %v, want bad request", bad.field, bad.size, err)
		}
	}
}

func TestTimeout(t *testing.T) {
	s := New(svc.idx, Options{Timeout: time.Nanosecond})
	_, err := s.Search(context.Background(), Request{Q: "nurse"})
	if !errors.Is(err, ErrTimeout) {
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
		_, err := svc.Search(context.Background(), Request{Q: q})
		if !IsBadRequest(err) || !strings.Contains(err.Error(), "more specific") {
			t.Errorf("q=%q: err = %v, want a bad request asking for a more specific term", q, err)
		}
	}
	if _, err := svc.Search(context.Background(), Request{Q: "Ladbr*"}); err != nil {
		t.Errorf("a selective prefix failed: %v", err)
	}
}

// TestFacetsParameter checks that a search counts the facets asked for,
// with the same counts as when it counts them all, and leaves the others
// nil (out of the JSON).
func TestFacetsParameter(t *testing.T) {
	allFacets := mustSearch(t, Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}, Jobs: Range{Min: ptr(300)}})
	tests := []struct {
		facets []string
		want   []string // JSON keys of "facets"
	}{
		{nil, FacetNames},
		{[]string{"union"}, []string{"union"}},
		{[]string{"jobs", "trust"}, []string{"trust", "jobs"}},
		{[]string{FacetNone}, nil},
	}
	for _, tt := range tests {
		res := mustSearch(t, Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}, Jobs: Range{Min: ptr(300)}, Facets: tt.facets})
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
		for _, name := range FacetNames {
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

func facetOf(r *Result, name string) any {
	switch name {
	case "amount":
		return r.Facets.Amount
	case "jobs":
		return r.Facets.Jobs
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
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if same := a.key() == b.key(); same != tt.same {
			t.Errorf("key(%q) == key(%q): %v, want %v", tt.a, tt.b, same, tt.same)
		}
	}
}

// TestFacetKey checks that a facet's counts are shared exactly by the
// requests whose counts for it are the same: same query and other
// filters, whatever its own filter, page or sort.
func TestFacetKey(t *testing.T) {
	union, jobs := facets[1], facets[6]
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
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if same := a.facetKey(tt.f) == b.facetKey(tt.f); same != tt.same {
			t.Errorf("%s facet of %q and %q: same key %v, want %v", tt.f.name, tt.a, tt.b, same, tt.same)
		}
	}
}
