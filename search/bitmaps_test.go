package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

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
	aggregated := 0
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
			if r.IntN(3) == 0 {
				req.Histogram = api.HistogramIntervals[r.IntN(len(api.HistogramIntervals))]
			}
			if r.IntN(3) == 0 {
				req.FacetMetric = api.FacetMetricJobs
				if r.IntN(2) == 0 {
					req.FacetSort = api.FacetSortJobs
				}
			}
			// Facets of many values are counted by walking the
			// articles, of few value by value: both ways, at random.
			manyValues.Store([]int64{0, 64}[r.IntN(2)])
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
			// A word's typo terms are a disjunction, whose scores bleve
			// sums in an order that may differ with the query around it
			// (the recorded matches here, the filters there): the same
			// score to the last bits of a float64 is the same score.
			for i := range min(len(got.Hits), len(want.Hits)) {
				if g, w := got.Hits[i].Score, want.Hits[i].Score; g != w && math.Abs(g-w) <= 1e-12*math.Max(math.Abs(g), math.Abs(w)) {
					got.Hits[i].Score = w
				}
			}
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
				t.Fatalf("%s: %+v:\n got %d %v %+v %+v\nwant %d %v %+v %+v", step, req, got.Total, hitIDs(got), got.Facets, got.Histogram, want.Total, hitIDs(want), want.Facets, want.Histogram)
			}
			// The recount matches with Matches, which never relaxes: a
			// relaxed result (compared with bleve's above) is not
			// recounted.
			if req.Aggregates() && !got.Relaxed {
				aggregated++
				// A collapsed search leaves the copies of stories out.
				hidden := map[string]bool{}
				if !req.NoCollapse {
					it := b.Set.Copies().Iterator()
					for it.HasNext() {
						hidden[b.Set.Doc(it.Next()).ID] = true
					}
				}
				recount(t, withBits, req, got, hidden)
			}
		}
	}
	compare("start", 100)
	defer func() {
		if aggregated < 40 {
			t.Errorf("only %d requests asked for a histogram or facet sums", aggregated)
		}
	}()
	steps := 16
	if testing.Short() {
		steps = 6
	}
	x.run(steps, func(step string) { compare(step, 25) })
}

