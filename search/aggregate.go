package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// articleCut is what article d counts for in the sums of jobs at risk
// and savings: the jobs cut or at risk and the savings targets its cut
// events link to trusts (index.FieldJobsAtRisk and FieldSavings,
// tag.TrustCuts), or, for an article indexed before they were kept, its
// largest job count and no savings. The histogram's and the facets' sums
// add it once per article.
func articleCut(d *bitmaps.Doc) tag.TrustCut {
	if v := d.Numbers(index.FieldJobsAtRisk); len(v) > 0 {
		c := tag.TrustCut{Jobs: v[0]}
		if sv := d.Numbers(index.FieldSavings); len(sv) > 0 {
			c.SavingsGBP = sv[0]
		}
		return c
	}
	jobs, _ := largest(d.Numbers(api.FacetMetricJobs))
	return tag.TrustCut{Jobs: jobs}
}

// cutAt is what article d counts for at the trusts of scope (sorted): the
// jobs and savings its cut events link to them, or, for an article
// indexed before they were kept, articleCut. A trust's facet sum adds it
// for that trust, and a request filtered by trusts sums it for them, so
// that one trust is not given the cuts of another named beside it.
func cutAt(d *bitmaps.Doc, scope []string) tag.TrustCut {
	if len(d.Numbers(index.FieldJobsAtRisk)) == 0 {
		return articleCut(d)
	}
	var c tag.TrustCut
	for _, t := range d.TrustCuts {
		if _, in := slices.BinarySearch(scope, t.Trust); in {
			c.Jobs += t.Jobs
			c.SavingsGBP += t.SavingsGBP
		}
	}
	return c
}

// cutScope returns the trusts whose cuts req's sums count, sorted: those
// it filters by, or none for every trust.
func cutScope(req *api.Request) []string {
	scope := slices.Clone(req.Filters[string(tag.Trust)])
	slices.Sort(scope)
	return slices.Compact(scope)
}

// largest returns the largest of vals and whether there is one.
func largest(vals []int64) (int64, bool) {
	if len(vals) == 0 {
		return 0, false
	}
	return slices.Max(vals), true
}

// noMonth marks an article without a publication date in monthsOf.
const noMonth = math.MinInt32

// cutsOf returns articleCut of every article of set by number, made once
// per Set.
func cutsOf(set *bitmaps.Set) []tag.TrustCut {
	return set.Memo("search.cuts", func() any {
		out := make([]tag.TrustCut, set.Cap())
		it := set.Live().Iterator()
		for it.HasNext() {
			num := it.Next()
			out[num] = articleCut(set.Doc(num))
		}
		return out
	}).([]tag.TrustCut)
}

// cutOf returns what article num of set counts for within scope
// (cutScope: every trust when empty).
func cutOf(set *bitmaps.Set, cuts []tag.TrustCut, num uint32, scope []string) tag.TrustCut {
	if len(scope) == 0 {
		return cuts[num]
	}
	return cutAt(set.Doc(num), scope)
}

// monthsOf returns the month of publication of every article of set by
// number (year×12 + month−1, UTC; noMonth without a date), made once per
// Set.
func monthsOf(set *bitmaps.Set) []int32 {
	return set.Memo("search.months", func() any {
		out := make([]int32, set.Cap())
		for i := range out {
			out[i] = noMonth
		}
		it := set.Live().Iterator()
		for it.HasNext() {
			num := it.Next()
			if vals := set.Doc(num).Numbers(index.FieldPublished); len(vals) > 0 {
				t := time.Unix(0, vals[0]).UTC()
				out[num] = int32(t.Year()*12 + int(t.Month()) - 1)
			}
		}
		return out
	}).([]int32)
}

