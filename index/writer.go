package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Tagger finds the entities of an article's text: *tag.Tagger (the one of
// the process), or a test's.
type Tagger interface {
	Tag(text string) ([]tag.Entity, error)
}

// DefaultMinFree is the disk space a write must leave free on the file
// system of --data (WriterOptions.MinFree): room for bleve to merge
// segments and for the store to grow before the disk is really full.
const DefaultMinFree = 64 << 20

// minRoom is how much more space than there was when writes went off
// must be free before Writable reports them on again: a write that failed
// for lack of space leaves about as much free as before it (what it wrote
// is removed), so without that margin Writable would say writes are on
// while each write fails again.
const minRoom = 1 << 20

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Tagger tags new and re-indexed articles (required).
	Tagger Tagger
	// Schema is the table of entity kinds (schema.Default if nil).
	Schema *schema.Schema
	// Logger receives what OpenWriter repairs (slog.Default() if nil).
	Logger *slog.Logger
	// ObserveTag, if not nil, is called with the time the tagger took for
	// each article the Writer tags, so that the server can export it as a
	// metric. It must be safe for concurrent use and quick.
	ObserveTag func(time.Duration)
	// AllowDamaged makes OpenWriter succeed when the current index is
	// damaged (Open fails with an error wrapping api.ErrDamaged): the
	// Writer then holds the store but no index. Ready returns the damage,
	// Put and Delete are refused, and Reindex builds a new index from the
	// store and makes the Writer ready. The damaged directory is never
	// served.
	AllowDamaged bool
	// MinFree is the free space, in bytes, that a write must leave on the
	// file system of --data (DefaultMinFree if 0; negative: no check, only
	// a write that fails for lack of space turns writes off).
	MinFree int64
	// AfterWrite are hooks run after every acknowledged change, in order,
	// after the Writer's own (the generation that invalidates caches, the
	// match-all counts), before Put or Delete returns. They run under the
	// write lock: they must be quick and must not write.
	AfterWrite []func(Change)
	// BeforeAck are hooks run after AfterWrite, under the write lock,
	// whose work must be durable before the write is acknowledged (the
	// watches queue the deliveries of the articles a write matched). An
	// error from one makes Put or Delete return it: the change is then
	// stored and indexed but not acknowledged, as after any failed write,
	// and the hook must make up for it at its next call or at the next
	// start (see ChangesSince).
	BeforeAck []func(Change) error
	// SwapHook, if not nil, is called by Reindex inside the critical
	// section of the swap, while Ready returns ErrSwapping, writes wait
	// and the old index still serves searches; if it cancels the
	// re-index's context, the swap is abandoned and the old index stays.
	// Tests use it to hold that state open.
	SwapHook func()
}

// Change is what one acknowledged write changed, for AfterWrite hooks.
type Change struct {
	// Seq is the store's sequence number of the write's last change.
	Seq uint64
	// Put are the articles written, with their entities.
	Put []Written
	// Deleted are the ids deleted.
	Deleted []string
}

// Written is an article as written, with the entities the tagger found.
type Written struct {
	Article  api.Article
	Entities []tag.Entity
	// Changed is false for a re-send of an article exactly as the store
	// held it (same id, title, text, url and date): news to nobody.
	Changed bool
	// Analysed is what the index's analyzers made of the article's text
	// fields (FieldTitle, FieldText) when this write indexed it: each
	// field's terms with their positions, as the index holds them. The
	// watches match a write with them instead of analysing it again. Nil
	// when the article comes from elsewhere (read back from the store).
	Analysed map[string]bindex.TokenFrequencies
}

