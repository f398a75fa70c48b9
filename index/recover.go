package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/search/api"
)

// articleFields are the stored fields that hold an article itself.
var articleFields = []string{FieldTitle, FieldText, FieldURL, FieldPublished}

// eachDocument calls fn with every document of idx, n at a time in id
// order, with the stored fields asked for.
func eachDocument(ctx context.Context, idx bleve.Index, fields []string, n int, fn func([]*search.DocumentMatch) error) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), n, 0, false)
		req.Fields = fields
		req.Score = "none"
		req.SortBy([]string{"_id"})
		req.SearchAfter = after
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("read the index's documents: %w", err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		if err := fn(res.Hits); err != nil {
			return err
		}
		if len(res.Hits) < n {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// migrateLegacy upgrades a --data directory written by a cutwatch whose
// store held only the articles that came through the write API (the seeds
// and 'cutwatch index' files lived in the index alone): every article of
// the index that the store lacks, and that was not deleted, is put into
// the store from the index's stored fields; then the index takes in the
// stored articles it lacks and drops the deleted ones it still has, and
// records the store. It returns how many articles it imported.
func (w *Writer) migrateLegacy(ctx context.Context) (int, error) {
	imported := 0
	err := eachDocument(ctx, w.cur, articleFields, DefaultBatchSize, func(hits []*search.DocumentMatch) error {
		var arts []api.Article
		for _, h := range hits {
			_, stored, err := w.store.Get(h.ID)
			if err != nil {
				return err
			}
			deleted, err := w.store.Deleted(h.ID)
			if err != nil {
				return err
			}
			if !stored && !deleted {
				arts = append(arts, ArticleOf(h.ID, h.Fields))
			}
		}
		if len(arts) == 0 {
			return nil
		}
		imported += len(arts)
		_, _, err := w.store.Put(arts)
		return err
	})
	if err != nil {
		return imported, err
	}
	if _, err := w.indexMissing(ctx); err != nil {
		return imported, err
	}
	seq, err := w.store.Seq()
	if err != nil {
		return imported, err
	}
	b := w.cur.NewBatch()
	for _, id := range w.store.deletedIDs() {
		b.Delete(id)
	}
	w.setMarkers(b, seq)
	if err := batch(w.cur, b); err != nil {
		return imported, fmt.Errorf("record the store in the index: %w", err)
	}
	return imported, nil
}

// deletedIDs returns the ids recorded as deleted (none if unreadable).
func (s *Store) deletedIDs() []string {
	var ids []string
	_ = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeleted).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids
}

// RecoverStats describe what RecoverStore salvaged.
type RecoverStats struct {
	// FromStore counts the articles read from the old store.
	FromStore int
	// FromIndex counts the articles brought back from the index's stored
	// fields: missing from the old store, or unreadable in it.
	FromIndex int
	// Deleted counts the deletions kept.
	Deleted int
	// Lost lists the ids of records that could not be read from the old
	// store and are not in the index either.
	Lost []string
	// Damaged is where the old store file was moved ("" if there was none).
	Damaged string
	// IndexDamaged is set when the index could not be read: the new store
	// holds what the old one did, and 'cutwatch index --rebuild' builds a
	// new index from it.
	IndexDamaged error
}

// RecoverStore rebuilds the article store of the --data directory data
// when it is missing, emptied, cut short or holds records that cannot be
// decoded ('cutwatch store recover'): it salvages every readable record
// of the old store (walking its pages from both ends past a damaged one)
// and adds every article of the index that the store lacks or cannot
// read, unless it was deleted. The new store is written beside the old
// one and renamed over it; the old file is kept as articles.db.damaged-<time>.
// The index is marked to apply every article of the new store again at the
// next start. It fails with ErrLocked while a server has data open.
func RecoverStore(ctx context.Context, data string, log *slog.Logger) (RecoverStats, error) {
	var st RecoverStats
	if log == nil {
		log = slog.Default()
	}
	dir, err := CurrentDir(data)
	if err != nil {
		return st, err
	}
	var idx bleve.Index
	if Exists(dir) {
		idx, err = Open(dir)
		switch {
		case errors.Is(err, ErrLocked):
			return st, err
		case err != nil:
			st.IndexDamaged = err
			idx = nil
		}
	}
	if idx != nil {
		defer func() { _ = closeIndex(idx) }()
	}

	path := filepath.Join(data, StoreFile)
	arts, deleted, unreadable, err := salvage(path)
	if err != nil {
		return st, err
	}
	st.FromStore, st.Deleted = len(arts), len(deleted)
	if idx != nil {
		err := eachDocument(ctx, idx, articleFields, DefaultBatchSize, func(hits []*search.DocumentMatch) error {
			for _, h := range hits {
				if _, ok := arts[h.ID]; ok || deleted[h.ID] {
					continue
				}
				arts[h.ID] = ArticleOf(h.ID, h.Fields)
				st.FromIndex++
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	for _, id := range unreadable {
		if _, ok := arts[id]; !ok {
			st.Lost = append(st.Lost, id)
		}
	}

	tmp := path + ".recovering"
	_ = os.Remove(tmp)
	id, err := writeStore(tmp, arts, deleted)
	if err != nil {
		_ = os.Remove(tmp)
		return st, err
	}
	if _, err := os.Stat(path); err == nil {
		st.Damaged = fmt.Sprintf("%s.damaged-%d", path, time.Now().Unix())
		if err := os.Rename(path, st.Damaged); err != nil {
			return st, fmt.Errorf("move the old store aside: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return st, fmt.Errorf("put the new store in place: %w", err)
	}
	if err := syncDir(data); err != nil {
		return st, err
	}
	if idx != nil {
		// Apply all of the new store at the next start: which of the
		// index's documents are current is not known any more.
		b := idx.NewBatch()
		b.SetInternal(keyStoreID, []byte(id))
		b.SetInternal(keyApplied, seqKey(0))
		if err := batch(idx, b); err != nil {
			return st, fmt.Errorf("record the new store in the index: %w", err)
		}
	}
	log.Info("article store recovered", "from_store", st.FromStore, "from_index", st.FromIndex, "deleted", st.Deleted, "lost", len(st.Lost), "old_store", st.Damaged)
	return st, nil
}

// salvage reads what it can of the store file at path: the decodable
// articles, the deleted ids, and the ids of records that could not be
// decoded. A missing, empty or unopenable file yields nothing. Where a
// damaged page stops a walk over a bucket, a second walk from the other
// end reads what lies beyond it.
func salvage(path string) (map[string]api.Article, map[string]bool, []string, error) {
	arts, deleted := map[string]api.Article{}, map[string]bool{}
	var unreadable []string
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		return arts, deleted, nil, nil
	}
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	})
	if err != nil {
		slog.Warn("the old store cannot be opened: nothing salvaged from it", "store", path, "err", err)
		return arts, deleted, nil, nil
	}
	defer db.Close()
	walk := func(bucket []byte, visit func(k, v []byte)) {
		forward := guard(func() error {
			return db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				if b == nil {
					return nil
				}
				c := b.Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					visit(k, v)
				}
				return nil
			})
		})
		if forward == nil {
			return
		}
		_ = guard(func() error {
			return db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				if b == nil {
					return nil
				}
				c := b.Cursor()
				for k, v := c.Last(); k != nil; k, v = c.Prev() {
					visit(k, v)
				}
				return nil
			})
		})
	}
	walk(bucketArticles, func(k, v []byte) {
		id := string(k)
		if _, ok := arts[id]; ok {
			return
		}
		var a api.Article
		if err := decodeRecord(id, v, &a); err != nil || a.ID != id {
			unreadable = append(unreadable, id)
			return
		}
		arts[id] = a
	})
	walk(bucketDeleted, func(k, _ []byte) {
		if _, ok := arts[string(k)]; !ok {
			deleted[string(k)] = true
		}
	})
	slices.Sort(unreadable)
	return arts, deleted, slices.Compact(unreadable), nil
}

// writeStore writes a new store file at path holding arts and the
// deletions, every one numbered, and returns its id.
func writeStore(path string, arts map[string]api.Article, deleted map[string]bool) (string, error) {
	s, err := openStoreAt(path)
	if err != nil {
		return "", err
	}
	batch := make([]api.Article, 0, DefaultBatchSize)
	for _, a := range arts {
		batch = append(batch, a)
		if len(batch) == DefaultBatchSize {
			if _, _, err := s.Put(batch); err != nil {
				_ = s.Close()
				return "", err
			}
			batch = batch[:0]
		}
	}
	if _, _, err := s.Put(batch); err != nil {
		_ = s.Close()
		return "", err
	}
	ids := make([]string, 0, len(deleted))
	for id := range deleted {
		ids = append(ids, id)
	}
	if err := s.markDeleted(ids); err != nil {
		_ = s.Close()
		return "", err
	}
	return s.ID(), s.Close()
}