// recount checks res's histogram and facet sums against a count by hand
// over the articles req matches (Matches, which the property compares
// with bleve's, without those hidden by the collapse of stories), read as
// stored (Article): per period of each article's date, the articles and
// the sums of the jobs at risk and savings their cut events link to
// trusts (to the trusts req filters by, if any); per facet value, the
// articles matching req without that facet's filter that hold the value,
// and the sum of their jobs at risk (at that trust, for a trust).
func recount(t *testing.T, svc *Service, req api.Request, res *api.Result, hidden map[string]bool) {
	t.Helper()
	ctx := context.Background()
	arts := map[string]*api.TaggedArticle{}
	article := func(id string) *api.TaggedArticle {
		if a, ok := arts[id]; ok {
			return a
		}
		a, err := svc.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		arts[id] = a
		return a
	}
	// What an article counts for, at the trusts of scope or (none) at all
	// of them, from the cut events it links when read (not the values
	// stored at write time that the search sums).
	cutIn := func(id string, scope ...string) tag.TrustCut {
		per, total := tag.TrustCuts(article(id).CutEvents)
		if len(scope) == 0 {
			return total
		}
		var c tag.TrustCut
		for _, p := range per {
			// The search scopes to the trusts whose names fold as the
			// filter's values (any case).
			if slices.ContainsFunc(scope, func(s string) bool { return api.Fold(s) == api.Fold(p.Trust) }) {
				c.Jobs += p.Jobs
				c.SavingsGBP += p.SavingsGBP
			}
		}
		return c
	}
	scope := req.Filters[string(tag.Trust)]
	const all = 1 << 20
	ids, err := svc.Matches(ctx, req, nil, all)
	if err != nil {
		t.Fatal(err)
	}
	visible := func(ids []string) []string {
		return slices.DeleteFunc(ids, func(id string) bool { return hidden[id] })
	}
	ids = visible(ids)
	if uint64(len(ids)) != res.Total {
		t.Fatalf("%s: %d matches, total %d", describe(req), len(ids), res.Total)
	}
	if req.Histogram != "" {
		type acc struct {
			n             int
			jobs, savings int64
		}
		per := map[time.Time]*acc{}
		var first, last time.Time
		for _, id := range ids {
			p := article(id).Published
			if p == nil {
				continue
			}
			b := api.BucketStart(req.Histogram, *p)
			if per[b] == nil {
				per[b] = &acc{}
			}
			c := cutIn(id, scope...)
			per[b].n++
			per[b].jobs += c.Jobs
			per[b].savings += c.SavingsGBP
			if first.IsZero() || b.Before(first) {
				first = b
			}
			if b.After(last) {
				last = b
			}
		}
		want := []api.HistogramBucket{}
		for b := first; len(per) > 0 && !b.After(last); b = api.NextBucket(req.Histogram, b) {
			hb := api.HistogramBucket{Start: b.Format(time.DateOnly)}
			if a := per[b]; a != nil {
				hb.Count, hb.Jobs, hb.SavingsGBP = a.n, a.jobs, a.savings
			}
			want = append(want, hb)
		}
		if !reflect.DeepEqual(res.Histogram, want) {
			t.Fatalf("%s: histogram %s\n got %v\nwant %v", describe(req), req.Histogram, res.Histogram, want)
		}
	} else if res.Histogram != nil {
		t.Fatalf("%s: a histogram not asked for: %v", describe(req), res.Histogram)
	}
	for _, f := range res.Facets {
		if f.Terms == nil {
			continue
		}
		others := req.Clone()
		delete(others.Filters, f.Name)
		base, err := svc.Matches(ctx, others, nil, all)
		if err != nil {
			t.Fatal(err)
		}
		base = visible(base)
		if req.FacetSort == api.FacetSortJobs {
			// Every value over base by its jobs sum, then count, then
			// value: the facet is the first FacetSize of them.
			per := map[string]*api.TermCount{}
			for _, id := range base {
				for _, v := range article(id).Values.Terms(tag.Kind(f.Name)) {
					tc := per[v]
					if tc == nil {
						tc = &api.TermCount{Value: v, Jobs: new(int64)}
						per[v] = tc
					}
					tc.Count++
					if f.Name == string(tag.Trust) {
						*tc.Jobs += cutIn(id, v).Jobs
					} else {
						*tc.Jobs += cutIn(id, scope...).Jobs
					}
				}
			}
			var want []string
			for _, tc := range per {
				want = append(want, fmt.Sprintf("%s=%d/%d", tc.Value, tc.Count, *tc.Jobs))
			}
			slices.SortFunc(want, func(a, b string) int {
				ta, tb := per[a[:strings.LastIndex(a, "=")]], per[b[:strings.LastIndex(b, "=")]]
				switch {
				case *ta.Jobs != *tb.Jobs:
					return cmp.Compare(*tb.Jobs, *ta.Jobs)
				case ta.Count != tb.Count:
					return cmp.Compare(tb.Count, ta.Count)
				}
				return strings.Compare(ta.Value, tb.Value)
			})
			want = want[:min(len(want), req.FacetSize)]
			var got []string
			for _, tc := range f.Terms {
				if tc.Jobs == nil {
					t.Fatalf("%s: facet %s %q without jobs", describe(req), f.Name, tc.Value)
				}
				got = append(got, fmt.Sprintf("%s=%d/%d", tc.Value, tc.Count, *tc.Jobs))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: facet %s by jobs\n got %v\nwant %v", describe(req), f.Name, got, want)
			}
			continue
		}
		for _, tc := range f.Terms {
			if req.FacetMetric == "" {
				if tc.Jobs != nil {
					t.Fatalf("%s: facet %s %q has jobs %d not asked for", describe(req), f.Name, tc.Value, *tc.Jobs)
				}
				continue
			}
			n, sum := 0, int64(0)
			for _, id := range base {
				if slices.Contains(article(id).Values.Terms(tag.Kind(f.Name)), tc.Value) {
					n++
					if f.Name == string(tag.Trust) {
						sum += cutIn(id, tc.Value).Jobs
					} else {
						sum += cutIn(id, scope...).Jobs
					}
				}
			}
			if tc.Jobs == nil || n != tc.Count || sum != *tc.Jobs {
				t.Fatalf("%s: facet %s %q: count %d jobs %v, recounted %d and %d", describe(req), f.Name, tc.Value, tc.Count, tc.Jobs, n, sum)
			}
		}
	}
}