// Writer is the one write path of a --data directory: every way an article
// enters or leaves cutwatch (the write API, 'cutwatch index', the seeds at
// the first start, a re-index, a repair at open) goes through it. It keeps
// the article store (Store, the source of truth) and the index derived from
// it in step, serves searches through a bleve.IndexAlias over the current
// index, and re-indexes everything into a new directory which it then
// swaps in without a pause for readers.
//
// A write (Put, Delete) is tagged and checked first, then, under one lock:
// committed to the store (fsynced; it gets the store's next sequence
// number), applied to the index in one batch that also records that
// number (fsynced: a scorch Batch returns only once its segment and root
// file are persisted, bleve v2.6.3 index/scorch/scorch.go prepareSegment,
// since cutwatch never sets "unsafe_batch"), and then the after-write
// hooks run: the generation moves (which invalidates the search cache),
// the match-all facet counts are updated, then the hooks of
// WriterOptions.AfterWrite. It is acknowledged when the call returns nil.
//
// A crash between the store's commit and the index's leaves the index
// behind the store; OpenWriter applies the changes numbered after the one
// the index recorded. A write the index refuses (a full disk) is applied
// the same way before the next one, once the index can take it.
type Writer struct {
	data       string
	schema     *schema.Schema
	tagger     Tagger
	log        *slog.Logger
	observeTag func(time.Duration)
	minFree    int64
	hooks      []func(Change)
	ackHooks   []func(Change) error
	swapHook   func()

	store *Store // nil when the store is unusable (see storeDamage)
	alias *alias

	// life guards closed against running: Close waits for the re-index
	// that begin admitted, and none is admitted after it.
	life    sync.Mutex
	running sync.WaitGroup
	stopCtx context.Context
	stop    context.CancelFunc

	// mu serialises writes and the swap at the end of Reindex, so the
	// store and the index see changes in the same order.
	mu       sync.Mutex
	cur      bleve.Index // nil while damaged
	curDir   string
	behind   bool // the index has not applied every change of the store
	readOnly bool // cur is open for reads only (after a failed write)

	// The state Ready and Writable report, kept outside mu so that a
	// readiness probe never waits for a write or a swap.
	reindexing   atomic.Bool
	swapping     atomic.Bool
	closed       atomic.Bool
	damage       atomic.Pointer[error] // why there is no index, or nil
	storeDamage  atomic.Pointer[error] // why the store cannot be used, or nil
	noSpace      atomic.Pointer[error] // why writes are off for lack of space, or nil
	spaceChecked atomic.Int64          // when Writable last read the free space (Unix ns)
	advisedAt    atomic.Int64          // when the index's mapped segments were last advised (Unix ns)
	offFree      atomic.Uint64         // the free space when writes went off for lack of it
	dirName      atomic.Pointer[string]

	// gen counts the changes searches can see; see Generation.
	gen atomic.Uint64
	// counts are the bitmaps and match-all facet counts of generation
	// counts.gen (nil: unknown); see Bitmaps and MatchAllCounts. Written
	// under mu.
	counts atomic.Pointer[countsSnap]
	// nums numbers the articles of the bitmaps, across re-indexes.
	nums *bitmaps.Numbering
}

// Internal keys of an index, set by the Writer in the same batches as the
// documents they describe.
var (
	keyStoreID = []byte("cutwatch.store")   // the id of the store the index derives from
	keyApplied = []byte("cutwatch.applied") // the store sequence number of the last change applied
)

