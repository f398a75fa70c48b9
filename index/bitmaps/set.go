package bitmaps

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/cutwatch/cutwatch/index/minhash"
)

// Numbering gives each article id a dense number, the same for every Set
// of one index, and never gives a number to another id: an article deleted
// and written again keeps its number. It is safe for concurrent use.
type Numbering struct {
	mu  sync.RWMutex
	ids []string
	num map[string]uint32
}

// NewNumbering returns a Numbering that has given no number yet.
func NewNumbering() *Numbering { return &Numbering{num: map[string]uint32{}} }

// Num returns the number of id, if it has one.
func (n *Numbering) Num(id string) (uint32, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	v, ok := n.num[id]
	return v, ok
}

// ID returns the id numbered num ("" if none).
func (n *Numbering) ID(num uint32) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if int(num) >= len(n.ids) {
		return ""
	}
	return n.ids[num]
}

// Len returns how many numbers were given.
func (n *Numbering) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.ids)
}

// Assign returns the number of id, giving it the next one if it has none.
func (n *Numbering) Assign(id string) uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if v, ok := n.num[id]; ok {
		return v
	}
	v := uint32(len(n.ids))
	n.ids = append(n.ids, id)
	n.num[id] = v
	return v
}

// Set is the facet values and numbers of every live article of one state
// of an index. It is never changed once made (Apply makes a new one), so
// it can be read from many goroutines; the bitmaps it returns must not be
// changed.
type Set struct {
	nums  *Numbering
	live  *roaring.Bitmap
	terms map[string]map[string]*roaring.Bitmap
	docs  []*Doc // by number; nil where no live article has it

	// byID holds the live articles' numbers in the order of their ids.
	byID []uint32

	// Stories of near-duplicates (story.go): each article's story by
	// number (nil: none), the articles that are not the first of theirs,
	// and the index of sketches' bands shared with the Sets made from
	// this one.
	story  []*story
	copies *roaring.Bitmap
	bands  *bandIndex
	// strs holds one copy of the field names and values of every Doc,
	// shared like bands.
	strs *stringTable

	// Made on first use and then kept, like the Set, unchanged.
	colMu   sync.Mutex
	cols    map[string]*column
	countMu sync.Mutex
	counted map[string][]ValueCount
	memoMu  sync.Mutex
	memo    map[string]any
}

// Memo returns the value kept under key for this Set, made by make on
// first use: for what callers derive from a Set (columns of values by
// article number) and keep as long as the Set lives. make runs at most
// once per key; the value must not be changed.
func (s *Set) Memo(key string, make func() any) any {
	s.memoMu.Lock()
	defer s.memoMu.Unlock()
	if v, ok := s.memo[key]; ok {
		return v
	}
	v := make()
	if s.memo == nil {
		s.memo = map[string]any{}
	}
	s.memo[key] = v
	return v
}

// Cap returns one more than the highest article number the Set may hold:
// the length of a slice indexed by article number.
func (s *Set) Cap() int { return len(s.docs) }

// New returns a Set without articles whose term fields are fields.
func New(nums *Numbering, fields []string) *Set {
	s := &Set{nums: nums, live: roaring.New(), terms: make(map[string]map[string]*roaring.Bitmap, len(fields)),
		copies: roaring.New(), bands: newBandIndex(), strs: newStringTable()}
	for _, f := range fields {
		s.terms[f] = map[string]*roaring.Bitmap{}
	}
	return s
}

// BitmapBytes returns the serialized size of the Set's bitmaps (every
// value's, the live articles' and the copies'): about what they hold in
// memory, without the per-article documents and columns.
func (s *Set) BitmapBytes() uint64 {
	n := s.live.GetSizeInBytes() + s.copies.GetSizeInBytes()
	for _, vals := range s.terms {
		for _, b := range vals {
			n += b.GetSizeInBytes()
		}
	}
	return n
}

// Numbering returns the numbering of the Set's articles.
func (s *Set) Numbering() *Numbering { return s.nums }

// Len returns the number of live articles.
func (s *Set) Len() uint64 { return s.live.GetCardinality() }

// Live returns the numbers of the live articles.
func (s *Set) Live() *roaring.Bitmap { return s.live }

// Doc returns the article numbered num, or nil when none is live.
func (s *Set) Doc(num uint32) *Doc {
	if int(num) >= len(s.docs) {
		return nil
	}
	return s.docs[num]
}

