package search

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	htmlfmt "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/search/api"
)

// bitmapsFor returns the writer's bitmaps when they belong to the
// generation the search runs under (gen when it uses the cache, else the
// generation now, read before the search reads the index), else nil.
func (s *Service) bitmapsFor(gen uint64, useCache bool) *index.Bitmaps {
	if s.bitmaps == nil {
		return nil
	}
	if !useCache {
		gen = s.gen()
	}
	g, b := s.bitmaps()
	if b == nil || g != gen {
		return nil
	}
	return b
}

// searchBits runs req with the bitmaps of the index: bleve runs the text
// query once, for the ranked page of hits within the filters, and records
// all its matches; the filters, and every facet's counts (over the query
// and the other facets' filters), are bitmap algebra. It reports false
// when the bitmaps do not know every match (a write became visible to
// bleve after they were made): the caller then searches without them.
func (s *Service) searchBits(ctx context.Context, req *api.Request, user query.Query, gen uint64, useCache bool, bits *index.Bitmaps) (*api.Result, bool, error) {
	set := bits.Set
	filters := make([]*roaring.Bitmap, len(s.facets))
	var active []*roaring.Bitmap
	for i, f := range s.facets {
		filters[i] = filterBits(set, req, f)
		if filters[i] != nil {
			active = append(active, filters[i])
		}
	}
	visible := visibleBits(set, req)
	var allow *roaring.Bitmap
	switch {
	case len(active) > 0:
		allow = roaring.FastAnd(append(active, visible)...)
	case visible != set.Live():
		allow = visible
	}

	if _, all := user.(*query.MatchAllQuery); all {
		return s.searchAllBits(ctx, req, set, filters, allow, visible, gen, useCache)
	}
	// Every match is needed here, so phrases are checked without keeping
	// their positions; the page is highlighted afterwards.
	fast, phrases := fastPhrases(user)
	rec := bits.Record(fast, allow)
	main := bleve.NewSearchRequestOptions(s.rankTop(req, user, rec.Query()), req.Size, req.From, false)
	main.Fields = s.hitFields
	if !phrases {
		main.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
		main.Highlight.AddField(index.FieldText)
	}
	main.SortByCustom(s.sortOrder(req.Sort, rec.ByID()))
	res, err := s.run(ctx, main)
	if err != nil {
		return nil, true, err
	}
	if phrases {
		if err := s.highlightPage(ctx, user, res.Hits); err != nil {
			return nil, true, err
		}
	}
	matches, known := rec.Matches()
	if !known {
		return nil, false, nil
	}
	result := &api.Result{Total: res.Total, Hits: make([]api.Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		result.Hits = append(result.Hits, s.toHit(h))
	}
	if err := s.fillSnippets(ctx, result.Hits); err != nil {
		return nil, true, err
	}
	if complete, err := s.fillAlsoIn(ctx, set, result.Hits); err != nil || !complete {
		return nil, complete, err
	}
	if visible != set.Live() {
		matches = roaring.And(matches, visible)
	}
	result.Facets = s.facetsBits(req, set, matches, filters, gen, useCache)
	if req.Histogram != "" {
		result.Histogram = histogram(set, within(matches, filters, -1), req.Histogram, cutScope(req))
	}
	return result, true, nil
}

// searchAllBits answers a request without a text query (every visible
// article, within the filters) from the bitmaps alone: the total and
// facets by bitmap algebra, the page by the Set's order of ids or its
// columns, and bleve reads only the page's stored fields. Every article
// matches such a query with bleve's constant score, 1.
func (s *Service) searchAllBits(ctx context.Context, req *api.Request, set *bitmaps.Set, filters []*roaring.Bitmap, allow, visible *roaring.Bitmap, gen uint64, useCache bool) (*api.Result, bool, error) {
	within := visible
	if allow != nil {
		within = allow
	}
	page := pageOf(set, within, req.Sort, req.From, req.Size)
	result := &api.Result{Total: within.GetCardinality(), Hits: make([]api.Hit, 0, len(page))}
	if len(page) > 0 {
		ids := make([]string, len(page))
		for i, num := range page {
			ids[i] = set.Doc(num).ID
		}
		sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
		sr.Fields = s.hitFields
		sr.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
		sr.Highlight.AddField(index.FieldText)
		sr.Score = "none"
		res, err := s.run(ctx, sr)
		if err != nil {
			return nil, true, err
		}
		byID := make(map[string]*search.DocumentMatch, len(res.Hits))
		for _, h := range res.Hits {
			byID[h.ID] = h
		}
		for _, id := range ids {
			h, ok := byID[id]
			if !ok {
				// Deleted since the bitmaps were made: search without them.
				return nil, false, nil
			}
			h.Score = 1
			result.Hits = append(result.Hits, s.toHit(h))
		}
		if err := s.fillSnippets(ctx, result.Hits); err != nil {
			return nil, true, err
		}
		if complete, err := s.fillAlsoIn(ctx, set, result.Hits); err != nil || !complete {
			return nil, complete, err
		}
	}
	result.Facets = s.facetsBits(req, set, visible, filters, gen, useCache)
	if req.Histogram != "" {
		result.Histogram = histogram(set, within, req.Histogram, cutScope(req))
	}
	return result, true, nil
}

// facetsBits counts the facets req wants over the articles in matches
// that pass the filters of the other facets (disjunctive facets), taking
// counts from the cache when it has them for generation gen.
func (s *Service) facetsBits(req *api.Request, set *bitmaps.Set, matches *roaring.Bitmap, filters []*roaring.Bitmap, gen uint64, useCache bool) api.Facets {
	out := api.Facets{}
	for i, f := range s.facets {
		if !req.WantsFacet(f.name) {
			continue
		}
		key := "facet\x00" + facetKey(s.schema, req, f)
		if useCache {
			if v, ok := s.cache.get(key, gen); ok {
				s.cache.facetHits.Add(1)
				out = append(out, v.(api.Facet))
				continue
			}
			s.cache.facetMisses.Add(1)
		}
		fc := countBits(set, f, within(matches, filters, i), req.FacetSize)
		if useCache {
			s.cache.put(key, gen, fc, facetSize(fc))
		}
		out = append(out, fc)
	}
	if req.FacetMetric != "" {
		// The sums are not cached with the counts: the cache keeps
		// counts alone, which bleve's path makes too.
		out = s.sumTerms(req, set, matches, filters, out)
	}
	return out
}

// filterBits returns the articles that pass the filter of facet f in req,
// or nil when it is inactive: as filterQuery matches them.
func filterBits(set *bitmaps.Set, req *api.Request, f facet) *roaring.Bitmap {
	if f.numeric {
		r := req.Ranges[f.name]
		if !r.Active() {
			return nil
		}
		return set.Range(f.name, r.Min, r.Max)
	}
	vals := req.ActiveFilters(f.name)
	if len(vals) == 0 {
		return nil
	}
	bs := make([]*roaring.Bitmap, len(vals))
	for i, v := range vals {
		bs[i] = set.Term(f.name, v)
	}
	return roaring.FastOr(bs...)
}

// manyValues is the number of values of a facet field above which a
// large set of articles is counted by walking the articles (Ordinals)
// rather than by one intersection a value: for a field of 17 unions the
// intersections are quicker, for 25,000 people's names the walk is (the
// person facet of union=Unison, 37% of 100,000 articles: 10 ms by
// intersections). Both ways count the same (tests change it to make
// sure).
var manyValues atomic.Int64

func init() { manyValues.Store(64) }

// countBits counts facet f over the articles in base, equal to what
// countsOf makes of bleve's facet over them: the size values with the
// highest counts of a name facet, every bucket of a numeric one. A base
// smaller than the field's values is counted article by article in a map;
// a large one by walking its articles' value numbers when the field has
// many values and the base is not most articles, else value by value.
func countBits(set *bitmaps.Set, f facet, base *roaring.Bitmap, size int) api.Facet {
	values := set.Values(f.field)
	if f.numeric {
		ranges := make([]api.RangeCount, len(f.buckets))
		for i, b := range f.buckets {
			n := 0
			if bm := values[b.Key]; bm != nil {
				n = int(base.AndCardinality(bm))
			}
			ranges[i] = api.RangeCount{Key: b.Key, Label: b.Label, Min: b.Min, Max: b.Max, Count: n}
		}
		return api.Facet{Name: f.name, Ranges: ranges}
	}
	top := topTerms{size: size}
	switch n := base.GetCardinality(); {
	case n < uint64(len(values)):
		counts := map[string]int{}
		it := base.Iterator()
		for it.HasNext() {
			if d := set.Doc(it.Next()); d != nil {
				for _, v := range d.Terms(f.field) {
					counts[v]++
				}
			}
		}
		for v, n := range counts {
			top.add(v, n)
		}
	case int64(len(values)) > manyValues.Load() && n <= set.Len()/2:
		// Many values and many articles, but not most: walk the
		// articles. (Over most of them, counts are near the values'
		// counts over all, and value by value stops early.)
		byCount := set.ByCount(f.field)
		counts := make([]uint32, len(byCount))
		set.Ordinals(f.field).Count(base, counts)
		for ord, vc := range byCount {
			if top.full() && vc.Count < uint64(top.min()) {
				break // neither this value nor a rarer one can enter
			}
			if counts[ord] > 0 {
				top.add(vc.Value, int(counts[ord]))
			}
		}
	default:
		for _, vc := range set.ByCount(f.field) {
			if top.full() && vc.Count < uint64(top.min()) {
				break // neither this value nor a rarer one can enter
			}
			if n := int(base.AndCardinality(vc.Bitmap)); n > 0 {
				top.add(vc.Value, n)
			}
		}
	}
	terms := make([]api.TermCount, len(top.terms))
	for i, t := range top.terms {
		terms[i] = api.TermCount{Value: t.Term, Count: t.Count}
	}
	return api.Facet{Name: f.name, Terms: terms}
}

// topTerms keeps the size values with the highest counts, in bleve's
// facet order (count descending, then value ascending).
type topTerms struct {
	size  int
	terms []index.TermCount
}

func (t *topTerms) full() bool { return t.size >= 0 && len(t.terms) >= t.size }

// min is the lowest count kept.
func (t *topTerms) min() int { return t.terms[len(t.terms)-1].Count }

func before(a, b index.TermCount) bool {
	return a.Count > b.Count || a.Count == b.Count && a.Term < b.Term
}

func (t *topTerms) add(v string, n int) {
	c := index.TermCount{Term: v, Count: n}
	if t.size == 0 || t.full() && !before(c, t.terms[len(t.terms)-1]) {
		return
	}
	i, _ := slices.BinarySearchFunc(t.terms, c, func(x, y index.TermCount) int {
		if before(x, y) {
			return -1
		}
		return 1
	})
	t.terms = slices.Insert(t.terms, i, c)
	if t.size >= 0 && len(t.terms) > t.size {
		t.terms = t.terms[:t.size]
	}
}

// matchesBits is Matches with the bitmaps: the ids and the filters narrow
// the candidates by bitmap algebra, a request without text is answered
// from them alone, and bleve matches the text among the candidates only.
func (s *Service) matchesBits(ctx context.Context, req *api.Request, user query.Query, ids []string, limit int, bits *index.Bitmaps) ([]string, error) {
	set := bits.Set
	within := set.Live()
	only := func(list []string) {
		b := roaring.New()
		for _, id := range list {
			if num, ok := set.Numbering().Num(id); ok {
				b.Add(num)
			}
		}
		within = roaring.And(within, b)
	}
	if len(req.IDs) > 0 {
		only(req.IDs)
	}
	if len(ids) > 0 {
		only(ids)
	}
	for _, f := range s.facets {
		if fb := filterBits(set, req, f); fb != nil {
			within = roaring.And(within, fb)
		}
	}
	if dated := dateBits(set, req); dated != nil {
		within = roaring.And(within, dated)
	}
	if within.IsEmpty() {
		return nil, nil
	}
	cands := make([]string, 0, within.GetCardinality())
	it := within.Iterator()
	for it.HasNext() {
		cands = append(cands, set.Doc(it.Next()).ID)
	}
	if _, all := user.(*query.MatchAllQuery); !all {
		sr := bleve.NewSearchRequestOptions(onlyIDs(user, cands), limit, 0, false)
		sr.Score = "none"
		ctx, cancel := context.WithTimeout(ctx, s.timeout())
		defer cancel()
		res, err := s.run(ctx, sr)
		if err != nil {
			return nil, err
		}
		cands = cands[:0]
		for _, h := range res.Hits {
			cands = append(cands, h.ID)
		}
	}
	slices.Sort(cands)
	if len(cands) > limit {
		cands = cands[:limit]
	}
	return cands, nil
}

// highlightPage gives hits, found with fastPhrases(q), the text fragments
// bleve's own searcher of q would have given them: q is searched again
// within the page's articles only, with the highlighter.
func (s *Service) highlightPage(ctx context.Context, q query.Query, hits search.DocumentMatchCollection) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	sr := bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), q}), len(ids), 0, false)
	sr.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
	sr.Highlight.AddField(index.FieldText)
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		return err
	}
	frags := make(map[string]search.FieldFragmentMap, len(res.Hits))
	for _, h := range res.Hits {
		frags[h.ID] = h.Fragments
	}
	for _, h := range hits {
		h.Fragments = frags[h.ID]
	}
	return nil
}
