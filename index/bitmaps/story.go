package bitmaps

import (
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/cutwatch/cutwatch/index/minhash"
)

// A story is a group of near-duplicate articles: the articles linked,
// directly or through others, by minhash.Near. Its first article is the
// one with the smallest id (so that the same articles make the same story
// whatever the order they were written in, after a restart, and in a Set
// read back from the index); the others are its copies.
type story struct {
	members []uint32 // in the order of their ids; members[0] is the first
}

// bandIndex finds the candidates for near-duplicates of a sketch: the
// articles that agree with it in a whole band. It only grows: an entry
// stays when its article is deleted or rewritten, and every Set checks a
// candidate against its own documents, so one bandIndex serves every Set
// made from another by Apply. It is safe for concurrent use.
//
// An entry is a band key and an article number packed in a uint64 (the
// key in the high half), so an article costs Bands × 8 bytes. Most
// entries are in sorted, found by binary search; the latest writes' are
// in recent, merged into sorted when recent has grown to a sixteenth of
// it, which keeps the cost of a write's merge amortised constant. (A map
// from band key to a slice of numbers, as this was first, held 413 MB
// for 100,000 articles, one small slice for nearly every key; sorted
// holds the same 8.5 million entries in 68 MB.)
type bandIndex struct {
	mu     sync.Mutex
	sorted []uint64
	// starts[h] is where the entries of the keys k with k>>startShift == h
	// begin in sorted, so that a lookup searches a dozen entries, not
	// millions.
	starts  []uint32
	recent  map[uint32][]uint32
	nRecent int
	// sketches holds the sketch each number was last recorded with, side
	// by side: comparing a candidate reads 256 bytes in a row instead of
	// following two pointers to wherever its Doc and sketch were
	// allocated, which made linking at open wait on memory. has tells
	// which numbers have one.
	sketches []minhash.Sketch
	has      []bool
}

func newBandIndex() *bandIndex {
	return &bandIndex{recent: map[uint32][]uint32{}}
}

// startShift is how many low bits of a band key starts ignores.
const startShift = 11

// entry packs a band key and an article number.
func entry(key, num uint32) uint64 { return uint64(key)<<32 | uint64(num) }

// setLast records that num's sketch is s, reporting whether that is new.
func (b *bandIndex) setLast(num uint32, s *minhash.Sketch) bool {
	if int(num) >= len(b.sketches) {
		grow := int(num) + 1 - len(b.sketches)
		b.sketches = append(b.sketches, make([]minhash.Sketch, grow)...)
		b.has = append(b.has, make([]bool, grow)...)
	}
	if b.has[num] && b.sketches[num] == *s {
		return false
	}
	b.sketches[num], b.has[num] = *s, true
	return true
}

// add records num's sketch (nil: it has none now).
func (b *bandIndex) add(num uint32, s *minhash.Sketch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s == nil {
		if int(num) < len(b.has) {
			b.has[num] = false
		}
		return
	}
	if !b.setLast(num, s) {
		return
	}
	for i := range minhash.Bands {
		k := s.Band(i)
		b.recent[k] = append(b.recent[k], num)
	}
	b.nRecent += minhash.Bands
	if b.nRecent >= max(1<<16, len(b.sorted)/16) {
		b.merge(nil)
	}
}

// addAll records the sketches of many articles at once (sketch returns
// nil for an article without one): one sort instead of a map entry each.
func (b *bandIndex) addAll(nums []uint32, sketch func(uint32) *minhash.Sketch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var more []uint64
	for _, num := range nums {
		s := sketch(num)
		if s == nil || !b.setLast(num, s) {
			continue
		}
		for i := range minhash.Bands {
			more = append(more, entry(s.Band(i), num))
		}
	}
	b.merge(more)
}

// merge moves recent, and more, into sorted.
func (b *bandIndex) merge(more []uint64) {
	for k, nums := range b.recent {
		for _, num := range nums {
			more = append(more, entry(k, num))
		}
	}
	clear(b.recent)
	b.nRecent = 0
	if len(more) == 0 {
		return
	}
	slices.Sort(more)
	merged := make([]uint64, 0, len(b.sorted)+len(more))
	i, j := 0, 0
	for i < len(b.sorted) && j < len(more) {
		if b.sorted[i] <= more[j] {
			merged = append(merged, b.sorted[i])
			i++
		} else {
			merged = append(merged, more[j])
			j++
		}
	}
	merged = append(merged, b.sorted[i:]...)
	b.sorted = append(merged, more[j:]...)
	n := (minhash.Bands << (8*minhash.Rows - startShift)) + 1
	if len(b.starts) != n {
		b.starts = make([]uint32, n)
	}
	at := 0
	for h := range b.starts {
		for at < len(b.sorted) && int(b.sorted[at]>>(32+startShift)) < h {
			at++
		}
		b.starts[h] = uint32(at)
	}
}