// Fields returns the term fields.
func (s *Set) Fields() []string {
	out := make([]string, 0, len(s.terms))
	for f := range s.terms {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Values returns the bitmap of each value of field (nil for an unknown
// field). Neither the map nor the bitmaps may be changed.
func (s *Set) Values(field string) map[string]*roaring.Bitmap { return s.terms[field] }

// Term returns the articles holding value in field (empty if none).
func (s *Set) Term(field, value string) *roaring.Bitmap {
	if b := s.terms[field][value]; b != nil {
		return b
	}
	return roaring.New()
}

// Apply returns the Set after a write that stored the articles put
// (replacing any with the same id; the last of one id wins) and deleted
// the ids deleted. s is unchanged: the new Set shares every bitmap the
// write did not touch. Apply must be called on the newest Set of its
// line (the one Build made, or the last Apply returned): they share the
// index of sketches that links stories, which holds the newest sketch of
// each article.
func (s *Set) Apply(put []*Doc, deleted []string) *Set {
	n := &Set{nums: s.nums, live: s.live.Clone(), terms: make(map[string]map[string]*roaring.Bitmap, len(s.terms)),
		copies: s.copies.Clone(), bands: s.bands, strs: s.strs}
	for f, m := range s.terms {
		n.terms[f] = m
	}
	copiedField := map[string]bool{}
	cloned := map[*roaring.Bitmap]bool{}
	mut := func(f, v string) *roaring.Bitmap {
		m, ok := n.terms[f]
		if !ok {
			m = map[string]*roaring.Bitmap{}
			n.terms[f] = m
			copiedField[f] = true
		}
		if !copiedField[f] {
			m = make(map[string]*roaring.Bitmap, len(m)+1)
			for k, b := range n.terms[f] {
				m[k] = b
			}
			n.terms[f] = m
			copiedField[f] = true
		}
		b := m[v]
		switch {
		case b == nil:
			b = roaring.New()
			m[v] = b
			cloned[b] = true
		case !cloned[b]:
			b = b.Clone()
			m[v] = b
			cloned[b] = true
		}
		return b
	}

	wasLive := s.live
	maxNum := len(s.docs)
	nums := make([]uint32, len(put))
	for i, d := range put {
		nums[i] = s.nums.Assign(d.ID)
		maxNum = max(maxNum, int(nums[i])+1)
	}
	n.docs = make([]*Doc, maxNum)
	copy(n.docs, s.docs)
	n.story = make([]*story, maxNum)
	copy(n.story, s.story)
	// The articles whose story may change: those written or deleted and
	// the members of their stories before and after the write.
	affected := roaring.New()
	addStory := func(num uint32) {
		affected.Add(num)
		for _, m := range s.Story(num) {
			affected.Add(m)
		}
	}

	remove := func(num uint32) {
		old := n.docs[num]
		if old == nil {
			return
		}
		for f, vals := range old.AllTerms() {
			for _, v := range vals {
				b := mut(f, v)
				b.Remove(num)
				if b.IsEmpty() {
					delete(n.terms[f], v)
				}
			}
		}
		n.docs[num] = nil
		n.live.Remove(num)
	}
	for _, id := range deleted {
		if num, ok := s.nums.Num(id); ok {
			addStory(num)
			remove(num)
		}
	}
	for i, d := range put {
		num := nums[i]
		addStory(num)
		remove(num)
		d.compact(n.strs.intern)
		for f, vals := range d.AllTerms() {
			for _, v := range vals {
				mut(f, v).Add(num)
			}
		}
		n.docs[num] = d
		n.live.Add(num)
		n.bands.add(num, d.Sketch)
	}
	for i := range put {
		n.near(nums[i], false, addStory)
	}
	n.linkStories(affected, false)
	for b := range cloned {
		b.RunOptimize()
	}
	n.live.RunOptimize()
	n.byID = n.mergeByID(s.byID, wasLive)
	return n
}

// mergeByID returns the live numbers of s in id order from those of the
// Set before the write (old, whose live numbers were wasLive): without
// the ones no longer live, with the new ones put in their place. An
// article written again keeps its number and id, so its place.
func (s *Set) mergeByID(old []uint32, wasLive *roaring.Bitmap) []uint32 {
	added := roaring.AndNot(s.live, wasLive).ToArray()
	less := func(a, b uint32) int { return strings.Compare(s.docs[a].ID, s.docs[b].ID) }
	slices.SortFunc(added, less)
	out := make([]uint32, 0, s.live.GetCardinality())
	i := 0
	for _, num := range old {
		if !s.live.Contains(num) {
			continue
		}
		for i < len(added) && less(added[i], num) < 0 {
			out = append(out, added[i])
			i++
		}
		out = append(out, num)
	}
	return append(out, added[i:]...)
}

// ByID returns the numbers of the live articles in the order of their ids
// (bleve's order of equal scores). It must not be changed.
func (s *Set) ByID() []uint32 { return s.byID }

// ValueCount is one value of a term field, its articles and their number.
type ValueCount struct {
	Value  string
	Bitmap *roaring.Bitmap
	Count  uint64
}

// ByCount returns the values of field with their articles, the most
// frequent first (then by value), so that a top-k count can stop at the
// first value too rare to enter it. It must not be changed.
func (s *Set) ByCount(field string) []ValueCount {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	if vc, ok := s.counted[field]; ok {
		return vc
	}
	m := s.terms[field]
	vc := make([]ValueCount, 0, len(m))
	for v, b := range m {
		vc = append(vc, ValueCount{Value: v, Bitmap: b, Count: b.GetCardinality()})
	}
	slices.SortFunc(vc, func(a, b ValueCount) int {
		switch {
		case a.Count > b.Count:
			return -1
		case a.Count < b.Count:
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	if s.counted == nil {
		s.counted = map[string][]ValueCount{}
	}
	s.counted[field] = vc
	return vc
}

// column is one numeric field's values of every live article, sorted, for
// ranges.
type column struct {
	vals []int64
	nums []uint32
}

// Column returns every value of the numeric field with its article, in
// ascending order of value, then number. It must not be changed.
func (s *Set) Column(field string) (vals []int64, nums []uint32) {
	c := s.column(field)
	return c.vals, c.nums
}

func (s *Set) column(field string) *column {
	s.colMu.Lock()
	defer s.colMu.Unlock()
	if c, ok := s.cols[field]; ok {
		return c
	}
	type pair struct {
		v int64
		n uint32
	}
	var ps []pair
	it := s.live.Iterator()
	for it.HasNext() {
		num := it.Next()
		for _, v := range s.docs[num].Numbers(field) {
			ps = append(ps, pair{v, num})
		}
	}
	slices.SortFunc(ps, func(a, b pair) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return int(a.n) - int(b.n)
	})
	c := &column{vals: make([]int64, len(ps)), nums: make([]uint32, len(ps))}
	for i, p := range ps {
		c.vals[i], c.nums[i] = p.v, p.n
	}
	if s.cols == nil {
		s.cols = map[string]*column{}
	}
	s.cols[field] = c
	return c
}

// Range returns the articles with a value of the numeric field within
// [min, max] (either bound may be nil: open), as bleve's inclusive numeric
// range query matches them.
func (s *Set) Range(field string, min, max *float64) *roaring.Bitmap {
	c := s.column(field)
	lo, hi := 0, len(c.vals)
	if min != nil {
		m := *min
		lo = sort.Search(len(c.vals), func(i int) bool { return float64(c.vals[i]) >= m })
	}
	if max != nil {
		m := *max
		hi = sort.Search(len(c.vals), func(i int) bool { return float64(c.vals[i]) > m })
	}
	return s.rangeOf(c, lo, hi)
}

// RangeInt returns the articles with a value of the numeric field within
// [min, max], compared exactly as whole numbers: for dates (Unix
// nanoseconds), which a float64 cannot hold exactly.
func (s *Set) RangeInt(field string, min, max int64) *roaring.Bitmap {
	c := s.column(field)
	lo := sort.Search(len(c.vals), func(i int) bool { return c.vals[i] >= min })
	hi := sort.Search(len(c.vals), func(i int) bool { return c.vals[i] > max })
	return s.rangeOf(c, lo, hi)
}

// rangeOf returns the articles of the column's values [lo, hi).
func (s *Set) rangeOf(c *column, lo, hi int) *roaring.Bitmap {
	if lo >= hi {
		return roaring.New()
	}
	// The numbers come in the order of their values: mark them in a plain
	// bit set and make the bitmap from it in one pass.
	words := make([]uint64, (len(s.docs)+63)/64)
	for _, num := range c.nums[lo:hi] {
		words[num/64] |= 1 << (num % 64)
	}
	return roaring.FromDense(words, false)
}

// Build returns the Set of docs (ids all different) numbered by nums, with
// term fields fields: what New(nums, fields).Apply(docs, nil) returns,
// made faster for a whole index.
func Build(nums *Numbering, fields []string, docs []*Doc) *Set {
	s := New(nums, fields)
	lists := map[string]map[string][]uint32{}
	for _, d := range docs {
		num := nums.Assign(d.ID)
		if int(num) >= len(s.docs) {
			s.docs = append(s.docs, make([]*Doc, int(num)+1-len(s.docs))...)
		}
		s.docs[num] = d
		d.compact(s.strs.intern)
		for f, vals := range d.AllTerms() {
			m := lists[f]
			if m == nil {
				m = map[string][]uint32{}
				lists[f] = m
			}
			for _, v := range vals {
				m[v] = append(m[v], num)
			}
		}
	}
	live := make([]uint32, 0, len(docs))
	for num, d := range s.docs {
		if d != nil {
			live = append(live, uint32(num))
		}
	}
	s.live = roaring.BitmapOf(live...)
	s.live.RunOptimize()
	slices.SortFunc(live, func(a, b uint32) int { return strings.Compare(s.docs[a].ID, s.docs[b].ID) })
	s.byID = live
	s.story = make([]*story, len(s.docs))
	s.bands.addAll(live, func(num uint32) *minhash.Sketch { return s.docs[num].Sketch })
	s.linkStories(s.live, true)
	for f, m := range lists {
		t := s.terms[f]
		if t == nil {
			t = make(map[string]*roaring.Bitmap, len(m))
			s.terms[f] = t
		}
		for v, nums := range m {
			b := roaring.BitmapOf(nums...)
			b.RunOptimize()
			t[v] = b
		}
	}
	return s
}

// NoRank is the rank IDRanks gives a number no live article has.
const NoRank = ^uint32(0)

// IDRanks returns, by article number, the place of each live article in
// the order of ids (NoRank for numbers without a live article): comparing
// two articles' ranks compares their ids. Made on first use and kept.
func (s *Set) IDRanks() []uint32 {
	return s.Memo("bitmaps.IDRanks", func() any {
		ranks := make([]uint32, len(s.docs))
		for i := range ranks {
			ranks[i] = NoRank
		}
		for i, num := range s.byID {
			ranks[num] = uint32(i)
		}
		return ranks
	}).([]uint32)
}

// Ordinals are one facet field's values of every live article as small
// numbers, side by side: value i is ByCount(field)[i], and the values of
// the article numbered num are Ords[Offs[num]:Offs[num+1]]. Counting a
// facet over many articles by walking them through Ordinals costs a few
// nanoseconds a value; counting it value by value costs an intersection
// for each of the field's values (tens of thousands of people's names).
type Ordinals struct {
	Offs []uint32
	Ords []uint32
}

// Ordinals returns the Ordinals of field, made on first use and kept.
func (s *Set) Ordinals(field string) *Ordinals {
	return s.Memo("bitmaps.Ordinals\x00"+field, func() any {
		vc := s.ByCount(field)
		ordOf := make(map[string]uint32, len(vc))
		for i, v := range vc {
			ordOf[v.Value] = uint32(i)
		}
		o := &Ordinals{Offs: make([]uint32, len(s.docs)+1)}
		for num, d := range s.docs {
			o.Offs[num] = uint32(len(o.Ords))
			if d == nil || !s.live.Contains(uint32(num)) {
				continue
			}
			for _, v := range d.Terms(field) {
				o.Ords = append(o.Ords, ordOf[v])
			}
		}
		o.Offs[len(s.docs)] = uint32(len(o.Ords))
		return o
	}).(*Ordinals)
}

// Count adds to counts (indexed by value number) the articles of base
// holding each value.
func (o *Ordinals) Count(base *roaring.Bitmap, counts []uint32) {
	buf := make([]uint32, 512)
	it := base.ManyIterator()
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, num := range buf[:n] {
			if int(num)+1 >= len(o.Offs) {
				continue
			}
			for _, ord := range o.Ords[o.Offs[num]:o.Offs[num+1]] {
				counts[ord]++
			}
		}
	}
}
