package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index/tag"
)

// ErrNotFound is returned (wrapped) by Writer.Delete for an unknown id.
var ErrNotFound = errors.New("not found")

// ErrReindexRunning is returned by Writer.Reindex while another re-index
// runs.
var ErrReindexRunning = errors.New("a re-index is already running")

// ErrSwapping is returned by Writer.Ready during the short critical
// section of a re-index that makes the new index current (CURRENT
// renamed, alias swapped). Searches go on meanwhile; writes wait.
var ErrSwapping = errors.New("a re-index is swapping in the new index")

// ErrClosed is returned by Writer.Ready once the Writer is closed.
var ErrClosed = errors.New("index is closed")

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Tagger tags new and re-indexed articles (required; the one Tagger
	// of the process).
	Tagger *tag.Tagger
	// Sources are the article files and folders (e.g. the seeds) that a
	// re-index reads besides the store.
	Sources []string
	// Logger receives what OpenWriter repairs (slog.Default() if nil).
	Logger *slog.Logger
	// ObserveTag, if not nil, is called with the time the tagger took for
	// each article the Writer tags (ingest, re-index, repairs at open), so
	// that the server can export it as a metric. It must be safe for
	// concurrent use and quick.
	ObserveTag func(time.Duration)
	// AllowDamaged makes OpenWriter succeed when the current index is
	// damaged (Open fails with an error wrapping ErrDamaged): the Writer
	// then holds the store but no index. Ready returns the damage,
	// searches of Index fail, Put and Delete are refused, and Reindex
	// builds a new index and makes the Writer ready. 'cutwatch serve'
	// uses it to start as not ready rather than not at all, RebuildData
	// to replace a damaged index. The damaged directory is never served.
	AllowDamaged bool
	// SwapHook, if not nil, is called by Reindex inside the critical
	// section of the swap, while Ready returns ErrSwapping, writes wait
	// and the old index still serves searches; if it cancels the
	// re-index's context, the swap is abandoned and the old index stays.
	// Tests use it to hold that state open.
	SwapHook func()
}

// Writer is the live index of a --data directory: it serves searches
// through a bleve.IndexAlias over the current index, takes new articles and
// deletions while searches run, and re-indexes everything into a new
// directory which it then swaps in without a pause for readers.
//
// Durability: Put and Delete return only when the change is both in the
// index on disk and in the Store. A scorch Batch does not return before the
// segment holding it is persisted: Scorch.prepareSegment waits on
// introduction.persisted, which the persister signals after writing and
// fsyncing the segment file and committing and fsyncing its root bolt file
// (bleve v2.6.3, index/scorch/scorch.go and persister.go); only the
// "unsafe_batch" option, which cutwatch never sets, skips that wait. The
// change is then recorded in the Store, whose commits fsync too. A change
// is searchable once Batch has returned.
type Writer struct {
	data    string
	sources []string
	tagger  *tag.Tagger
	store   *Store
	alias   bleve.IndexAlias
	// observeTag receives the tagger's time per article (nil: nobody).
	observeTag func(time.Duration)

	// mu serialises Put, Delete and the swap at the end of Reindex, so the
	// index and the store see changes in the same order.
	mu      sync.Mutex
	cur     bleve.Index // nil while damaged
	curDir  string
	tracked map[string]struct{} // ids changed while a re-index runs, else nil

	// The state Ready reports, kept outside mu so that a readiness probe
	// never waits for a write or a swap.
	reindexing atomic.Bool
	swapping   atomic.Bool
	closed     atomic.Bool
	damage     atomic.Pointer[error] // why there is no index, or nil
	dirName    atomic.Pointer[string]
	swapHook   func()

	// gen counts the changes searches can see; see Generation.
	gen atomic.Uint64
	// counts are the match-all facet counts of generation counts.gen
	// (nil: unknown); see MatchAllCounts. Written under mu.
	counts atomic.Pointer[countsSnap]
}

