package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index/bitmaps"
)

// docNums turns bleve's internal document numbers into the articles'
// numbers of a bitmaps.Numbering. An internal number is a segment's base
// plus the document's place in that segment; segments never change once
// written, so each segment's table (place → article number) is read once
// from its ids and kept while the segment is in use.
type docNums struct {
	nums *bitmaps.Numbering

	mu   sync.Mutex
	segs map[uint64][]uint32 // segment id → place → article number + 1 (0: none)
}

func newDocNums(nums *bitmaps.Numbering) *docNums {
	return &docNums{nums: nums, segs: map[uint64][]uint32{}}
}

// resolver returns a function from the internal ids of reader's documents
// to article numbers, for a scorch snapshot.
func (d *docNums) resolver(r bindex.IndexReader) (func(bindex.IndexInternalID) (uint32, bool), error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("match set: index reader %T is not scorch's", r)
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs))
	tables := make([][]uint32, len(segs))
	var running uint64
	d.mu.Lock()
	keep := make(map[uint64][]uint32, len(segs))
	for i, ss := range segs {
		offsets[i] = running
		running += ss.Segment().Count()
		t, ok := d.segs[ss.Id()]
		if !ok {
			var err error
			if t, err = d.table(ss); err != nil {
				d.mu.Unlock()
				return nil, err
			}
		}
		tables[i] = t
		keep[ss.Id()] = t
	}
	d.segs = keep
	d.mu.Unlock()
	return func(id bindex.IndexInternalID) (uint32, bool) {
		if len(id) != 8 {
			return 0, false
		}
		g := binary.BigEndian.Uint64(id)
		i := sort.Search(len(offsets), func(x int) bool { return offsets[x] > g }) - 1
		if i < 0 {
			return 0, false
		}
		local := g - offsets[i]
		if local >= uint64(len(tables[i])) || tables[i][local] == 0 {
			return 0, false
		}
		return tables[i][local] - 1, true
	}, nil
}

// table reads the article numbers of every document of a segment.
func (d *docNums) table(ss *scorch.SegmentSnapshot) ([]uint32, error) {
	t := make([]uint32, ss.Segment().Count())
	err := segmentIDs(ss, nil, func(local uint64, id string) {
		if num, ok := d.nums.Num(id); ok && local < uint64(len(t)) {
			t[local] = num + 1
		}
	})
	if err != nil {
		return nil, fmt.Errorf("match set: %w", err)
	}
	return t, nil
}

// matchQuery runs a query and, while bleve collects its results, records
// the number of every document it matches in into. Only the documents in
// allow (nil: all) go on to bleve's collector, so the search's hits and
// total are those of the query within allow, with the query's own scores,
// while into holds all its matches. A matchQuery records into one bitmap
// and so serves one search.
type matchQuery struct {
	q     query.Query
	nums  *docNums
	into  *roaring.Bitmap
	allow *roaring.Bitmap
	set   *bitmaps.Set // whose order of ids idOrder sorts by
	// resolve is the searcher's table from bleve's numbers to articles'.
	resolve func(bindex.IndexInternalID) (uint32, bool)
	// unknown counts matches that have no article number (written after
	// the numbering was read): they are passed on but not recorded.
	unknown int
}

func (m *matchQuery) Searcher(ctx context.Context, r bindex.IndexReader, im mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	resolve, err := m.nums.resolver(r)
	if err != nil {
		return nil, err
	}
	inner, err := m.q.Searcher(ctx, r, im, opts)
	if err != nil {
		return nil, err
	}
	m.resolve = resolve
	return &recorder{Searcher: inner, q: m, resolve: resolve}, nil
}

// recorder is the searcher of a matchQuery.
type recorder struct {
	search.Searcher
	q       *matchQuery
	resolve func(bindex.IndexInternalID) (uint32, bool)
}

// pass records dm and reports whether it goes on to the collector.
func (r *recorder) pass(dm *search.DocumentMatch) bool {
	num, ok := r.resolve(dm.IndexInternalID)
	if !ok {
		r.q.unknown++
		return r.q.allow == nil
	}
	r.q.into.Add(num)
	return r.q.allow == nil || r.q.allow.Contains(num)
}

func (r *recorder) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for {
		dm, err := r.Searcher.Next(ctx)
		if err != nil || dm == nil {
			return dm, err
		}
		if r.pass(dm) {
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
	}
}

func (r *recorder) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := r.Searcher.Advance(ctx, id)
	if err != nil || dm == nil {
		return dm, err
	}
	if r.pass(dm) {
		return dm, nil
	}
	ctx.DocumentMatchPool.Put(dm)
	return r.Next(ctx)
}

// idOrder sorts the matches of a matchQuery by article id (see
// Recording.ByID): by the rank of each match's article number in its
// Set's order of ids. A match the Set does not hold counts as unknown, so
// the search is not trusted (Recording.Matches), as for one the
// numbering does not know.
type idOrder struct {
	mq   *matchQuery
	desc bool
}

func (o *idOrder) UpdateVisitor(string, []byte) {}

func (o *idOrder) Value(d *search.DocumentMatch) string {
	ranks := o.mq.set.IDRanks()
	if o.mq.resolve != nil {
		if num, ok := o.mq.resolve(d.IndexInternalID); ok && int(num) < len(ranks) && ranks[num] != bitmaps.NoRank {
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], ranks[num])
			return string(b[:])
		}
	}
	o.mq.unknown++
	return "\xff\xff\xff\xff\xff"
}

func (o *idOrder) DecodeValue(v string) string { return v }
func (o *idOrder) Descending() bool            { return o.desc }
func (o *idOrder) RequiresDocID() bool         { return false }
func (o *idOrder) RequiresScoring() bool       { return false }
func (o *idOrder) RequiresFields() []string    { return nil }
func (o *idOrder) Reverse()                    { o.desc = !o.desc }
func (o *idOrder) Copy() search.SearchSort     { c := *o; return &c }
