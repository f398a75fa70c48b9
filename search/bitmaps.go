package search

import (
	"context"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
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
	var allow *roaring.Bitmap
	if len(active) > 0 {
		allow = roaring.FastAnd(append(active, set.Live())...)
	}

	rec := bits.Record(user, allow)
	main := bleve.NewSearchRequestOptions(rec.Query(), req.Size, req.From, false)
	main.Fields = s.hitFields
	main.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
	main.Highlight.AddField(index.FieldText)
	main.SortByCustom(s.sortOrder(req.Sort))
	res, err := s.run(ctx, main)
	if err != nil {
		return nil, true, err
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
	result.Facets = api.Facets{}
	for i, f := range s.facets {
		if !req.WantsFacet(f.name) {
			continue
		}
		key := "facet\x00" + facetKey(s.schema, req, f)
		if useCache {
			if v, ok := s.cache.get(key, gen); ok {
				s.cache.facetHits.Add(1)
				result.Facets = append(result.Facets, v.(api.Facet))
				continue
			}
			s.cache.facetMisses.Add(1)
		}
		within := []*roaring.Bitmap{matches}
		for j, fb := range filters {
			if j != i && fb != nil {
				within = append(within, fb)
			}
		}
		base := matches
		if len(within) > 1 {
			base = roaring.FastAnd(within...)
		}
		fc := countBits(set, f, base, req.FacetSize)
		if useCache {
			s.cache.put(key, gen, fc, facetSize(fc))
		}
		result.Facets = append(result.Facets, fc)
	}
	return result, true, nil
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

// countBits counts facet f over the articles in base, equal to what
// countsOf makes of bleve's facet over them: the size values with the
// highest counts of a name facet, every bucket of a numeric one. A small
// base is counted article by article, a large one value by value.
func countBits(set *bitmaps.Set, f facet, base *roaring.Bitmap, size int) api.Facet {
	values := set.Values(f.field)
	counts := map[string]int{}
	if n := base.GetCardinality(); n < uint64(len(values)) {
		it := base.Iterator()
		for it.HasNext() {
			if d := set.Doc(it.Next()); d != nil {
				for _, v := range d.Terms[f.field] {
					counts[v]++
				}
			}
		}
	} else {
		for v, b := range values {
			if c := base.AndCardinality(b); c > 0 {
				counts[v] = int(c)
			}
		}
	}
	if f.numeric {
		ranges := make([]api.RangeCount, len(f.buckets))
		for i, b := range f.buckets {
			ranges[i] = api.RangeCount{Key: b.Key, Label: b.Label, Min: b.Min, Max: b.Max, Count: counts[b.Key]}
		}
		return api.Facet{Name: f.name, Ranges: ranges}
	}
	top := make([]index.TermCount, 0, len(counts))
	for v, c := range counts {
		top = append(top, index.TermCount{Term: v, Count: c})
	}
	index.SortTerms(top)
	if size >= 0 && size < len(top) {
		top = top[:size]
	}
	terms := make([]api.TermCount, len(top))
	for i, t := range top {
		terms[i] = api.TermCount{Value: t.Term, Count: t.Count}
	}
	return api.Facet{Name: f.name, Terms: terms}
}