// Generation returns a number that grows with every change to the index
// that searches can see: each Put and Delete and each re-index swap. It
// moves after the change is visible to searches and before the call that
// made it returns. So a search that read generation g before it started
// saw at least the index of generation g, and once a write has returned,
// the generation is past every g read before it: a cache keyed on the
// generation (search.Options.Generation) never serves a result older than
// the last finished write.
func (w *Writer) Generation() uint64 { return w.gen.Load() }

// OpenWriter opens the store and the current index of the --data directory
// data (see CurrentDir), which must exist. It removes index directories
// left over by an interrupted re-index, and brings the index up to date
// with the store: stored articles missing from the index (after an index
// rebuilt from the sources only, say) are indexed again and deleted ones
// removed.
func OpenWriter(ctx context.Context, data string, opts WriterOptions) (*Writer, error) {
	return openWriter(ctx, data, opts, true)
}

func openWriter(ctx context.Context, data string, opts WriterOptions, reconcile bool) (*Writer, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Tagger == nil {
		return nil, errors.New("open writer: no tagger")
	}
	store, err := OpenStore(data)
	if err != nil {
		return nil, err
	}
	dir, err := CurrentDir(data)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	idx, err := Open(dir)
	damaged := opts.AllowDamaged && errors.Is(err, ErrDamaged)
	if err != nil && !damaged {
		_ = store.Close()
		return nil, err
	}
	w := &Writer{
		data:     data,
		sources:  opts.Sources,
		tagger:   opts.Tagger,
		store:    store,
		curDir:   dir,
		swapHook: opts.SwapHook,

		observeTag: opts.ObserveTag,
	}
	w.setDir(dir)
	if damaged {
		// An empty alias: a search fails (bleve.ErrorAliasEmpty) rather
		// than finding nothing.
		w.alias = bleve.NewIndexAlias()
		damage := err
		w.damage.Store(&damage)
		log.Warn("index is damaged: opened without it until a re-index replaces it", "index", dir, "err", damage)
	} else {
		w.alias = bleve.NewIndexAlias(idx)
		w.cur = idx
	}
	removed, err := removeStale(data, dir)
	for _, r := range removed {
		log.Warn("removed an index directory left by an interrupted re-index", "dir", r, "current", dir)
	}
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	if damaged {
		return w, nil
	}
	if !reconcile {
		w.initCountsLocked(ctx)
		return w, nil
	}
	n, err := w.reconcile(ctx, idx)
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open writer: bring index %s up to date with the store: %w", dir, err)
	}
	if n > 0 {
		log.Warn("index was behind the article store: re-applied stored articles and deletions", "index", dir, "articles", n)
	}
	w.initCountsLocked(ctx)
	return w, nil
}

// Index returns the index to search: an alias that always points to the
// current index, also across re-indexes.
func (w *Writer) Index() bleve.Index { return w.alias }

// Dir returns the directory of the current index (the damaged one while
// Ready reports ErrDamaged). It does not wait for writes or a swap.
func (w *Writer) Dir() string { return *w.dirName.Load() }

func (w *Writer) setDir(dir string) { w.dirName.Store(&dir) }

// Ready returns nil when the Writer has an index that can serve, and
// otherwise why not: an error wrapping ErrDamaged when the current index
// was found damaged at open and has not been rebuilt yet (there is
// nothing to search), ErrSwapping during the critical section of a
// re-index's swap, ErrClosed after Close. It only reads flags, so a
// readiness probe can call it as often as it likes.
func (w *Writer) Ready() error {
	if w.closed.Load() {
		return ErrClosed
	}
	if d := w.damage.Load(); d != nil {
		return *d
	}
	if w.swapping.Load() {
		return ErrSwapping
	}
	return nil
}