// OpenWriter opens the store and the current index of the --data directory
// data (see CurrentDir), creating both when they do not exist, and brings
// the index up to date with the store: the changes the store numbered
// after the last one the index applied are applied again. A store written
// by an older cutwatch (which kept the seeds in the index only) first takes
// in the index's other articles.
//
// A damaged index (with AllowDamaged) or a store that is missing, emptied
// or damaged beside an index of articles does not stop it: the Writer then
// serves what it can and Ready says why not all (api.ErrDamaged,
// api.ErrStoreUnusable). It fails for a locked --data (ErrLocked) and for
// errors it cannot serve around.
func OpenWriter(ctx context.Context, data string, opts WriterOptions) (*Writer, error) {
	if opts.Tagger == nil {
		return nil, errors.New("open writer: no tagger")
	}
	w := &Writer{
		data:       data,
		nums:       bitmaps.NewNumbering(),
		schema:     opts.Schema,
		tagger:     opts.Tagger,
		log:        opts.Logger,
		observeTag: opts.ObserveTag,
		minFree:    opts.MinFree,
		hooks:      opts.AfterWrite,
		ackHooks:   opts.BeforeAck,
		swapHook:   opts.SwapHook,
	}
	if w.schema == nil {
		w.schema = schema.Default
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.minFree == 0 {
		w.minFree = DefaultMinFree
	}
	w.stopCtx, w.stop = context.WithCancel(context.Background())
	w.alias = newAlias()

	store, err := OpenStore(data)
	switch {
	case err == nil:
		w.store = store
	case errors.Is(err, api.ErrStoreUnusable):
		damage := err
		w.storeDamage.Store(&damage)
		w.log.Error("the article store is damaged: serving the index as it is, without writes", "err", err)
	default:
		return nil, err
	}
	dir, err := CurrentDir(data)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	w.curDir = dir
	w.setDir(dir)
	if err := w.openIndex(ctx, dir, opts.AllowDamaged); err != nil {
		_ = w.Close()
		return nil, err
	}
	removed, err := removeStale(data, dir)
	for _, r := range removed {
		w.log.Warn("removed an index directory left by an interrupted re-index", "dir", r, "current", dir)
	}
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	if w.cur != nil && w.store != nil {
		if err := w.attach(ctx); err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open writer: bring index %s up to date with the store: %w", dir, err)
		}
	}
	w.initCounts(ctx)
	return w, nil
}

// openIndex opens the index in dir, creating it when there is none (the
// store then fills it, see attach). A damaged index leaves w without one
// when allowDamaged.
func (w *Writer) openIndex(ctx context.Context, dir string, allowDamaged bool) error {
	if !Exists(dir) {
		if w.store == nil {
			return fmt.Errorf("no index in %s, and the article store to build it from is unusable: %w", dir, *w.storeDamage.Load())
		}
		if filepath.Base(dir) != DefaultIndexName {
			// CURRENT names an index that is not there: build it again
			// from the store (attach applies all of it), if there is
			// anything to build it from.
			if n, err := w.store.Len(); err != nil || n == 0 {
				return fmt.Errorf("%s names the index %s, which is missing, and the article store holds no article to build it from: check --data, or remove %s to start a new index",
					filepath.Join(w.data, CurrentFile), dir, CurrentFile)
			}
			w.log.Warn("the index that CURRENT names is missing: building it again from the article store", "index", dir)
		}
		idx, err := createLive(dir, w.schema)
		if err != nil {
			return err
		}
		w.cur = idx
		w.alias.Swap([]bleve.Index{idx}, nil)
		return nil
	}
	idx, err := open(dir, modeLive)
	if err != nil {
		if !allowDamaged || !errors.Is(err, api.ErrDamaged) {
			return err
		}
		// The alias stays empty: a search fails (bleve.ErrorAliasEmpty)
		// rather than finding nothing.
		w.damage.Store(&err)
		w.log.Warn("index is damaged: opened without it until a re-index replaces it", "index", dir, "err", err)
		return nil
	}
	w.cur = idx
	w.alias.Swap([]bleve.Index{idx}, nil)
	return nil
}