// lookup returns the entries in sorted of key k.
func (b *bandIndex) lookup(k uint32) []uint64 {
	h := int(k >> startShift)
	if h+1 >= len(b.starts) {
		return nil
	}
	run := b.sorted[b.starts[h]:b.starts[h+1]]
	at, _ := slices.BinarySearch(run, entry(k, 0))
	end := at
	for end < len(run) && uint32(run[end]>>32) == k {
		end++
	}
	return run[at:end]
}

// bucketCap is how many articles of one band bucket candidates offers:
// those with the smallest numbers. A bucket grows past it when many
// articles share a band's min-hashes — boilerplate, or a generated
// corpus's templates — and visiting all of them made finding the
// candidates of every article quadratic: opening an index of 100,000
// generated articles spent over a quarter of an hour there. Copies of one
// story agree in many bands, most of them their own words' and not
// crowded; and in a crowded band of a story run more than bucketCap
// times, its first copies are the ones offered, which the later ones join.
const bucketCap = 48

// candidates calls fn with numbers recorded with a sketch agreeing with s
// in a band (some more than once): every one, but for bucketCap of a
// crowded band's.
func (b *bandIndex) candidates(s *minhash.Sketch, fn func(uint32)) {
	b.mu.Lock()
	var found []uint32
	for i := range minhash.Bands {
		k := s.Band(i)
		run := b.lookup(k)
		n := min(len(run), bucketCap)
		for _, e := range run[:n] {
			found = append(found, uint32(e))
		}
		r := b.recent[k]
		found = append(found, r[:min(len(r), bucketCap-n)]...)
	}
	b.mu.Unlock()
	for _, num := range found {
		fn(num)
	}
}

// near calls fn with the live articles of s that are near-duplicates of
// the article numbered num (not num itself), once each; with below, only
// those numbered below num.
func (s *Set) near(num uint32, below bool, fn func(uint32)) {
	d := s.docs[num]
	if d == nil || d.Sketch == nil {
		return
	}
	seen := make(map[uint32]struct{}, 64)
	seen[num] = struct{}{}
	// Only Apply and Build call near, on the Set they make, the newest:
	// the sketches the band index holds are this Set's articles'.
	sketches, has := s.bands.sketches, s.bands.has
	s.bands.candidates(d.Sketch, func(c uint32) {
		if below && c > num {
			return
		}
		if _, ok := seen[c]; ok {
			return
		}
		seen[c] = struct{}{}
		if int(c) < len(s.docs) && s.docs[c] != nil && has[c] && minhash.Near(d.Sketch, &sketches[c]) {
			fn(c)
		}
	})
}

// linkStories remakes the stories of the live articles among affected
// (which must hold, with any article, every article linked to it): groups
// them by near-duplicates, updates s.story and s.copies (which must be
// s's own).
//
// With pairsOnce, each article looks only at candidates numbered below
// it: right for a band index holding only sorted entries (as Build makes
// it), where a crowded bucket offers its smallest numbers, so a pair
// offered to the smaller article is offered to the larger one too. It
// halves the comparisons of linking every article at open.
func (s *Set) linkStories(affected *roaring.Bitmap, pairsOnce bool) {
	parent := map[uint32]uint32{}
	var find func(uint32) uint32
	find = func(x uint32) uint32 {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	it := affected.Iterator()
	for it.HasNext() {
		num := it.Next()
		if int(num) < len(s.story) {
			s.story[num] = nil
		}
		s.copies.Remove(num)
		if int(num) >= len(s.docs) || s.docs[num] == nil {
			continue
		}
		s.near(num, pairsOnce, func(c uint32) {
			a, b := find(num), find(c)
			if a != b {
				parent[a] = b
			}
		})
	}
	groups := map[uint32][]uint32{}
	for num := range parent {
		r := find(num)
		groups[r] = append(groups[r], num)
	}
	for r, g := range groups {
		g = append(g, r) // a root has no parent
		slices.SortFunc(g, func(a, b uint32) int { return strings.Compare(s.docs[a].ID, s.docs[b].ID) })
		st := &story{members: g}
		for i, num := range g {
			s.story[num] = st
			if i > 0 {
				s.copies.Add(num)
			}
		}
	}
	s.copies.RunOptimize()
}

// Copies returns the live articles that are not the first of their story.
// It must not be changed.
func (s *Set) Copies() *roaring.Bitmap { return s.copies }

// Story returns the articles of the story of the article numbered num,
// the first first and the others in the order of their ids, or nil when
// it has no near-duplicate. It must not be changed.
func (s *Set) Story(num uint32) []uint32 {
	if int(num) >= len(s.story) || s.story[num] == nil {
		return nil
	}
	return s.story[num].members
}
