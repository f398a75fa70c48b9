package index

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cutwatch/cutwatch/search/api"
)

// StoreFile is the name of the article store inside a --data directory.
const StoreFile = "articles.db"

// Buckets of the store.
var (
	bucketArticles = []byte("articles") // id -> JSON api.Article
	bucketDeleted  = []byte("deleted")  // id -> RFC 3339 time of deletion
	bucketChanges  = []byte("changes")  // seq (8 bytes, big-endian) -> id of the change
	bucketSeqs     = []byte("seqs")     // id -> seq of its latest change
	bucketMeta     = []byte("meta")     // keyMetaID -> the store's id
)

var (
	keyMetaID = []byte("id")
	// In cluster mode (index/cluster), the sequence number of the last
	// message of the replicated log that the store has applied, and how
	// many messages it has applied in all, both written in the
	// transaction of the change the message made.
	keyLogSeq  = []byte("log_seq")
	keyLogMsgs = []byte("log_msgs")
)

// Store is the article store, the source of truth of a --data directory:
// it keeps every article that was ever acknowledged (id, title, text, url,
// published) and the ids deleted since. The index is derived from it and
// can always be rebuilt from it; the tagger's output is not stored.
//
// Every change (an article put, an id deleted) gets the next sequence
// number of the store, and the store keeps, per id, the number of its
// latest change. The index records the number of the last change it has
// applied (Writer), so after a crash between the store's commit and the
// index's, the changes since are found and applied again, exactly.
//
// The store is a bbolt file: every Put or Delete is one transaction, and
// bbolt fsyncs the file before a commit returns, so a change that returned
// nil survives a crash (kill -9, power loss). bbolt also locks the file: a
// second process opening the same --data fails with ErrLocked.
type Store struct {
	db     *bolt.DB
	path   string
	id     string
	fresh  bool // the file was new (or emptied): no buckets before this open
	legacy bool // the file was written by a cutwatch before the store had ids
}

// OpenStore opens (creating it if needed) the article store in the --data
// directory data. It fails within about a second with an error wrapping
// ErrLocked when another process has it open, and with one wrapping
// api.ErrStoreUnusable when the file is damaged (cut short, or bbolt
// cannot read it): never with a panic.
func OpenStore(data string) (*Store, error) {
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("open article store in %s: %w", data, err)
	}
	return openStoreAt(filepath.Join(data, StoreFile))
}

// openStoreAt opens (creating it if needed) the store file at path.
func openStoreAt(path string) (*Store, error) {
	db, err := openBolt(path, false)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path}
	err = guard(func() error {
		return db.Update(func(tx *bolt.Tx) error {
			hadArticles := tx.Bucket(bucketArticles) != nil
			for _, b := range [][]byte{bucketArticles, bucketDeleted, bucketChanges, bucketSeqs, bucketMeta} {
				if _, err := tx.CreateBucketIfNotExists(b); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			if id := meta.Get(keyMetaID); id != nil {
				s.id = string(id)
				return nil
			}
			var b [16]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			s.id = hex.EncodeToString(b[:])
			s.fresh, s.legacy = !hadArticles, hadArticles
			if hadArticles {
				// Written before changes had numbers: number every
				// article and deletion once, in id order.
				if err := numberAll(tx); err != nil {
					return err
				}
			}
			return meta.Put(keyMetaID, []byte(s.id))
		})
	})
	if err != nil {
		_ = db.Close()
		return nil, storeErr(path, err)
	}
	return s, nil
}

// openBolt opens the bbolt file at path, turning a lock timeout into
// ErrLocked and damage (an error, a panic or a memory fault while bbolt
// reads its pages, a file shorter than its pages say) into
// api.ErrStoreUnusable.
func openBolt(path string, readOnly bool) (*bolt.DB, error) {
	var db *bolt.DB
	err := guard(func() error {
		// The size before bbolt opens the file: bbolt grows a writable
		// file to its mapping's size at open, which would hide a cut.
		var size int64 = -1
		if st, err := os.Stat(path); err == nil {
			size = st.Size()
		}
		var err error
		db, err = bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly})
		if err != nil {
			return err
		}
		return checkSize(db, size)
	})
	if err == nil {
		return db, nil
	}
	if db != nil {
		_ = db.Close()
	}
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("article store %s is %w (stop the other process, e.g. a running 'cutwatch serve', or use another --data)", path, ErrLocked)
	}
	return nil, storeErr(path, err)
}

