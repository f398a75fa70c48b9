package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// StoreFile is the name of the article store inside a --data directory.
const StoreFile = "articles.db"

// Buckets of the store.
var (
	bucketArticles = []byte("articles") // id -> JSON Article
	bucketDeleted  = []byte("deleted")  // id -> RFC 3339 time of deletion
)

// Store keeps the source of every article accepted through the write API
// (id, title, text, url, published), so that a rebuild of the index (after a
// tagger improvement, say) can re-tag all of them; the index itself holds
// only what the mapping keeps. It also remembers deleted ids, so that a
// rebuild does not bring back a deleted article from the source folders.
//
// The store is a bbolt file: every Put or Delete is one transaction, and
// bbolt fsyncs the file before a commit returns, so a change that returned
// nil survives a crash (kill -9, power loss). bbolt also locks the file: a
// second process opening the same --data fails with ErrLocked.
type Store struct {
	db *bolt.DB
}

// OpenStore opens (creating it if needed) the article store in the --data
// directory data. It fails within about a second with an error wrapping
// ErrLocked when another process has it open.
func OpenStore(data string) (*Store, error) {
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("open article store in %s: %w", data, err)
	}
	path := filepath.Join(data, StoreFile)
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("article store %s is %w (stop the other process, e.g. a running 'cutwatch serve', or use another --data)", path, ErrLocked)
		}
		return nil, fmt.Errorf("open article store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketArticles, bucketDeleted} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open article store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close article store: %w", err)
	}
	return nil
}

// Put records arts (replacing articles with the same ids and forgetting
// earlier deletions of them) in one durable transaction.
func (s *Store) Put(arts []Article) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		ab, db := tx.Bucket(bucketArticles), tx.Bucket(bucketDeleted)
		for _, a := range arts {
			data, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("article %q: encode: %w", a.ID, err)
			}
			if err := ab.Put([]byte(a.ID), data); err != nil {
				return fmt.Errorf("article %q: %w", a.ID, err)
			}
			if err := db.Delete([]byte(a.ID)); err != nil {
				return fmt.Errorf("article %q: %w", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store articles: %w", err)
	}
	return nil
}

// Delete removes the article id from the store and records the deletion,
// in one durable transaction.
func (s *Store) Delete(id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketArticles).Delete([]byte(id)); err != nil {
			return err
		}
		return tx.Bucket(bucketDeleted).Put([]byte(id), []byte(time.Now().UTC().Format(time.RFC3339)))
	})
	if err != nil {
		return fmt.Errorf("store: delete article %q: %w", id, err)
	}
	return nil
}

// Get returns the stored article id and whether there is one.
func (s *Store) Get(id string) (Article, bool, error) {
	var a Article
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketArticles).Get([]byte(id))
		if data == nil {
			return nil
		}
		found = true
		return json.Unmarshal(data, &a)
	})
	if err != nil {
		return Article{}, false, fmt.Errorf("store: read article %q: %w", id, err)
	}
	return a, found, nil
}

// Deleted reports whether id was deleted (and not stored again since).
func (s *Store) Deleted(id string) (bool, error) {
	var del bool
	err := s.db.View(func(tx *bolt.Tx) error {
		del = tx.Bucket(bucketDeleted).Get([]byte(id)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: read deletion of %q: %w", id, err)
	}
	return del, nil
}

// Len returns the number of stored articles.
func (s *Store) Len() (int, error) {
	var n int
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketArticles).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: count articles: %w", err)
	}
	return n, nil
}

// Each calls fn with the stored articles in id order, n at a time, until
// fn returns an error, which it then returns. Each chunk is read in its own
// short transaction and fn runs outside it: a long read transaction would
// make writers wait whenever bbolt needs to grow its file. So Each is not a
// snapshot: articles written or deleted while it runs may or may not be
// seen (the Writer's re-index tracks those ids and applies them again).
func (s *Store) Each(n int, fn func([]Article) error) error {
	var after []byte
	for {
		batch := make([]Article, 0, n)
		err := s.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketArticles).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < n; k, v = c.Next() {
				var a Article
				if err := json.Unmarshal(v, &a); err != nil {
					return fmt.Errorf("store: decode article %q: %w", k, err)
				}
				batch = append(batch, a)
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := fn(batch); err != nil {
			return err
		}
		if len(batch) < n {
			return nil
		}
	}
}

// DeletedIDs returns the ids recorded as deleted.
func (s *Store) DeletedIDs() ([]string, error) {
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeleted).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list deleted ids: %w", err)
	}
	return ids, nil
}
