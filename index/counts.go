package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index/schema"
)

// FacetCounts are the counts of every facet over all live documents of
// one state of the index: per facet field (schema.Schema.FacetFields), the
// number of documents holding each value, as bleve's term facet over a
// match-all query counts them. A FacetCounts is never changed once made,
// so it can be shared freely.
type FacetCounts struct {
	docs   uint64
	fields map[string]map[string]int

	// sorted holds each field's values in facet order, made by the first
	// Top of the field.
	mu     sync.Mutex
	sorted map[string][]TermCount
}

// TermCount is one value of a facet field and its count.
type TermCount struct {
	Term  string
	Count int
}

// Docs returns the number of live documents.
func (c *FacetCounts) Docs() uint64 { return c.docs }

// Count returns the number of documents holding value in field.
func (c *FacetCounts) Count(field, value string) int { return c.fields[field][value] }

// Top returns the size values of field with the highest counts, ordered
// as bleve's TermsFacetBuilder orders them (count descending, then term
// ascending), so that a facet built from it equals bleve's.
func (c *FacetCounts) Top(field string, size int) []TermCount {
	m, ok := c.fields[field]
	if !ok {
		return []TermCount{}
	}
	c.mu.Lock()
	all, ok := c.sorted[field]
	if !ok {
		all = sortCounts(m)
		if c.sorted == nil {
			c.sorted = map[string][]TermCount{}
		}
		c.sorted[field] = all
	}
	c.mu.Unlock()
	if size >= 0 && size < len(all) {
		all = all[:size]
	}
	return slices.Clone(all)
}

// sortCounts returns the values of m with their counts in facet order.
func sortCounts(m map[string]int) []TermCount {
	out := make([]TermCount, 0, len(m))
	for t, n := range m {
		out = append(out, TermCount{Term: t, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count == out[j].Count {
			return out[i].Term < out[j].Term
		}
		return out[i].Count > out[j].Count
	})
	return out
}

// docFacets are the facet values of one document: per field, each value
// once.
type docFacets map[string][]string

// countAll counts the facets of the kinds of s in every document of idx
// with one match-all search.
func countAll(ctx context.Context, idx bleve.Index, s *schema.Schema) (*FacetCounts, error) {
	n, err := idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("count facets: %w", err)
	}
	req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 0, 0, false)
	req.Score = "none"
	fields := s.FacetFields()
	for _, f := range fields {
		req.AddFacet(f, bleve.NewFacetRequest(f, math.MaxInt32))
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("count facets: %w", err)
	}
	c := &FacetCounts{docs: n, fields: make(map[string]map[string]int, len(fields))}
	for _, f := range fields {
		m := map[string]int{}
		if fr := res.Facets[f]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		c.fields[f] = m
	}
	return c, nil
}

// facetsOf reads the facet values of the kinds of s in the documents ids
// that idx holds (absent ones are left out) from their stored fields: the
// name kinds' values, the numeric kinds' bucket keys exactly as document
// derives them.
func facetsOf(ctx context.Context, idx bleve.Index, s *schema.Schema, ids []string) (map[string]docFacets, error) {
	out := make(map[string]docFacets, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	req.Score = "none"
	req.Fields = StoredFields(s)
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("read facet values: %w", err)
	}
	for _, h := range res.Hits {
		sum := SummaryOf(s, h.Fields)
		d := docFacets{}
		for _, k := range s.Kinds() {
			if k.Numeric {
				d[k.RangeField()] = k.BucketKeys(sum.Numbers(k.Kind))
			} else {
				d[k.Name()] = sum.Terms(k.Kind)
			}
		}
		out[h.ID] = d
	}
	return out, nil
}

// apply returns new counts: c without the documents in old and with those
// in new. c is left unchanged (only the fields touched are copied).
func (c *FacetCounts) apply(docs uint64, old, new map[string]docFacets) *FacetCounts {
	n := &FacetCounts{docs: docs, fields: make(map[string]map[string]int, len(c.fields))}
	for f, m := range c.fields {
		n.fields[f] = m
	}
	copied := map[string]bool{}
	add := func(d docFacets, delta int) {
		for f, vals := range d {
			if len(vals) == 0 {
				continue
			}
			if !copied[f] {
				m := make(map[string]int, len(n.fields[f])+len(vals))
				for k, v := range n.fields[f] {
					m[k] = v
				}
				n.fields[f] = m
				copied[f] = true
			}
			m := n.fields[f]
			for _, v := range vals {
				m[v] += delta
				if m[v] <= 0 {
					delete(m, v)
				}
			}
		}
	}
	for _, d := range old {
		add(d, -1)
	}
	for _, d := range new {
		add(d, +1)
	}
	return n
}

// countsSnap is a FacetCounts with the generation it belongs to.
type countsSnap struct {
	gen    uint64
	counts *FacetCounts
}

// MatchAllCounts returns the facet counts over all live documents and the
// generation (see Generation) they belong to, or (0, nil) when the Writer
// has none (no index, or a failed write left them unknown). A search that
// runs under generation g may use the counts only when gen == g; the
// counts are built at open and re-index and updated by every Put and
// Delete, so the first search after a write needs no full count.
func (w *Writer) MatchAllCounts() (gen uint64, counts *FacetCounts) {
	s := w.counts.Load()
	if s == nil {
		return 0, nil
	}
	return s.gen, s.counts
}