// checkSize fails when the file was shorter (size bytes, before bbolt
// opened it; -1 for a new file) than the pages its meta page counts: a
// store cut short, whose missing pages bbolt would read as zeros (or fault
// on) later.
func checkSize(db *bolt.DB, size int64) error {
	if size <= 0 {
		return nil // new, or empty: bbolt wrote a new file
	}
	return db.View(func(tx *bolt.Tx) error {
		if want := tx.Size(); size < want {
			return fmt.Errorf("the file is %d bytes long but its pages need %d: it was cut short", size, want)
		}
		return nil
	})
}

// storeErr wraps an error reading the store file at path as
// api.ErrStoreUnusable, with the way out.
func storeErr(path string, err error) error {
	if isNoSpace(err) {
		return fmt.Errorf("article store %s: %w: %w", path, api.ErrNoSpace, err)
	}
	return fmt.Errorf("article store %s is damaged (%w: %w): stop the server and run 'cutwatch store recover' to salvage every readable article (from the store and the index) into a new store", path, api.ErrStoreUnusable, err)
}

// guard runs fn, turning a panic, and a memory fault on a mapped page
// (bbolt reads its file through mmap, and a damaged file can point past
// its end), into an error.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable: %v", r)
		}
	}()
	return fn()
}

// numberAll gives every stored article and deleted id a change number.
func numberAll(tx *bolt.Tx) error {
	for _, b := range [][]byte{bucketArticles, bucketDeleted} {
		var ids [][]byte
		if err := tx.Bucket(b).ForEach(func(k, _ []byte) error {
			ids = append(ids, slices.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := record(tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// ID returns the store's id, made when the file was created. The index
// records the id of the store it was built from (Writer).
func (s *Store) ID() string { return s.id }

// Fresh reports whether the store was created by this open: a new --data,
// or a store file that was removed or emptied.
func (s *Store) Fresh() bool { return s.fresh }

// Legacy reports whether the store was written by a cutwatch that kept
// only ingested articles in it (the seeds lived in the index alone): the
// Writer then imports the index's other articles into it, once.
func (s *Store) Legacy() bool { return s.legacy }

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// Close closes the store file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close article store: %w", err)
	}
	return nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// record gives id the next sequence number, dropping its previous change
// from the changes bucket. It returns the number.
func record(tx *bolt.Tx, id []byte) (uint64, error) {
	changes, seqs := tx.Bucket(bucketChanges), tx.Bucket(bucketSeqs)
	if old := seqs.Get(id); old != nil {
		if err := changes.Delete(old); err != nil {
			return 0, err
		}
	}
	seq, err := changes.NextSequence()
	if err != nil {
		return 0, err
	}
	k := seqKey(seq)
	if err := changes.Put(k, id); err != nil {
		return 0, err
	}
	return seq, seqs.Put(id, k)
}

// update runs fn in a write transaction, turning a panic into an error.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return guard(func() error { return s.db.Update(fn) })
}

// view runs fn in a read transaction, turning a panic into an error.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return guard(func() error { return s.db.View(fn) })
}

// putArticles stores arts in tx, in order, each as a change of its own,
// setting changed[i] when article i is new or differs from the stored one,
// and returns the sequence number of the last change.
func putArticles(tx *bolt.Tx, arts []api.Article, changed []bool) (uint64, error) {
	var seq uint64
	ab, db := tx.Bucket(bucketArticles), tx.Bucket(bucketDeleted)
	for i, a := range arts {
		data, err := json.Marshal(a)
		if err != nil {
			return 0, fmt.Errorf("article %q: encode: %w", a.ID, err)
		}
		id := []byte(a.ID)
		changed[i] = !bytes.Equal(ab.Get(id), data)
		if err := ab.Put(id, data); err != nil {
			return 0, fmt.Errorf("article %q: %w", a.ID, err)
		}
		if err := db.Delete(id); err != nil {
			return 0, fmt.Errorf("article %q: %w", a.ID, err)
		}
		if seq, err = record(tx, id); err != nil {
			return 0, fmt.Errorf("article %q: %w", a.ID, err)
		}
	}
	return seq, nil
}

// Put records arts (replacing articles with the same ids and forgetting
// earlier deletions of them) in one durable transaction, and returns the
// sequence number of the last of them and, for each, whether it changed
// what the store held: new, or with another title, text, url or date
// than the stored one (a re-send of the same article changes nothing).
func (s *Store) Put(arts []api.Article) (uint64, []bool, error) {
	var seq uint64
	changed := make([]bool, len(arts))
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		seq, err = putArticles(tx, arts, changed)
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store articles: %w", err)
	}
	return seq, changed, nil
}

// Delete removes the article id from the store and records the deletion,
// in one durable transaction, and returns its sequence number.
func (s *Store) Delete(id string) (uint64, error) {
	var seq uint64
	err := s.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketArticles).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketDeleted).Put([]byte(id), []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
			return err
		}
		var err error
		seq, err = record(tx, []byte(id))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete article %q: %w", id, err)
	}
	return seq, nil
}