// attach links the open index to the store: it adopts a new store for an
// empty index, imports a legacy index's articles into a legacy store, and
// applies the store's changes the index has not. An index built from
// another store (the store file was removed, emptied or replaced) is not
// touched: the Writer then reports api.ErrStoreUnusable.
func (w *Writer) attach(ctx context.Context) error {
	id, applied, err := markers(w.cur)
	if err != nil {
		return err
	}
	docs, err := w.cur.DocCount()
	if err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	switch {
	case id == w.store.ID():
	case docs == 0:
		// An empty index (new, or its articles all deleted) adopts the
		// store and applies all of it.
		applied = 0
	case id == "" && w.store.Legacy():
		n, err := w.migrateLegacy(ctx)
		if err != nil {
			return fmt.Errorf("import the index's articles into the store: %w", err)
		}
		w.log.Warn("upgraded a --data directory of an older cutwatch: the store is now the source of every article", "imported_from_index", n)
		if applied, err = w.store.Seq(); err != nil {
			return err
		}
	default:
		n, _ := w.store.Len()
		err := fmt.Errorf("%w: %s holds %d articles but is not the store the index %s (%d articles) was built from: it was removed, emptied or replaced. Reads go on from the index; writes and re-indexes are off. Stop the server and run 'cutwatch store recover' to rebuild the store from the index (and from what the store still holds)",
			api.ErrStoreUnusable, w.store.Path(), n, w.curDir, docs)
		w.storeDamage.Store(&err)
		w.log.Error("the article store does not match the index", "err", err)
		return nil
	}
	n, err := w.catchUp(ctx, w.cur, applied)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Warn("index was behind the article store: applied the changes it had missed", "index", w.curDir, "changes", n)
	}
	return w.checkInStep(ctx)
}

// checkInStep compares the number of articles in the index and the
// store, which are equal when both are whole. An index with more articles
// means the store lost some (reported, not repaired: 'cutwatch store
// recover' brings them back); one with fewer is repaired from the store.
//
// The store's own count of its change records is compared first
// (Store.Counted); the articles are counted one by one (Store.Len, which
// reads a page of each) only when that differs.
func (w *Writer) checkInStep(ctx context.Context) error {
	docs, err := w.cur.DocCount()
	if err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	if n, err := w.store.Counted(); err == nil && uint64(n) == docs {
		return nil
	}
	stored, err := w.store.Len()
	if err != nil {
		return err
	}
	switch {
	case uint64(stored) == docs:
		return nil
	case uint64(stored) < docs:
		err := fmt.Errorf("%w: the store %s holds %d articles, the index %d: the store lost articles. Reads go on from the index; writes and re-indexes are off. Stop the server and run 'cutwatch store recover' to bring them back from the index",
			api.ErrStoreUnusable, w.store.Path(), stored, docs)
		w.storeDamage.Store(&err)
		w.log.Error("the article store holds fewer articles than the index", "err", err)
		return nil
	}
	n, err := w.indexMissing(ctx)
	if err != nil {
		return err
	}
	w.log.Warn("index lacked stored articles: indexed them", "index", w.curDir, "articles", n)
	return nil
}

// markers reads the store id and the last applied sequence number that
// idx records ("" and 0 for an index that records none).
func markers(idx bleve.Index) (string, uint64, error) {
	id, err := idx.GetInternal(keyStoreID)
	if err != nil {
		return "", 0, fmt.Errorf("read the index's store id: %w", err)
	}
	b, err := idx.GetInternal(keyApplied)
	if err != nil {
		return "", 0, fmt.Errorf("read the index's applied change: %w", err)
	}
	var applied uint64
	if len(b) == 8 {
		applied = binary.BigEndian.Uint64(b)
	}
	return string(id), applied, nil
}

// setMarkers records in b that its index derives from the store and has
// applied every change up to seq.
func (w *Writer) setMarkers(b *bleve.Batch, seq uint64) {
	b.SetInternal(keyStoreID, []byte(w.store.ID()))
	b.SetInternal(keyApplied, seqKey(seq))
}

// Schema returns the entity kinds of the index.
func (w *Writer) Schema() *schema.Schema { return w.schema }

// Index returns the index to search: an alias that always points to the
// current index, also across re-indexes.
func (w *Writer) Index() bleve.Index { return w.alias }

// Dir returns the directory of the current index (the damaged one while
// Ready reports api.ErrDamaged). It does not wait for writes or a swap.
func (w *Writer) Dir() string { return *w.dirName.Load() }