// dateBits returns the articles of set published within req's dates, or
// nil when req has none.
func dateBits(set *bitmaps.Set, req *api.Request) *roaring.Bitmap {
	if !req.Dated() {
		return nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !req.PublishedFrom.IsZero() {
		lo = req.PublishedFrom.UnixNano()
	}
	if !req.PublishedTo.IsZero() {
		hi = req.PublishedTo.UnixNano()
	}
	return set.RangeInt(index.FieldPublished, lo, hi)
}

// dateQuery returns req's publication-date filter for bleve, or nil: as
// dateBits matches, unscored like the facet filters.
func dateQuery(req *api.Request) query.Query {
	if !req.Dated() {
		return nil
	}
	t := true
	dq := query.NewDateRangeInclusiveQuery(req.PublishedFrom, req.PublishedTo, &t, &t)
	dq.SetField(index.FieldPublished)
	dq.SetBoost(0)
	return dq
}

// histogram counts the articles of matches per period of interval, with
// the sums of their jobs at risk and savings within scope (cutScope):
// every period from the earliest to the latest article's, in order (an
// empty slice when no article has a date).
func histogram(set *bitmaps.Set, matches *roaring.Bitmap, interval string, scope []string) []api.HistogramBucket {
	months, cuts := monthsOf(set), cutsOf(set)
	div := int32(1)
	switch interval {
	case api.HistogramQuarter:
		div = 3
	case api.HistogramYear:
		div = 12
	}
	type acc struct {
		n             int
		jobs, savings int64
	}
	per := map[int32]*acc{}
	lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
	buf := make([]uint32, 512)
	it := matches.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, num := range buf[:n] {
			m := months[num]
			if m == noMonth {
				continue
			}
			k := m / div
			a := per[k]
			if a == nil {
				a = &acc{}
				per[k] = a
				lo, hi = min(lo, k), max(hi, k)
			}
			c := cutOf(set, cuts, num, scope)
			a.n++
			a.jobs += c.Jobs
			a.savings += c.SavingsGBP
		}
	}
	out := []api.HistogramBucket{}
	for k := lo; k <= hi && len(per) > 0; k++ {
		m := int(k * div)
		b := api.HistogramBucket{Start: time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
		if a := per[k]; a != nil {
			b.Count, b.Jobs, b.SavingsGBP = a.n, a.jobs, a.savings
		}
		out = append(out, b)
	}
	return out
}

// withJobs returns terms (counted over base) with the sum of the jobs at
// risk of each value's articles in base: for a trust, the jobs they link
// to it; for any other value, their jobs within scope (cutScope).
func withJobs(set *bitmaps.Set, f facet, base *roaring.Bitmap, terms []api.TermCount, scope []string) []api.TermCount {
	cuts := cutsOf(set)
	out := make([]api.TermCount, len(terms))
	buf := make([]uint32, 512)
	for i, t := range terms {
		var sum int64
		it := roaring.And(base, set.Term(f.field, t.Value)).ManyIterator()
		for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
			for _, num := range buf[:n] {
				if f.name == string(tag.Trust) {
					sum += cutAt(set.Doc(num), []string{t.Value}).Jobs
				} else {
					sum += cutOf(set, cuts, num, scope).Jobs
				}
			}
		}
		out[i] = api.TermCount{Value: t.Value, Count: t.Count, Jobs: &sum}
	}
	return out
}

