package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// bitmapDoc is what the bitmaps keep of article a with the values sum:
// its facet values (a name kind's values, a numeric kind's bucket keys),
// its numbers, its publication time and its sketch, as document indexes
// them.
func bitmapDoc(s *schema.Schema, a api.Article, sum schema.Summary) *bitmaps.Doc {
	d := &bitmaps.Doc{ID: a.ID, Terms: map[string][]string{}, Numbers: map[string][]int64{}}
	if sk, ok := minhash.Of(a.Title, a.Text); ok {
		d.Sketch = &sk
	}
	published := a.Published
	for _, k := range s.Kinds() {
		if !k.Numeric {
			if vals := sum.Terms(k.Kind); len(vals) > 0 {
				d.Terms[k.Name()] = vals
			}
			continue
		}
		nums := sum.Numbers(k.Kind)
		if len(nums) == 0 {
			continue
		}
		d.Numbers[k.Name()] = nums
		d.Terms[k.RangeField()] = k.BucketKeys(nums)
	}
	if !published.IsZero() {
		d.Numbers[FieldPublished] = []int64{published.UnixNano()}
	}
	return d
}

// readSet reads every live document of idx into a Set numbered by nums,
// from the doc values of the fields the Set keeps, segment by segment:
// what bleve's facets visit for every hit, visited once. It also returns
// how many documents have no sketch: written before sketches were kept
// (until a re-index they are never near-duplicates), or without words.
func readSet(ctx context.Context, idx bleve.Index, s *schema.Schema, nums *bitmaps.Numbering) (*bitmaps.Set, int, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, 0, fmt.Errorf("read facet values: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("read facet values: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, 0, fmt.Errorf("read facet values: index reader %T is not scorch's", r)
	}
	kinds := map[string]schema.Kind{}
	terms := map[string]bool{}
	var fields []string
	for _, k := range s.Kinds() {
		kinds[k.Name()] = k
		fields = append(fields, k.Name())
		if k.Numeric {
			terms[k.RangeField()] = true
			fields = append(fields, k.RangeField())
		} else {
			terms[k.Name()] = true
		}
	}
	fields = append(fields, FieldPublished, FieldSketch)
	dvr, err := snap.DocValueReader(fields)
	if err != nil {
		return nil, 0, fmt.Errorf("read facet values: %w", err)
	}

	var docs []*bitmaps.Doc
	var base uint64
	unsketched := 0
	internal := make(bindex.IndexInternalID, 8)
	for _, ss := range snap.Segments() {
		n := ss.Segment().Count()
		deleted := ss.Deleted()
		for local := range n {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
			if deleted != nil && deleted.Contains(uint32(local)) {
				continue
			}
			id, err := ss.DocID(local)
			if err != nil {
				return nil, 0, fmt.Errorf("read facet values: document %d: %w", local, err)
			}
			d := &bitmaps.Doc{ID: string(id), Terms: map[string][]string{}, Numbers: map[string][]int64{}}
			binary.BigEndian.PutUint64(internal, base+local)
			err = dvr.VisitDocValues(internal, func(field string, term []byte) {
				switch {
				case terms[field]:
					v := string(term)
					if !slices.Contains(d.Terms[field], v) {
						d.Terms[field] = append(d.Terms[field], v)
					}
				case field == FieldSketch:
					if sk, err := minhash.Parse(string(term)); err == nil {
						d.Sketch = &sk
					}
				case field == FieldPublished:
					if v, ok := fullPrecision(term); ok {
						d.Numbers[field] = []int64{v}
					}
				default:
					if v, ok := fullPrecision(term); ok {
						d.Numbers[field] = append(d.Numbers[field], int64(numeric.Int64ToFloat64(v)))
					}
				}
			})
			if err != nil {
				return nil, 0, fmt.Errorf("read facet values of %q: %w", id, err)
			}
			if d.Sketch == nil {
				unsketched++
			}
			docs = append(docs, d)
		}
		base += n
	}
	return bitmaps.Build(nums, s.FacetFields(), docs), unsketched, nil
}

// fullPrecision decodes a numeric doc value term written at full
// precision (shift 0); bleve also indexes lower-precision prefixes of each
// number for ranges, which are skipped.
func fullPrecision(term []byte) (int64, bool) {
	pc := numeric.PrefixCoded(term)
	if shift, err := pc.Shift(); err != nil || shift != 0 {
		return 0, false
	}
	v, err := pc.Int64()
	return v, err == nil
}