func (w *Writer) setDir(dir string) { w.dirName.Store(&dir) }

// Generation returns a number that grows with every change to the index
// that searches can see: each Put and Delete, each re-index swap, each
// repair. It moves after the change is visible to searches and before the
// call that made it returns. So a search that read generation g before it
// started saw at least the index of generation g, and once a write has
// returned, the generation is past every g read before it: a cache keyed
// on the generation (search.Options.Generation) never serves a result
// older than the last finished write.
func (w *Writer) Generation() uint64 { return w.gen.Load() }

// Ready returns nil when the Writer has an index that can serve reads,
// and otherwise why not (see api.Readiness). It only reads flags.
func (w *Writer) Ready() error {
	if w.closed.Load() {
		return api.ErrClosed
	}
	if d := w.damage.Load(); d != nil {
		return *d
	}
	if d := w.storeDamage.Load(); d != nil {
		return *d
	}
	if w.swapping.Load() {
		return api.ErrSwapping
	}
	return nil
}

// Writable returns nil when the Writer takes writes, or why not: one of
// Ready's errors (but a swap only delays writes), or an error wrapping
// api.ErrNoSpace while the disk is full. While it is, Writable reads the
// free space at most once a second and turns writes back on when there is
// room again.
func (w *Writer) Writable() error {
	if err := w.Ready(); err != nil && !errors.Is(err, api.ErrSwapping) {
		return err
	}
	p := w.noSpace.Load()
	if p == nil {
		return nil
	}
	now := time.Now().UnixNano()
	if last := w.spaceChecked.Load(); now-last > int64(time.Second) && w.spaceChecked.CompareAndSwap(last, now) {
		// Writes come back with some room above the reserve, and only
		// once space was freed since they went off, so that they do not
		// go on and off with every article; without a reserve, a
		// little freed room is taken as room: the next write finds out
		// whether it is enough.
		room := max(uint64(max(w.minFree, 0)+max(w.minFree/2, minRoom)), w.offFree.Load()+minRoom)
		if free, ok := w.freeBytes(); ok && free >= room {
			w.noSpace.CompareAndSwap(p, nil)
			w.log.Info("disk space is back: writes are on", "free", free)
			return nil
		}
	}
	return *p
}

// begin admits a background operation (a re-index) unless the Writer is
// closed; end must follow.
func (w *Writer) begin() bool {
	w.life.Lock()
	defer w.life.Unlock()
	if w.closed.Load() {
		return false
	}
	w.running.Add(1)
	return true
}

func (w *Writer) end() { w.running.Done() }

// Close stops a running re-index (the current index stays), waits for it,
// and closes the index and the store. Closing again does nothing.
func (w *Writer) Close() error {
	w.life.Lock()
	already := w.closed.Swap(true)
	w.life.Unlock()
	if already {
		return nil
	}
	w.stop()
	w.running.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.alias.Close()
	var errs []error
	if w.cur != nil {
		if err := closeIndex(w.cur); err != nil {
			errs = append(errs, fmt.Errorf("close index %s: %w", w.curDir, err))
		}
		w.cur = nil
	}
	if w.store != nil {
		errs = append(errs, w.store.Close())
	}
	return errors.Join(errs...)
}

// removeAll removes a directory, logging a failure: what is left is
// removed at the next open (removeStale).
func (w *Writer) removeAll(dir string) {
	if err := os.RemoveAll(dir); err != nil {
		w.log.Warn("could not remove a directory", "dir", dir, "err", err)
	}
}

// New reports whether the --data directory has never held an article: a
// store without a single change, beside an empty index.
func (w *Writer) New() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.store == nil || w.cur == nil || w.storeDamage.Load() != nil {
		return false
	}
	seq, err := w.store.Seq()
	if err != nil || seq > 0 {
		return false
	}
	n, err := w.cur.DocCount()
	return err == nil && n == 0
}
