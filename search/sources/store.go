package sources

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cutwatch/cutwatch/search/api"
)

// FileName is the file of the sources in a --data directory, beside the
// article store: the sources, their poll state, and the feed items taken.
const FileName = "sources.db"

var (
	bucketSources = []byte("sources") // source id → JSON record
	bucketSeen    = []byte("seen")    // source id, 0, item key → article id ("" if skipped)
)

// ErrLocked: another process (a server) has the sources of --data open.
var ErrLocked = errors.New("open in another process (a running server?)")

// record is a source as stored: its spec and its poll state.
type record struct {
	api.SourceStatus
	// Interval in nanoseconds (SourceStatus.Interval is its text).
	IntervalNS time.Duration `json:"interval_ns"`
}

// store is the bbolt file of the sources.
type store struct {
	db *bolt.DB
}

func openStore(data string) (*store, error) {
	path := filepath.Join(data, FileName)
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSources, bucketSeen} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

func (s *store) list() ([]record, error) {
	var out []record
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	return out, nil
}

func (s *store) put(r record) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putRecord(tx, r) })
}

func putRecord(tx *bolt.Tx, r record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSources).Put([]byte(r.ID), v)
}

// remove deletes a source and its items; false if there was none.
func (s *store) remove(id string) (bool, error) {
	found := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSources)
		if b.Get([]byte(id)) == nil {
			return nil
		}
		found = true
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		c := tx.Bucket(bucketSeen).Cursor()
		prefix := seenPrefix(id)
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("remove source %s: %w", id, err)
	}
	return found, nil
}

func seenPrefix(id string) []byte { return append([]byte(id), 0) }

func seenKey(id, item string) []byte { return append(seenPrefix(id), item...) }

func hasPrefix(k, p []byte) bool { return len(k) >= len(p) && string(k[:len(p)]) == string(p) }

// seen returns the subset of items already taken from source id.
func (s *store) seen(id string, items []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for _, it := range items {
			if b.Get(seenKey(id, it)) != nil {
				out[it] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read items of %s: %w", id, err)
	}
	return out, nil
}

// finish records a poll in one transaction: the items taken (item key →
// article id, "" for skipped) and the source's new state, which update
// sets on the record as stored (whose spec may have changed meanwhile).
// The source may have been removed meanwhile: then nothing is recorded.
func (s *store) finish(id string, items map[string]string, update func(*record)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get([]byte(id))
		if v == nil {
			return nil
		}
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		b := tx.Bucket(bucketSeen)
		for it, art := range items {
			if err := b.Put(seenKey(id, it), []byte(art)); err != nil {
				return err
			}
		}
		update(&r)
		return putRecord(tx, r)
	})
	if err != nil {
		return fmt.Errorf("record poll of %s: %w", id, err)
	}
	return nil
}
