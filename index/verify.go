package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2/util"
	bolt "go.etcd.io/bbolt"
)

// Why verifySegments exists: when scorch (bleve v2.6.3,
// index/scorch/persister.go, loadFromBolt) cannot load the latest snapshot
// recorded in its root.bolt, because a segment file of it is missing,
// emptied or cut short, it logs "unable to load snapshot, continuing" and
// opens the previous snapshot instead, or none: the index opens without an
// error as a smaller or empty one, and the snapshot it skipped is marked
// for removal. So the segments are checked before bleve opens the index.

// zapFooterMin is the size of the smallest zap footer (versions before 16
// lack the sections offset): num docs, stored, fields and doc-value
// offsets (8 bytes each), chunk mode, version and CRC (4 bytes each).
const zapFooterMin = 4*8 + 3*4

// segmentRef is a segment file named by a snapshot in root.bolt.
type segmentRef struct {
	path    string // relative to the store directory
	zap     bool   // a zap segment, whose footer holds a CRC
	version uint32 // the zap version the snapshot records
}

// verifySegments checks, before bleve opens the index in dir, that every
// segment file of its latest snapshot is there and whole: each zap file's
// footer carries the CRC-32 (IEEE) of everything before it, which is
// recomputed over the whole file, and the version the snapshot recorded.
// A file that is missing, emptied, cut short or changed is reported with
// its name. Reading the files costs time proportional to the size of the
// index (see BENCHMARKS.md), and brings them into the page cache that
// bleve's mmap reads from next.
func verifySegments(dir string) error {
	store := filepath.Join(dir, "store")
	refs, err := latestSegments(filepath.Join(store, "root.bolt"))
	if err != nil {
		return err
	}
	for _, r := range refs {
		if err := verifySegment(filepath.Join(store, r.path), r); err != nil {
			return err
		}
	}
	return nil
}

// latestSegments lists the segment files of the latest snapshot in the
// root bolt file at path. It opens the file read-only, waiting at most
// lockTimeout for a process that has the index open.
func latestSegments(path string) ([]segmentRef, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("root file: %w", err)
	}
	timeout, err := time.ParseDuration(lockTimeout)
	if err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("root file %s: %w", filepath.Base(path), err)
	}
	defer db.Close()
	var refs []segmentRef
	err = db.View(func(tx *bolt.Tx) error {
		snaps := tx.Bucket(util.BoltSnapshotsBucket)
		if snaps == nil {
			return nil // nothing persisted yet: an empty index
		}
		c := snaps.Cursor()
		k, v := c.Last()
		for k != nil && bytes.Equal(k, util.BoltTrainerKey) {
			k, v = c.Prev()
		}
		if k == nil {
			return nil
		}
		snap := snaps.Bucket(k)
		if snap == nil || v != nil {
			return fmt.Errorf("latest snapshot %x: not a bucket", k)
		}
		meta := snap.Bucket(util.BoltMetaDataKey)
		if meta == nil {
			return fmt.Errorf("latest snapshot %x: no meta-data", k)
		}
		zap := string(meta.Get(util.BoltMetaDataSegmentTypeKey)) == "zap"
		var version uint32
		if vb := meta.Get(util.BoltMetaDataSegmentVersionKey); len(vb) >= 4 { // scorch stores it in 5 bytes
			version = binary.BigEndian.Uint32(vb)
		} else {
			return fmt.Errorf("latest snapshot %x: segment version missing", k)
		}
		return snap.ForEachBucket(func(sk []byte) error {
			if sk[0] == util.BoltInternalKey[0] || sk[0] == util.BoltMetaDataKey[0] {
				return nil
			}
			p := snap.Bucket(sk).Get(util.BoltPathKey)
			if len(p) == 0 {
				return fmt.Errorf("latest snapshot %x: segment %x has no path", k, sk)
			}
			name := string(p)
			if name != filepath.Base(name) {
				return fmt.Errorf("latest snapshot %x: segment path %q outside the index", k, name)
			}
			refs = append(refs, segmentRef{path: name, zap: zap, version: version})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("root file %s: %w", filepath.Base(path), err)
	}
	return refs, nil
}

// verifySegment checks one segment file (see verifySegments).
func verifySegment(path string, r segmentRef) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("segment %s: %w", r.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("segment %s: %w", r.path, err)
	}
	if !r.zap {
		return nil // no checksum known for this segment type
	}
	size := fi.Size()
	if size < zapFooterMin {
		return fmt.Errorf("segment %s: %d bytes, too short to hold a zap footer", r.path, size)
	}
	h := crc32.NewIEEE()
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(h, io.LimitReader(f, size-4), buf); err != nil {
		return fmt.Errorf("segment %s: %w", r.path, err)
	}
	var tail [8]byte // version, CRC
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("segment %s: %w", r.path, err)
	}
	if v := binary.BigEndian.Uint32(tail[:4]); v != r.version {
		return fmt.Errorf("segment %s: footer says zap version %d, the snapshot %d: cut short or overwritten", r.path, v, r.version)
	}
	if want, got := binary.BigEndian.Uint32(tail[4:]), h.Sum32(); got != want {
		return fmt.Errorf("segment %s: checksum %08x, the footer says %08x: cut short or changed", r.path, got, want)
	}
	return nil
}