// Close closes the index and the store. Closing again does nothing.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed.Swap(true) {
		return nil
	}
	_ = w.alias.Close()
	var err error
	if w.cur != nil {
		if err = w.cur.Close(); err != nil {
			err = fmt.Errorf("close index %s: %w", w.curDir, err)
		}
	}
	return errors.Join(err, w.store.Close())
}

// usableLocked returns why the Writer cannot write: the damage, or
// ErrClosed. w.mu must be held.
func (w *Writer) usableLocked() error {
	if w.closed.Load() {
		return ErrClosed
	}
	if w.cur == nil {
		if d := w.damage.Load(); d != nil {
			return fmt.Errorf("no writes until the index is rebuilt: %w", *d)
		}
		return ErrClosed
	}
	return nil
}

// prepared is an article tagged and turned into an index document.
type prepared struct {
	ents []tag.Entity
	doc  map[string]any
}

// prepare checks and tags arts, in parallel for larger batches.
func (w *Writer) prepare(ctx context.Context, arts []Article) ([]prepared, error) {
	out := make([]prepared, len(arts))
	errs := make([]error, len(arts))
	for i := range arts {
		if err := arts[i].Normalize(); err != nil {
			return nil, fmt.Errorf("article %d: %w", i+1, err)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(arts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(arts) || ctx.Err() != nil {
					return
				}
				ents, err := tagTimed(w.tagger, w.observeTag, arts[i].Text)
				if err != nil {
					errs[i] = fmt.Errorf("article %q: tag: %w", arts[i].ID, err)
					continue
				}
				doc, err := document(arts[i], ents)
				if err != nil {
					errs[i] = fmt.Errorf("article %q: %w", arts[i].ID, err)
					continue
				}
				out[i] = prepared{ents: ents, doc: doc}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// Put tags arts, indexes them in one batch (replacing articles with the
// same ids) and records them in the store. It returns each article's
// entities once all of them are durably on disk and searchable. Articles
// must have ids (see DecodeIngest); they are normalised again here.
func (w *Writer) Put(ctx context.Context, arts []Article) ([][]tag.Entity, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	preps, err := w.prepare(ctx, arts)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err // the client is gone: write nothing
	}
	if err := w.usableLocked(); err != nil {
		return nil, err
	}
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	old, err := facetsOf(ctx, w.cur, ids)
	if err != nil {
		return nil, fmt.Errorf("write batch of %d articles to %s: %w", len(arts), w.curDir, err)
	}
	b := w.cur.NewBatch()
	for i, a := range arts {
		if err := b.Index(a.ID, preps[i].doc); err != nil {
			return nil, fmt.Errorf("article %q: %w", a.ID, err)
		}
	}
	err = w.cur.Batch(b)
	w.advanceLocked(err == nil, old, ids) // even a failed batch may have changed the index
	if err != nil {
		return nil, fmt.Errorf("write batch of %d articles to %s: %w", len(arts), w.curDir, err)
	}
	if err := w.store.Put(arts); err != nil {
		return nil, err
	}
	for _, a := range arts {
		w.track(a.ID)
	}
	ents := make([][]tag.Entity, len(arts))
	for i := range preps {
		ents[i] = preps[i].ents
	}
	return ents, nil
}

// Delete removes the article id from the index and the store, and records
// the deletion so that a re-index does not bring it back from the sources.
// It returns an error wrapping ErrNotFound when neither has it.
func (w *Writer) Delete(ctx context.Context, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.usableLocked(); err != nil {
		return err
	}
	_, stored, err := w.store.Get(id)
	if err != nil {
		return err
	}
	doc, err := w.cur.Document(id)
	if err != nil {
		return fmt.Errorf("delete article %q: look it up: %w", id, err)
	}
	if !stored && doc == nil {
		return fmt.Errorf("article %q: %w", id, ErrNotFound)
	}
	old, err := facetsOf(ctx, w.cur, []string{id})
	if err != nil {
		return fmt.Errorf("delete article %q: %w", id, err)
	}
	b := w.cur.NewBatch()
	b.Delete(id)
	err = w.cur.Batch(b)
	w.advanceLocked(err == nil, old, []string{id})
	if err != nil {
		return fmt.Errorf("delete article %q from %s: %w", id, w.curDir, err)
	}
	if err := w.store.Delete(id); err != nil {
		return err
	}
	w.track(id)
	return nil
}

// advanceLocked moves the generation after a batch that changed the
// documents ids, whose facet values before it were old, and with it the
// match-all counts: updated by the batch when ok, else counted again. w.mu
// must be held; searches never see counts of one generation with another's
// number (see MatchAllCounts).
func (w *Writer) advanceLocked(ok bool, old map[string]docFacets, ids []string) {
	var next *FacetCounts
	if cur := w.counts.Load(); ok && cur != nil && cur.counts != nil {
		ctx := context.Background()
		nw, err := facetsOf(ctx, w.cur, ids)
		n, err2 := w.cur.DocCount()
		if err == nil && err2 == nil {
			next = cur.counts.apply(n, old, nw)
		}
	}
	if next == nil {
		next, _ = countAll(context.Background(), w.cur) // nil on error: unknown
	}
	w.counts.Store(&countsSnap{gen: w.gen.Add(1), counts: next})
}

// initCountsLocked counts the facets of the current index for the current
// generation. w.mu must be held (or w not yet shared).
func (w *Writer) initCountsLocked(ctx context.Context) {
	if w.cur == nil {
		w.counts.Store(nil)
		return
	}
	c, err := countAll(ctx, w.cur)
	if err != nil {
		c = nil
	}
	w.counts.Store(&countsSnap{gen: w.gen.Load(), counts: c})
}

// track notes a changed id for a running re-index. w.mu must be held.
func (w *Writer) track(id string) {
	if w.tracked != nil {
		w.tracked[id] = struct{}{}
	}
}

// ReindexStats describes a finished re-index.
type ReindexStats struct {
	Dir         string        `json:"dir"`          // the new index directory
	Documents   uint64        `json:"documents"`    // articles in it
	FromSources int           `json:"from_sources"` // articles read from the sources
	FromStore   int           `json:"from_store"`   // articles read from the store
	Skipped     []Skip        `json:"skipped"`      // source inputs not indexed
	Duration    time.Duration `json:"duration_ns"`
}

// Reindex builds a new index in a new directory under the data directory
// from the sources and the store, re-tagging every article, while the
// current index goes on serving and taking writes. It checks the new index
// (its document count must be what was put in), applies the writes made
// meanwhile, records it in the CURRENT pointer file, swaps it into the
// alias (searches in flight finish on the old index; new ones wait for the
// swap, they never fail), then closes and removes the old index. On error,
// and when ctx is cancelled before the swap, the current index stays as it
// was. A Writer whose index is damaged (see AllowDamaged) gets a new one
// and becomes ready; the damaged directory is removed.
func (w *Writer) Reindex(ctx context.Context) (ReindexStats, error) {
	if w.closed.Load() {
		return ReindexStats{}, ErrClosed
	}
	if !w.reindexing.CompareAndSwap(false, true) {
		return ReindexStats{}, ErrReindexRunning
	}
	defer w.reindexing.Store(false)
	start := time.Now()

	w.mu.Lock()
	w.tracked = make(map[string]struct{})
	w.mu.Unlock()
	stopTracking := func() {
		w.mu.Lock()
		w.tracked = nil
		w.mu.Unlock()
	}

	dir := filepath.Join(w.data, fmt.Sprintf("%s%d", reindexPrefix, time.Now().UnixNano()))
	idx, stats, err := w.build(ctx, dir)
	if err != nil {
		stopTracking()
		if idx != nil {
			_ = idx.Close()
		}
		_ = os.RemoveAll(dir)
		return stats, fmt.Errorf("re-index into %s: %w", dir, err)
	}

	w.mu.Lock()
	old, oldDir, err := w.swapLocked(ctx, idx, dir)
	w.tracked = nil
	w.mu.Unlock()
	if err != nil {
		_ = idx.Close()
		_ = os.RemoveAll(dir)
		return stats, fmt.Errorf("re-index into %s: %w", dir, err)
	}
	// Searches that started before the swap held the alias's read lock,
	// which Swap waited for: none can still be using old.
	if old != nil {
		if err := old.Close(); err != nil {
			return stats, fmt.Errorf("re-index: close old index %s: %w", oldDir, err)
		}
	}
	if err := os.RemoveAll(oldDir); err != nil {
		return stats, fmt.Errorf("re-index: remove old index %s: %w", oldDir, err)
	}
	stats.Duration = time.Since(start)
	stats.Documents, err = idx.DocCount()
	if err != nil {
		return stats, fmt.Errorf("re-index: count %s: %w", dir, err)
	}
	return stats, nil
}

// swapLocked applies the writes tracked during the build to idx, makes it
// current on disk and in the alias, and returns the old index (nil if it
// was damaged). w.mu must be held. Ready reports ErrSwapping meanwhile.
func (w *Writer) swapLocked(ctx context.Context, idx bleve.Index, dir string) (bleve.Index, string, error) {
	w.swapping.Store(true)
	defer w.swapping.Store(false)
	if w.swapHook != nil {
		w.swapHook()
	}
	ids := make([]string, 0, len(w.tracked))
	for id := range w.tracked {
		ids = append(ids, id)
	}
	if err := w.copyFromStore(ctx, idx, ids); err != nil {
		return nil, "", fmt.Errorf("apply writes made during the build: %w", err)
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
	counts, err := countAll(context.WithoutCancel(ctx), idx)
	if err != nil {
		counts = nil // searches count with bleve until the next re-index
	}
	w.alias.Swap([]bleve.Index{idx}, out)
	w.counts.Store(&countsSnap{gen: w.gen.Add(1), counts: counts})
	w.cur, w.curDir = idx, dir
	w.setDir(dir)
	w.damage.Store(nil)
	return old, oldDir, nil
}

// indexer returns an Indexer writing to idx with the Writer's tagger and
// tag-time observer.
func (w *Writer) indexer(idx bleve.Index) *Indexer {
	ix := NewIndexer(idx, w.tagger)
	ix.ObserveTag = w.observeTag
	return ix
}

// build creates the index of a re-index in dir and checks its count.
func (w *Writer) build(ctx context.Context, dir string) (bleve.Index, ReindexStats, error) {
	var stats ReindexStats
	stats.Dir = dir
	idx, err := Create(dir)
	if err != nil {
		return nil, stats, err
	}
	files, skips, err := FindFiles(w.sources)
	if err != nil {
		return idx, stats, err
	}
	fs, err := w.indexer(idx).IndexFiles(ctx, files, nil)
	stats.Skipped = append(skips, fs.Skipped...)
	stats.FromSources = fs.Indexed
	if err != nil {
		return idx, stats, err
	}
	// Stored articles replace source articles with the same id.
	overlap := 0
	ix := w.indexer(idx)
	err = w.store.Each(DefaultBatchSize, func(arts []Article) error {
		for _, a := range arts {
			d, err := idx.Document(a.ID)
			if err != nil {
				return fmt.Errorf("look up %q: %w", a.ID, err)
			}
			if d != nil {
				overlap++
			}
		}
		stats.FromStore += len(arts)
		_, err := ix.IndexArticles(ctx, arts)
		return err
	})
	if err != nil {
		return idx, stats, err
	}
	if stats.FromSources+stats.FromStore == 0 && len(w.sources) > 0 {
		// Sources were given but not one article came of them or the
		// store: keep the current index rather than swap in an empty one.
		return idx, stats, fmt.Errorf("re-index into %s: %w (%d inputs skipped)", dir, ErrNothingIndexed, len(stats.Skipped))
	}
	deleted, err := w.store.DeletedIDs()
	if err != nil {
		return idx, stats, err
	}
	removed := 0
	b := idx.NewBatch()
	for _, id := range deleted {
		d, err := idx.Document(id)
		if err != nil {
			return idx, stats, fmt.Errorf("look up %q: %w", id, err)
		}
		if d != nil {
			b.Delete(id)
			removed++
		}
	}
	if err := idx.Batch(b); err != nil {
		return idx, stats, fmt.Errorf("remove deleted articles: %w", err)
	}
	n, err := idx.DocCount()
	if err != nil {
		return idx, stats, fmt.Errorf("count: %w", err)
	}
	want := uint64(stats.FromSources + stats.FromStore - overlap - removed)
	if n != want {
		return idx, stats, fmt.Errorf("check: new index holds %d articles, want %d (%d from sources + %d from the store - %d in both - %d deleted)",
			n, want, stats.FromSources, stats.FromStore, overlap, removed)
	}
	return idx, stats, nil
}

// copyFromStore makes the articles ids of idx match the store: stored ones
// are (re-)indexed, the others removed from idx if deleted.
func (w *Writer) copyFromStore(ctx context.Context, idx bleve.Index, ids []string) error {
	var arts []Article
	b := idx.NewBatch()
	for _, id := range ids {
		a, ok, err := w.store.Get(id)
		if err != nil {
			return err
		}
		if ok {
			arts = append(arts, a)
			continue
		}
		del, err := w.store.Deleted(id)
		if err != nil {
			return err
		}
		if del {
			b.Delete(id)
		}
	}
	if b.Size() > 0 {
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("remove deleted articles: %w", err)
		}
	}
	for len(arts) > 0 {
		n := min(len(arts), DefaultBatchSize)
		if _, err := w.indexer(idx).IndexArticles(ctx, arts[:n]); err != nil {
			return err
		}
		arts = arts[n:]
	}
	return nil
}

// reconcile indexes stored articles missing from idx and removes deleted
// ones that idx still has. It returns how many it re-applied.
func (w *Writer) reconcile(ctx context.Context, idx bleve.Index) (int, error) {
	var ids []string
	err := w.store.Each(DefaultBatchSize, func(arts []Article) error {
		for _, a := range arts {
			d, err := idx.Document(a.ID)
			if err != nil {
				return fmt.Errorf("look up %q: %w", a.ID, err)
			}
			if d == nil {
				ids = append(ids, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	deleted, err := w.store.DeletedIDs()
	if err != nil {
		return 0, err
	}
	for _, id := range deleted {
		d, err := idx.Document(id)
		if err != nil {
			return 0, fmt.Errorf("look up %q: %w", id, err)
		}
		if d != nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return len(ids), w.copyFromStore(ctx, idx, ids)
}

// RebuildData re-indexes the --data directory data offline, for
// 'cutwatch index --rebuild': like Writer.Reindex it builds a new index
// directory from opts.Sources and the article store, re-tagging every
// article (ingested ones too), checks it and makes it current. A data
// directory without an index gets its first one; a damaged index is
// replaced. It fails with ErrLocked while a server has data open.
func RebuildData(ctx context.Context, data string, opts WriterOptions) (ReindexStats, error) {
	dir, err := CurrentDir(data)
	if err != nil {
		return ReindexStats{}, err
	}
	if !Exists(dir) {
		// Lock the store first, so that no server is using data.
		s, err := OpenStore(data)
		if err != nil {
			return ReindexStats{}, err
		}
		idx, err := Create(dir)
		if err == nil {
			err = idx.Close()
		}
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return ReindexStats{}, err
		}
	}
	opts.AllowDamaged = true
	w, err := openWriter(ctx, data, opts, false)
	if err != nil {
		return ReindexStats{}, err
	}
	st, err := w.Reindex(ctx)
	return st, errors.Join(err, w.Close())
}
