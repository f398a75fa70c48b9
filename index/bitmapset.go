package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// cuts is what an article says trusts cut (tag.TrustCuts).
type cuts struct {
	per   []tag.TrustCut
	total tag.TrustCut
}

// bitmapDoc is what the bitmaps keep of article a with the values sum and
// the cuts c (nil: unknown, for an article indexed before they were
// kept): its facet values (a name kind's values, a numeric kind's bucket
// keys), its numbers, its publication time, its cuts and its sketch, as
// document indexes them.
func bitmapDoc(s *schema.Schema, a api.Article, sum schema.Summary, c *cuts) *bitmaps.Doc {
	d := &bitmaps.Doc{ID: a.ID}
	if c != nil {
		d.SetNumbers(FieldJobsAtRisk, []int64{c.total.Jobs})
		d.SetNumbers(FieldSavings, []int64{c.total.SavingsGBP})
		d.TrustCuts = c.per
	}
	if sk, ok := minhash.Of(a.Title, a.Text); ok {
		d.Sketch = &sk
	}
	published := a.Published
	for _, k := range s.Kinds() {
		if !k.Numeric {
			if vals := sum.Terms(k.Kind); len(vals) > 0 {
				d.SetTerms(k.Name(), vals)
			}
			continue
		}
		nums := sum.Numbers(k.Kind)
		if len(nums) == 0 {
			continue
		}
		d.SetNumbers(k.Name(), nums)
		d.SetTerms(k.RangeField(), k.BucketKeys(nums))
	}
	if !published.IsZero() {
		d.SetNumbers(FieldPublished, []int64{published.UnixNano()})
	}
	return d
}

// readSet reads every live document of idx into a Set numbered by nums,
// from the doc values of the fields the Set keeps, segment by segment:
// what bleve's facets visit for every hit, visited once. It also returns
// what it found missing (readGaps).
func readSet(ctx context.Context, idx bleve.Index, s *schema.Schema, nums *bitmaps.Numbering) (*bitmaps.Set, readGaps, error) {
	var gaps readGaps
	adv, err := idx.Advanced()
	if err != nil {
		return nil, gaps, fmt.Errorf("read facet values: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, gaps, fmt.Errorf("read facet values: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, gaps, fmt.Errorf("read facet values: index reader %T is not scorch's", r)
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
	fields = append(fields, FieldPublished, FieldSketch, FieldJobsAtRisk, FieldSavings, FieldTrustCuts)
	dvr, err := snap.DocValueReader(fields)
	if err != nil {
		return nil, gaps, fmt.Errorf("read facet values: %w", err)
	}

	// One string for each value (a trust's name in 1,000 articles is read
	// 1,000 times); Build then shares them with the bitmaps' keys.
	strs := map[string]string{}
	intern := func(b []byte) string {
		if v, ok := strs[string(b)]; ok {
			return v
		}
		v := string(b)
		strs[v] = v
		return v
	}
	var docs []*bitmaps.Doc
	var base uint64
	internal := make(bindex.IndexInternalID, 8)
	for _, ss := range snap.Segments() {
		n := ss.Segment().Count()
		deleted := ss.Deleted()
		ids := make([]string, n)
		if err := segmentIDs(ss, deleted, func(local uint64, id string) { ids[local] = id }); err != nil {
			return nil, gaps, fmt.Errorf("read facet values: %w", err)
		}
		for local := range n {
			if err := ctx.Err(); err != nil {
				return nil, gaps, err
			}
			if deleted != nil && deleted.Contains(uint32(local)) {
				continue
			}
			id := ids[local]
			if id == "" {
				return nil, gaps, fmt.Errorf("read facet values: document %d of segment %d has no id", local, ss.Id())
			}
			d := &bitmaps.Doc{ID: id}
			binary.BigEndian.PutUint64(internal, base+local)
			err = dvr.VisitDocValues(internal, func(field string, term []byte) {
				switch {
				case terms[field]:
					d.AddTerm(field, intern(term))
				case field == FieldTrustCuts:
					if c, ok := ParseTrustCut(string(term)); ok {
						d.TrustCuts = append(d.TrustCuts, c)
					}
				case field == FieldSketch:
					if sk, err := minhash.Parse(string(term)); err == nil {
						d.Sketch = &sk
					}
				case field == FieldPublished:
					if v, ok := fullPrecision(term); ok {
						d.SetNumbers(field, []int64{v})
					}
				default:
					if v, ok := fullPrecision(term); ok {
						d.AddNumber(field, int64(numeric.Int64ToFloat64(v)))
					}
				}
			})
			if err != nil {
				return nil, gaps, fmt.Errorf("read facet values of %q: %w", id, err)
			}
			if d.Sketch == nil {
				gaps.unsketched++
			}
			if d.Numbers(FieldJobsAtRisk) == nil {
				gaps.noJobs++
			}
			docs = append(docs, d)
		}
		base += n
	}
	return bitmaps.Build(nums, s.FacetFields(), docs), gaps, nil
}

// readGaps counts the documents readSet found without a value the
// bitmaps use.
type readGaps struct {
	// unsketched have no sketch: written before sketches were kept (until
	// a re-index they are never near-duplicates), or without words.
	unsketched int
	// noJobs have no jobs at risk: written before cut events were kept;
	// until a re-index they count for their largest job count.
	noJobs int
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

// BitmapDocOf is what the bitmaps keep of an article read from its stored
// fields (a search hit asking for StoredFields and FieldPublished): the
// same Doc the Writer's bitmaps hold for it. A search whose generation has
// no bitmaps builds a Set of its matches from these.
func BitmapDocOf(s *schema.Schema, id string, fields map[string]any) *bitmaps.Doc {
	var published time.Time
	if p := FirstString(fields[FieldPublished]); p != "" {
		if t, err := time.Parse(time.RFC3339Nano, p); err == nil {
			published = t
		}
	}
	var c *cuts
	if v, ok := fields[FieldJobsAtRisk].(float64); ok {
		c = &cuts{total: tag.TrustCut{Jobs: int64(v)}}
		if v, ok := fields[FieldSavings].(float64); ok {
			c.total.SavingsGBP = int64(v)
		}
		terms, ok := fields[FieldTrustCuts].([]any)
		if !ok && fields[FieldTrustCuts] != nil {
			terms = []any{fields[FieldTrustCuts]}
		}
		for _, t := range terms {
			if t, ok := t.(string); ok {
				if tc, ok := ParseTrustCut(t); ok {
					c.per = append(c.per, tc)
				}
			}
		}
		slices.SortFunc(c.per, func(a, b tag.TrustCut) int { return strings.Compare(a.Trust, b.Trust) })
	}
	// No text: no sketch, which only the stories need.
	return bitmapDoc(s, api.Article{ID: id, Published: published}, SummaryOf(s, fields), c)
}

// BitmapFields are the stored fields BitmapDocOf reads.
func BitmapFields(s *schema.Schema) []string {
	return append(StoredFields(s), FieldPublished, FieldJobsAtRisk, FieldSavings, FieldTrustCuts)
}

// BuildSet returns a Set of docs (ids all different) with the facet
// fields of s, numbered afresh.
func BuildSet(s *schema.Schema, docs []*bitmaps.Doc) *bitmaps.Set {
	return bitmaps.Build(bitmaps.NewNumbering(), s.FacetFields(), docs)
}
