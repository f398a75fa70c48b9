package index

import (
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// segmentIDs calls fn with the place and id of every document of ss's
// segment that is not in skip (nil: none), in id order.
//
// It reads them from the segment's dictionary of the _id field, where an
// id that one document holds is encoded in the dictionary itself, not from
// each document's stored fields (scorch's DocID): those lie among the
// stored texts, and reading 100,000 ids from them at open brought most of
// a 1.2 GB segment file into the process's resident memory, where the
// dictionary is a few megabytes.
func segmentIDs(ss *scorch.SegmentSnapshot, skip *roaring.Bitmap, fn func(local uint64, id string)) error {
	dict, err := ss.Segment().Dictionary("_id")
	if err != nil {
		return fmt.Errorf("ids of segment %d: %w", ss.Id(), err)
	}
	it := dict.AutomatonIterator(nil, nil, nil)
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	for {
		e, err := it.Next()
		if err != nil {
			return fmt.Errorf("ids of segment %d: %w", ss.Id(), err)
		}
		if e == nil {
			return nil
		}
		if pl, err = dict.PostingsList([]byte(e.Term), skip, pl); err != nil {
			return fmt.Errorf("ids of segment %d: %q: %w", ss.Id(), e.Term, err)
		}
		pi = pl.Iterator(false, false, false, pi)
		for {
			p, err := pi.Next()
			if err != nil {
				return fmt.Errorf("ids of segment %d: %q: %w", ss.Id(), e.Term, err)
			}
			if p == nil {
				break
			}
			fn(p.Number(), e.Term)
		}
	}
}
