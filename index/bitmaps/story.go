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
type bandIndex struct {
	mu    sync.Mutex
	bands map[uint32][]uint32 // band key → article numbers
	last  map[uint32]minhash.Sketch
}

func newBandIndex() *bandIndex {
	return &bandIndex{bands: map[uint32][]uint32{}, last: map[uint32]minhash.Sketch{}}
}

// add records num's sketch.
func (b *bandIndex) add(num uint32, s *minhash.Sketch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.last[num]; ok && old == *s {
		return
	}
	b.last[num] = *s
	for i := range minhash.Bands {
		k := s.Band(i)
		b.bands[k] = append(b.bands[k], num)
	}
}

// bucketCap is how many articles of one band bucket candidates offers:
// the first recorded. A bucket grows past it when many articles share
// a band's min-hashes — boilerplate, or a generated corpus's templates —
// and visiting all of them made finding the candidates of every article
// quadratic: opening an index of 100,000 generated articles spent over a
// quarter of an hour there. Copies of one story agree in many bands, most
// of them their own words' and not crowded; and in a crowded band of a
// story run more than bucketCap times, its first copies are the ones
// offered, which the later ones join.
const bucketCap = 48

// candidates calls fn with numbers recorded with a sketch agreeing with s
// in a band (some more than once): every one, but for the first bucketCap
// of a crowded band's.
func (b *bandIndex) candidates(s *minhash.Sketch, fn func(uint32)) {
	b.mu.Lock()
	var found []uint32
	for i := range minhash.Bands {
		bucket := b.bands[s.Band(i)]
		found = append(found, bucket[:min(len(bucket), bucketCap)]...)
	}
	b.mu.Unlock()
	for _, num := range found {
		fn(num)
	}
}

// near calls fn with the live articles of s that are near-duplicates of
// the article numbered num (not num itself).
func (s *Set) near(num uint32, fn func(uint32)) {
	d := s.docs[num]
	if d == nil || d.Sketch == nil {
		return
	}
	seen := map[uint32]bool{num: true}
	s.bands.candidates(d.Sketch, func(c uint32) {
		if seen[c] {
			return
		}
		seen[c] = true
		if int(c) < len(s.docs) {
			if o := s.docs[c]; o != nil && o.Sketch != nil && minhash.Near(d.Sketch, o.Sketch) {
				fn(c)
			}
		}
	})
}

// linkStories remakes the stories of the live articles among affected
// (which must hold, with any article, every article linked to it): groups
// them by near-duplicates, updates s.story and s.copies (which must be
// s's own).
func (s *Set) linkStories(affected *roaring.Bitmap) {
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
		s.near(num, func(c uint32) {
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
