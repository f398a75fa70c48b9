package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// bleveCounts counts every facet field over all documents of idx with
// bleve, in bleve's order: the reference the writer's counts must equal.
func bleveCounts(t *testing.T, idx bleve.Index) (uint64, map[string][]index.TermCount) {
	t.Helper()
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	for _, f := range schema.Default.FacetFields() {
		req.AddFacet(f, bleve.NewFacetRequest(f, math.MaxInt32))
	}
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]index.TermCount{}
	for _, f := range schema.Default.FacetFields() {
		out[f] = []index.TermCount{}
		if fr := res.Facets[f]; fr != nil && fr.Terms != nil {
			for _, tc := range fr.Terms.Terms() {
				out[f] = append(out[f], index.TermCount{Term: tc.Term, Count: tc.Count})
			}
		}
	}
	return res.Total, out
}

func snapCounts(c *index.FacetCounts) (uint64, map[string][]index.TermCount) {
	out := map[string][]index.TermCount{}
	for _, f := range schema.Default.FacetFields() {
		out[f] = c.Top(f, -1)
	}
	return c.Docs(), out
}

// facetRequests are the requests whose facets the match-all counts serve:
// the landing page at two facet sizes (the smaller cuts through ties) and
// filter-only requests on one trust, one union and one bucket.
func facetRequests(c *index.FacetCounts) []api.Request {
	reqs := []api.Request{{}, {FacetSize: 3}, {FacetSize: api.MaxFacetSize}}
	for _, f := range []string{string(tag.Trust), string(tag.Union)} {
		if top := c.Top(f, 2); len(top) > 0 {
			v := top[len(top)-1].Term
			reqs = append(reqs, api.Request{Filters: map[string][]string{f: {v}}}, api.Request{FacetSize: 2, Filters: map[string][]string{f: {v}}})
		}
	}
	reqs = append(reqs, api.Request{Ranges: map[string]api.Range{"jobs": {Min: ptrF(100), Max: ptrF(249)}}})
	return reqs
}

func ptrF(v float64) *float64 { return &v }

func mustSearchWith(t *testing.T, s *Service, req api.Request) *api.Result {
	t.Helper()
	res, err := s.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

// TestMatchAllCountsProperty applies random writes (new articles,
// replacements of existing ones with other entities, deletions and one
// re-index) to a real Writer and checks after every step that its
// match-all counts equal bleve's own count of the index, and that the
// facets a Service builds from them equal the facets bleve counts.
func TestMatchAllCountsProperty(t *testing.T) {
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.New(7)
	if err != nil {
		t.Fatal(err)
	}
	data := indextest.SeedData(t)
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	withSnap := New(w.Index(), Options{Generation: w.Generation, MatchAll: w.MatchAllCounts, CacheEntries: -1})
	bleveOnly := New(w.Index(), Options{})

	x := &randomWrites{t: t, w: w, r: rand.New(rand.NewPCG(1, 2)), g: g,
		ids: []string{indextest.MidYorks, indextest.Rotherham, indextest.Oxford, indextest.Taunton, indextest.NorthEast}}
	check := func(step string) {
		t.Helper()
		gen, c := w.MatchAllCounts()
		if c == nil || gen != w.Generation() {
			t.Fatalf("%s: MatchAllCounts = (%d, %v), want counts of generation %d", step, gen, c, w.Generation())
		}
		wantN, want := bleveCounts(t, w.Index())
		gotN, got := snapCounts(c)
		if gotN != wantN || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: counts differ from bleve's\n got %d %v\nwant %d %v", step, gotN, got, wantN, want)
		}
		for _, req := range facetRequests(c) {
			a := mustSearchWith(t, withSnap, req)
			b := mustSearchWith(t, bleveOnly, req)
			if a.Total != b.Total || !reflect.DeepEqual(a.Facets, b.Facets) {
				t.Fatalf("%s: %+v: facets from the counts differ from bleve's\n got %d %+v\nwant %d %+v", step, req, a.Total, a.Facets, b.Total, b.Facets)
			}
		}
	}
	check("open")
	steps := 60
	if testing.Short() {
		steps = 20
	}
	x.run(steps, check)
}

// TestMatchAllCountsGeneration checks that a Service takes facets from the
// match-all counts only when they belong to the generation it searches
// under: counts of an older generation are ignored, and (to show the path
// is taken at all) the same counts claimed for the current generation are
// used.
func TestMatchAllCountsGeneration(t *testing.T) {
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.New(3)
	if err != nil {
		t.Fatal(err)
	}
	data := indextest.SeedData(t)
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	oldGen, old := w.MatchAllCounts()
	if old == nil {
		t.Fatal("no counts after open")
	}
	var arts []api.Article
	for i := range 4 {
		a := g.Article(i)
		arts = append(arts, api.Article{ID: fmt.Sprintf("g%d", i), Title: a.Title, Text: a.Text})
	}
	if _, err := w.Put(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	ref := mustSearchWith(t, New(w.Index(), Options{}), api.Request{})
	stale := mustSearchWith(t, New(w.Index(), Options{Generation: w.Generation, CacheEntries: -1,
		MatchAll: func() (uint64, *index.FacetCounts) { return oldGen, old }}), api.Request{})
	if !reflect.DeepEqual(stale.Facets, ref.Facets) {
		t.Fatalf("stale counts used:\n got %+v\nwant %+v", stale.Facets, ref.Facets)
	}
	lyingSvc := New(w.Index(), Options{Generation: w.Generation, CacheEntries: -1,
		MatchAll: func() (uint64, *index.FacetCounts) { return w.Generation(), old }})
	lying := mustSearchWith(t, lyingSvc, api.Request{})
	if reflect.DeepEqual(lying.Facets, ref.Facets) {
		t.Fatal("the writes changed no facet: the test cannot tell the counts from bleve's")
	}
	if lyingSvc.facets[0].name != "trust" {
		t.Fatalf("first facet %+v, want trust", lyingSvc.facets[0])
	}
	if !reflect.DeepEqual(lying.Facets.Terms("trust"), countsFrom(old, lyingSvc.facets[0], api.DefaultFacetSize).Terms) {
		t.Fatalf("counts of the current generation not used: trust facet %+v", lying.Facets.Terms("trust"))
	}
}
