package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/search/api"
)

// Reindex builds a new index in a new directory under the data directory
// from the article store, re-tagging every article, while the current
// index goes on serving and taking writes. It then, under the write lock:
// applies the changes made meanwhile (by sequence number), checks that the
// new index holds exactly the articles of the store (anything else is a
// bug) and, unless opts.Force, that it does not hold markedly fewer than
// the index it replaces (api.ErrWouldShrink), records it in the CURRENT
// pointer file, swaps it into the alias (searches in flight finish on the
// old index; new ones wait for the swap, they never fail), then closes and
// removes the old index. On error, and when ctx is cancelled or the Writer
// closed before the swap, the current index stays as it was. A Writer
// whose index is damaged gets a new one and becomes ready; the damaged
// directory is removed.
func (w *Writer) Reindex(ctx context.Context, opts api.ReindexOptions) (api.ReindexStats, error) {
	if !w.begin() {
		return api.ReindexStats{}, api.ErrClosed
	}
	defer w.end()
	if !w.reindexing.CompareAndSwap(false, true) {
		return api.ReindexStats{}, api.ErrReindexRunning
	}
	defer w.reindexing.Store(false)
	if d := w.storeDamage.Load(); d != nil {
		return api.ReindexStats{}, fmt.Errorf("re-index: %w", *d)
	}
	// The new index needs about as much room as the old one, and more
	// while its segments merge.
	if size, err := dirSize(w.Dir()); err == nil {
		if err := w.checkSpace(size / 2); err != nil {
			return api.ReindexStats{}, fmt.Errorf("re-index: %w", err)
		}
	}
	// Close cancels the re-index.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(w.stopCtx, cancel)
	defer stop()

	start := time.Now()
	dir := filepath.Join(w.data, fmt.Sprintf("%s%d", reindexPrefix, time.Now().UnixNano()))
	stats := api.ReindexStats{Dir: dir}
	idx, from, err := w.build(ctx, dir, &stats)
	if err == nil {
		w.mu.Lock()
		var old bleve.Index
		var oldDir string
		old, oldDir, err = w.swapLocked(ctx, idx, dir, from, opts)
		w.mu.Unlock()
		if err == nil {
			// Searches that started before the swap held the alias's read
			// lock, which Swap waited for: none can still be using old.
			if old != nil {
				if cerr := closeIndex(old); cerr != nil {
					w.log.Warn("re-index: closing the old index", "dir", oldDir, "err", cerr)
				}
			}
			w.removeAll(oldDir)
			stats.Duration = time.Since(start)
			stats.Documents, err = idx.DocCount()
			if err != nil {
				return stats, fmt.Errorf("re-index: count %s: %w", dir, err)
			}
			return stats, nil
		}
	}
	if idx != nil {
		_ = closeIndex(idx)
	}
	w.removeAll(dir)
	return stats, fmt.Errorf("re-index into %s: %w", dir, err)
}

// build creates the index of a re-index in dir from every stored article
// and returns it with the store's sequence number from before it read the
// store: every change after it is applied again at the swap.
func (w *Writer) build(ctx context.Context, dir string, stats *api.ReindexStats) (bleve.Index, uint64, error) {
	from, err := w.store.Seq()
	if err != nil {
		return nil, 0, err
	}
	idx, err := createLive(dir, w.schema)
	if err != nil {
		return nil, 0, err
	}
	err = w.store.Each(DefaultBatchSize, func(arts []api.Article) error {
		stats.Stored += len(arts)
		return w.indexArticles(ctx, idx, arts, 0)
	})
	if err != nil {
		return idx, 0, err
	}
	return idx, from, nil
}

// shrinkMargin is the share of the served articles a re-index may lose
// without Force: 1%.
const shrinkMargin = 100

// swapLocked applies the store's changes numbered after from to idx,
// checks it, makes it current on disk and in the alias, and returns the
// old index (nil if it was damaged). w.mu must be held. Ready reports
// api.ErrSwapping meanwhile.
func (w *Writer) swapLocked(ctx context.Context, idx bleve.Index, dir string, from uint64, opts api.ReindexOptions) (bleve.Index, string, error) {
	if w.closed.Load() {
		return nil, "", api.ErrClosed
	}
	w.swapping.Store(true)
	defer w.swapping.Store(false)
	if w.swapHook != nil {
		w.swapHook()
	}
	if _, err := w.catchUp(ctx, idx, from); err != nil {
		return nil, "", fmt.Errorf("apply the writes made during the build: %w", err)
	}
	seq, err := w.store.Seq()
	if err != nil {
		return nil, "", err
	}
	b := idx.NewBatch()
	w.setMarkers(b, seq)
	if err := batch(idx, b); err != nil {
		return nil, "", fmt.Errorf("record the store in the new index: %w", err)
	}
	n, err := idx.DocCount()
	if err != nil {
		return nil, "", fmt.Errorf("count: %w", err)
	}
	stored, err := w.store.Len()
	if err != nil {
		return nil, "", err
	}
	if n != uint64(stored) {
		return nil, "", fmt.Errorf("check: the new index holds %d articles but the store %d", n, stored)
	}
	if w.cur != nil && !opts.Force {
		served, err := w.cur.DocCount()
		if err != nil {
			return nil, "", fmt.Errorf("count the served index: %w", err)
		}
		if n+served/shrinkMargin < served {
			return nil, "", fmt.Errorf("%w: it would hold %d articles (all the store holds) where %d are served now. Refusing to swap it in: if the store lost articles, stop the server and run 'cutwatch store recover'; to swap anyway, re-index with force=true",
				api.ErrWouldShrink, n, served)
		}
	}
	// The last point at which a cancelled re-index leaves no trace.
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if err := SetCurrent(w.data, dir); err != nil {
		return nil, "", err
	}
	old, oldDir := w.cur, w.curDir
	var out []bleve.Index
	if old != nil {
		out = []bleve.Index{old}
	}
	snap := w.readSnap(context.WithoutCancel(ctx), idx, w.gen.Load()+1)
	w.alias.Swap([]bleve.Index{idx}, out)
	w.gen.Add(1)
	w.counts.Store(snap)
	w.cur, w.curDir = idx, dir
	w.setDir(dir)
	w.damage.Store(nil)
	w.behind, w.readOnly = false, false
	return old, oldDir, nil
}

// RebuildData re-indexes the --data directory data offline, for
// 'cutwatch index --rebuild': like Writer.Reindex it builds a new index
// directory from the article store, re-tagging every article, checks it
// and makes it current. A damaged index is replaced. It fails with
// ErrLocked while a server has data open.
func RebuildData(ctx context.Context, data string, opts WriterOptions, ropts api.ReindexOptions) (api.ReindexStats, error) {
	opts.AllowDamaged = true
	w, err := OpenWriter(ctx, data, opts)
	if err != nil {
		return api.ReindexStats{}, err
	}
	st, err := w.Reindex(ctx, ropts)
	return st, errors.Join(err, w.Close())
}

// dirSize returns the total size of the files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && !d.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n, err
}