// aggregateBleve adds req's histogram and facet sums to res when the
// bitmaps of the search's generation are not known (a full disk, a write
// racing the search, or a Service without them): bleve finds every
// article the query matches within the dates, with the stored values the
// bitmaps would hold, and the same code as with the bitmaps aggregates a
// Set made of them. Slower than with the Writer's bitmaps, same numbers.
func (s *Service) aggregateBleve(ctx context.Context, req *api.Request, user query.Query, res *api.Result) error {
	var dated []query.Query
	if dq := dateQuery(req); dq != nil {
		dated = append(dated, dq)
	}
	hide, err := s.hideCopies(ctx, req)
	if err != nil {
		return err
	}
	q := combine(user, dated, hide)
	count := bleve.NewSearchRequestOptions(q, 0, 0, false)
	count.Score = "none"
	cr, err := s.run(ctx, count)
	if err != nil {
		return err
	}
	docs := make([]*bitmaps.Doc, 0, cr.Total)
	if cr.Total > 0 {
		all := bleve.NewSearchRequestOptions(q, int(cr.Total), 0, false)
		all.Score = "none"
		all.Fields = index.BitmapFields(s.schema)
		ar, err := s.run(ctx, all)
		if err != nil {
			return err
		}
		for _, h := range ar.Hits {
			docs = append(docs, index.BitmapDocOf(s.schema, h.ID, h.Fields))
		}
	}
	set := index.BuildSet(s.schema, docs)
	filters := make([]*roaring.Bitmap, len(s.facets))
	for i, f := range s.facets {
		filters[i] = filterBits(set, req, f)
	}
	if req.Histogram != "" {
		res.Histogram = histogram(set, within(set.Live(), filters, -1), req.Histogram, cutScope(req))
	}
	if req.FacetMetric != "" {
		res.Facets = s.sumTerms(req, set, set.Live(), filters, res.Facets)
	}
	return nil
}

// topByJobs returns the values of facet f over base with their counts and
// jobs sums (as withJobs sums them), the size with the largest sums
// (then the largest counts, then by value; size < 0: all). It visits every
// article of base once, adding to each of its values.
func topByJobs(set *bitmaps.Set, f facet, base *roaring.Bitmap, size int, scope []string) []api.TermCount {
	cuts := cutsOf(set)
	type acc struct {
		n    int
		jobs int64
	}
	per := map[string]*acc{}
	buf := make([]uint32, 512)
	it := base.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, num := range buf[:n] {
			d := set.Doc(num)
			if d == nil {
				continue
			}
			for _, v := range d.Terms(f.field) {
				a := per[v]
				if a == nil {
					a = &acc{}
					per[v] = a
				}
				a.n++
				if f.name == string(tag.Trust) {
					a.jobs += cutAt(d, []string{v}).Jobs
				} else {
					a.jobs += cutOf(set, cuts, num, scope).Jobs
				}
			}
		}
	}
	out := make([]api.TermCount, 0, len(per))
	for v, a := range per {
		out = append(out, api.TermCount{Value: v, Count: a.n, Jobs: &a.jobs})
	}
	slices.SortFunc(out, func(a, b api.TermCount) int {
		switch {
		case *a.Jobs != *b.Jobs:
			return cmp.Compare(*b.Jobs, *a.Jobs)
		case a.Count != b.Count:
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.Value, b.Value)
	})
	if size >= 0 && len(out) > size {
		out = out[:size]
	}
	return out
}

// sumTerms gives the term facets of out (counted over the articles of
// matches within filters, the i-th facet's own filter aside) their jobs
// sums, or, with facet_sort=jobs, replaces their values by those with the
// largest sums.
func (s *Service) sumTerms(req *api.Request, set *bitmaps.Set, matches *roaring.Bitmap, filters []*roaring.Bitmap, out api.Facets) api.Facets {
	out = slices.Clone(out)
	scope := cutScope(req)
	for i, f := range s.facets {
		for j := range out {
			if out[j].Name != f.name || f.numeric {
				continue
			}
			base := within(matches, filters, i)
			if req.FacetSort == api.FacetSortJobs {
				out[j].Terms = topByJobs(set, f, base, req.FacetSize, scope)
			} else {
				out[j].Terms = withJobs(set, f, base, out[j].Terms, scope)
			}
		}
	}
	return out
}

// within returns the articles of base that pass every filter but the
// except-th (nil filters are inactive).
func within(base *roaring.Bitmap, filters []*roaring.Bitmap, except int) *roaring.Bitmap {
	bs := []*roaring.Bitmap{base}
	for j, fb := range filters {
		if j != except && fb != nil {
			bs = append(bs, fb)
		}
	}
	if len(bs) == 1 {
		return base
	}
	return roaring.FastAnd(bs...)
}