// ErrLogApplied is returned (wrapped) by Store.Apply for log messages the
// store has applied already.
var ErrLogApplied = errors.New("log message already applied")

// Applied returns the sequence number of the last message of the
// replicated log (cluster mode) that the store has applied and the
// number of messages it has applied in all: 0, 0 for a store that never
// applied one.
func (s *Store) Applied() (seq, msgs uint64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		seq, msgs = metaUint(tx, keyLogSeq), metaUint(tx, keyLogMsgs)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: read the applied log sequence: %w", err)
	}
	return seq, msgs, nil
}

func metaUint(tx *bolt.Tx, key []byte) uint64 {
	if b := tx.Bucket(bucketMeta).Get(key); len(b) == 8 {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Apply records, in one durable transaction, the articles puts and the
// deletions of the ids deletes (distinct ids, none in both), together
// with logSeq as the sequence number of the last log message applied and
// msgs more messages applied. It fails with ErrLogApplied, writing
// nothing, when logSeq is not above the one recorded: a message is never
// applied twice. It returns what Put returns for puts; the store's
// sequence number is that of the last change.
func (s *Store) Apply(puts []api.Article, deletes []string, logSeq, msgs uint64) (uint64, []bool, error) {
	var seq uint64
	changed := make([]bool, len(puts))
	err := s.update(func(tx *bolt.Tx) error {
		if last := metaUint(tx, keyLogSeq); logSeq <= last {
			return fmt.Errorf("log message %d (the store has applied up to %d): %w", logSeq, last, ErrLogApplied)
		}
		ab, db := tx.Bucket(bucketArticles), tx.Bucket(bucketDeleted)
		now := []byte(time.Now().UTC().Format(time.RFC3339))
		for _, id := range deletes {
			if err := ab.Delete([]byte(id)); err != nil {
				return fmt.Errorf("delete %q: %w", id, err)
			}
			if err := db.Put([]byte(id), now); err != nil {
				return fmt.Errorf("delete %q: %w", id, err)
			}
			var err error
			if seq, err = record(tx, []byte(id)); err != nil {
				return fmt.Errorf("delete %q: %w", id, err)
			}
		}
		if len(puts) > 0 {
			var err error
			if seq, err = putArticles(tx, puts, changed); err != nil {
				return err
			}
		}
		if seq == 0 {
			seq = tx.Bucket(bucketChanges).Sequence()
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(keyLogSeq, seqKey(logSeq)); err != nil {
			return err
		}
		return meta.Put(keyLogMsgs, seqKey(metaUint(tx, keyLogMsgs)+msgs))
	})
	if err != nil {
		return 0, nil, fmt.Errorf("store: apply log messages up to %d: %w", logSeq, err)
	}
	return seq, changed, nil
}

// markDeleted records ids as deleted (and not stored), numbered, in one
// transaction.
func (s *Store) markDeleted(ids []string) error {
	now := []byte(time.Now().UTC().Format(time.RFC3339))
	err := s.update(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if err := tx.Bucket(bucketArticles).Delete([]byte(id)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketDeleted).Put([]byte(id), now); err != nil {
				return err
			}
			if _, err := record(tx, []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record %d deletions: %w", len(ids), err)
	}
	return nil
}

// Seq returns the sequence number of the latest change (0 for none).
func (s *Store) Seq() (uint64, error) {
	var seq uint64
	err := s.view(func(tx *bolt.Tx) error {
		seq = tx.Bucket(bucketChanges).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: read sequence: %w", err)
	}
	return seq, nil
}

// Numbered is the change number of an id's latest change.
type Numbered struct {
	ID  string
	Seq uint64
}

// ChangedSince returns the ids whose latest change has a sequence number
// above after, with that number, in the order of their changes.
func (s *Store) ChangedSince(after uint64) ([]Numbered, error) {
	var out []Numbered
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			out = append(out, Numbered{ID: string(v), Seq: binary.BigEndian.Uint64(k)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list changes since %d: %w", after, err)
	}
	return out, nil
}

// Get returns the stored article id and whether there is one. A record
// that cannot be decoded is an error naming the way out.
func (s *Store) Get(id string) (api.Article, bool, error) {
	var a api.Article
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketArticles).Get([]byte(id))
		if data == nil {
			return nil
		}
		found = true
		return decodeRecord(id, data, &a)
	})
	if err != nil {
		return api.Article{}, false, fmt.Errorf("store: read article %q: %w", id, err)
	}
	return a, found, nil
}

// decodeRecord decodes the stored article id.
func decodeRecord(id string, data []byte, a *api.Article) error {
	if err := json.Unmarshal(data, a); err != nil {
		return fmt.Errorf("record %.100q cannot be decoded (%w: %w): run 'cutwatch store recover' to salvage the store", id, api.ErrStoreUnusable, err)
	}
	return nil
}

// Deleted reports whether id was deleted (and not stored again since).
func (s *Store) Deleted(id string) (bool, error) {
	var del bool
	err := s.view(func(tx *bolt.Tx) error {
		del = tx.Bucket(bucketDeleted).Get([]byte(id)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: read deletion of %q: %w", id, err)
	}
	return del, nil
}

// Counted returns the number of stored articles as the store's change
// records count them: the ids with a latest change, less those whose
// latest change deleted them. Every write keeps the two buckets it reads
// in step with the articles, in the same transaction, so on a whole store
// this equals Len; it reads a few megabytes where Len reads a page of
// every article (at 100,000 articles, 440 MB of the file into the
// process's memory).
func (s *Store) Counted() (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSeqs).Stats().KeyN - tx.Bucket(bucketDeleted).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: count changes: %w", err)
	}
	return n, nil
}

// Len returns the number of stored articles.
func (s *Store) Len() (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
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
// seen (a re-index applies the changes made meanwhile again, by sequence
// number). A record that cannot be decoded stops it with an error.
func (s *Store) Each(n int, fn func([]api.Article) error) error {
	var after []byte
	for {
		batch := make([]api.Article, 0, n)
		err := s.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketArticles).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < n; k, v = c.Next() {
				var a api.Article
				if err := decodeRecord(string(k), v, &a); err != nil {
					return err
				}
				batch = append(batch, a)
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: read articles: %w", err)
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

// CheckUnlocked fails, within about a second, with an error wrapping
// ErrLocked when another process has the --data directory data open (a
// running 'cutwatch serve'), so that a command can say so before it loads
// the tagger. Anything else is left for OpenWriter to report.
func CheckUnlocked(data string) error {
	path := filepath.Join(data, StoreFile)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	db, err := openBolt(path, true)
	if errors.Is(err, ErrLocked) {
		return err
	}
	if err == nil {
		_ = db.Close()
	}
	return nil
}
