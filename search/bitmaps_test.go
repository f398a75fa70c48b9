package search

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestBitmapsMatchBleve is the property that lets search filter and count
// with the Writer's bitmaps: after random writes (new articles,
// replacements, deletions, a re-index), for random requests (words,
// phrases, negations, fuzzy terms, name filters, ranges; every sort; pages;
// facet sizes and subsets), a Service with the bitmaps answers exactly as
// one where bleve filters and counts: the same total, hits in the same
// order with the same scores, snippets and values, and the same facets.
func TestBitmapsMatchBleve(t *testing.T) {
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.New(11)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var written []index.Written
	w, err := index.OpenWriter(ctx, indextest.SeedData(t), index.WriterOptions{Tagger: tg,
		AfterWrite: []func(index.Change){func(c index.Change) { written = append(written, c.Put...) }}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	withBits := New(w.Index(), Options{Generation: w.Generation, Bitmaps: w.Bitmaps, CacheEntries: -1, MaxSearches: -1})
	bleveOnly := New(w.Index(), Options{MaxSearches: -1})

	r := rand.New(rand.NewPCG(3, 4))
	x := &randomWrites{t: t, w: w, r: r, g: g}
	x.putNew(40)

	sorts := api.SortKeys(w.Schema())
	facetNames := w.Schema().FacetNames()
	// The articles must make stories, and searches must show them.
	var withCopies, alsoIn, collapsedOff int
	defer func() {
		if !t.Failed() && (withCopies == 0 || alsoIn == 0 || collapsedOff == 0) {
			t.Errorf("near-duplicates not exercised: %d states with copies, %d hits with also_in, %d requests with collapse=false", withCopies, alsoIn, collapsedOff)
		}
	}()
	compare := func(step string, n int) {
		t.Helper()
		_, b := w.Bitmaps()
		if b == nil {
			t.Fatalf("%s: the Writer has no bitmaps", step)
		}
		if !b.Set.Copies().IsEmpty() {
			withCopies++
		}
		for _, req := range randomRequests(r, written, n) {
			req.Sort = sorts[r.IntN(len(sorts))]
			req.From = r.IntN(3) * 5
			req.Size = 1 + r.IntN(12)
			req.FacetSize = 1 + r.IntN(6)
			if r.IntN(3) == 0 {
				req.Facets = []string{facetNames[r.IntN(len(facetNames))]}
			}
			if r.IntN(3) == 0 {
				req.NoCollapse = true
				collapsedOff++
			}
			got, err := withBits.Search(ctx, req)
			if err != nil {
				t.Fatalf("%s: %+v: %v", step, req, err)
			}
			want, err := bleveOnly.Search(ctx, req)
			if err != nil {
				t.Fatalf("%s: %+v: %v", step, req, err)
			}
			// Matches (the watches' percolation) among some of the ids.
			some := x.ids[:0:0]
			for _, id := range x.ids {
				if r.IntN(3) == 0 {
					some = append(some, id)
				}
			}
			gm, err := withBits.Matches(ctx, req, some, len(x.ids))
			if err != nil {
				t.Fatalf("%s: Matches %+v: %v", step, req, err)
			}
			wm, err := bleveOnly.Matches(ctx, req, some, len(x.ids))
			if err != nil {
				t.Fatalf("%s: Matches %+v: %v", step, req, err)
			}
			if !slices.Equal(gm, wm) {
				t.Fatalf("%s: Matches %+v among %v:\n got %v\nwant %v", step, req, some, gm, wm)
			}
			got.TookMS, want.TookMS = 0, 0
			for _, h := range got.Hits {
				if len(h.AlsoIn) > 0 {
					alsoIn++
				}
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got.Hits), len(want.Hits)) {
					if !reflect.DeepEqual(got.Hits[i], want.Hits[i]) {
						t.Errorf("hit %d: snippet equal %v, values equal %v, score %v/%v\n%q\n%q", i, got.Hits[i].Snippet == want.Hits[i].Snippet, reflect.DeepEqual(got.Hits[i].Values, want.Hits[i].Values), got.Hits[i].Score, want.Hits[i].Score, got.Hits[i].Snippet, want.Hits[i].Snippet)
						break
					}
				}
				t.Fatalf("%s: %+v:\n got %d %v %+v\nwant %d %v %+v", step, req, got.Total, hitIDs(got), got.Facets, want.Total, hitIDs(want), want.Facets)
			}
		}
	}
	compare("start", 100)
	steps := 16
	if testing.Short() {
		steps = 6
	}
	x.run(steps, func(step string) { compare(step, 25) })
}
