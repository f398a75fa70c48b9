package search

import (
	"container/heap"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/search/api"
)

// pageOf returns the numbers of the articles of within on the page [from,
// from+size) in the order bleve gives them for sort when they all score
// alike (a query without text): by the sort's value (an article's smallest
// value ascending, its largest descending, the publication time), those
// without one last, then by id.
func pageOf(set *bitmaps.Set, within *roaring.Bitmap, sort string, from, size int) []uint32 {
	n := int(within.GetCardinality())
	if from >= n || size <= 0 {
		return nil
	}
	end := min(from+size, n)
	if sort == "" || sort == api.SortRelevance {
		return pageByID(set, within, from, end)
	}
	if within.GetCardinality()*8 >= set.Len() {
		return pageByColumn(set, within, sort, from, end)
	}
	value := sortValue(sort)
	desc := strings.HasPrefix(sort, "-")
	less := func(a, b ranked) bool {
		if a.ok != b.ok {
			return a.ok
		}
		if a.ok && a.v != b.v {
			if desc {
				return a.v > b.v
			}
			return a.v < b.v
		}
		return set.Doc(a.num).ID < set.Doc(b.num).ID
	}
	// Keep the end best in a heap whose root is the worst of them.
	h := &worstFirst{less: less}
	it := within.Iterator()
	for it.HasNext() {
		num := it.Next()
		r := ranked{num: num}
		r.v, r.ok = value(set.Doc(num))
		switch {
		case len(h.items) < end:
			heap.Push(h, r)
		case less(r, h.items[0]):
			h.items[0] = r
			heap.Fix(h, 0)
		}
	}
	best := h.items
	slices.SortFunc(best, func(a, b ranked) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	out := make([]uint32, 0, end-from)
	for _, r := range best[from:end] {
		out = append(out, r.num)
	}
	return out
}

// pageByColumn returns the articles of within at places [from, end) in
// the order of sort, walking the sort field's column from the end it
// starts at: an article's first value met is its smallest (ascending) or
// largest (descending); articles of one value are put in id order, and
// those without a value follow in id order.
func pageByColumn(set *bitmaps.Set, within *roaring.Bitmap, sort string, from, end int) []uint32 {
	field, desc := sortField(sort)
	vals, nums := set.Column(field)
	at := func(t int) int {
		if desc {
			return len(vals) - 1 - t
		}
		return t
	}
	byID := func(a, b uint32) int { return strings.Compare(set.Doc(a).ID, set.Doc(b).ID) }
	seen := roaring.New()
	var out []uint32
	for t := 0; t < len(vals) && len(out) < end; {
		v := vals[at(t)]
		var group []uint32
		for ; t < len(vals) && vals[at(t)] == v; t++ {
			if num := nums[at(t)]; within.Contains(num) && seen.CheckedAdd(num) {
				group = append(group, num)
			}
		}
		slices.SortFunc(group, byID)
		out = append(out, group...)
	}
	for _, num := range set.ByID() {
		if len(out) >= end {
			break
		}
		if within.Contains(num) && len(set.Doc(num).Numbers(field)) == 0 {
			out = append(out, num)
		}
	}
	if from >= len(out) {
		return nil
	}
	return out[from:min(end, len(out))]
}

// pageByID returns the articles of within at places [from, end) in id
// order: a few are sorted, many are picked from the Set's id order.
func pageByID(set *bitmaps.Set, within *roaring.Bitmap, from, end int) []uint32 {
	if within.GetCardinality()*8 < set.Len() {
		nums := within.ToArray()
		slices.SortFunc(nums, func(a, b uint32) int { return strings.Compare(set.Doc(a).ID, set.Doc(b).ID) })
		return nums[from:end]
	}
	out := make([]uint32, 0, end-from)
	i := 0
	for _, num := range set.ByID() {
		if !within.Contains(num) {
			continue
		}
		if i >= from {
			out = append(out, num)
			if len(out) == end-from {
				break
			}
		}
		i++
	}
	return out
}

// sortValue returns the value an article is sorted by under a sort key
// other than relevance, and whether it has one.
func sortValue(sort string) func(*bitmaps.Doc) (int64, bool) {
	field, desc := sortField(sort)
	return func(d *bitmaps.Doc) (int64, bool) {
		vals := d.Numbers(field)
		if len(vals) == 0 {
			return 0, false
		}
		if desc {
			return slices.Max(vals), true
		}
		return slices.Min(vals), true
	}
}

// sortField returns the numeric field a sort key other than relevance
// orders by, and whether it is descending.
func sortField(sort string) (field string, desc bool) {
	field, desc = strings.CutPrefix(sort, "-")
	if field == api.SortPublished {
		field = index.FieldPublished
	}
	return field, desc
}

// ranked is an article with its sort value.
type ranked struct {
	num uint32
	v   int64
	ok  bool
}

// worstFirst is a heap of ranked articles whose root is the one that
// sorts last.
type worstFirst struct {
	items []ranked
	less  func(a, b ranked) bool
}

func (h *worstFirst) Len() int           { return len(h.items) }
func (h *worstFirst) Less(i, j int) bool { return h.less(h.items[j], h.items[i]) }
func (h *worstFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *worstFirst) Push(x any)         { h.items = append(h.items, x.(ranked)) }
func (h *worstFirst) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
