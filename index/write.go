package index

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	bdoc "github.com/blevesearch/bleve/v2/document"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// DefaultBatchSize is how many articles go into one store transaction and
// index batch when many are written (files, a re-index, a repair).
const DefaultBatchSize = 200

// prepared is an article checked, tagged and turned into an index document.
type prepared struct {
	art  api.Article
	ents []tag.Entity
	doc  map[string]any
	bits *bitmaps.Doc // what the bitmaps keep of it
	err  error        // why it could not be prepared
}

// prepare checks and tags arts, in parallel, each into its own slot. It
// fails only when ctx ends; an article that cannot be prepared has its
// err set.
func (w *Writer) prepare(ctx context.Context, arts []api.Article) ([]prepared, error) {
	out := make([]prepared, len(arts))
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
				out[i] = w.prepareOne(arts[i])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// prepareOne normalises, tags and maps one article. A panic of the tagger
// fails the article, not the process.
func (w *Writer) prepareOne(a api.Article) (p prepared) {
	defer func() {
		if r := recover(); r != nil {
			p = prepared{art: a, err: fmt.Errorf("article %q: tagger panicked: %v", a.ID, r)}
			w.log.Error("tagger panicked", "id", a.ID, "panic", r)
		}
	}()
	if err := a.Normalize(); err != nil {
		return prepared{art: a, err: err}
	}
	start := time.Now()
	ents, err := w.tagger.Tag(a.Text)
	if w.observeTag != nil {
		w.observeTag(time.Since(start))
	}
	if err != nil {
		return prepared{art: a, err: fmt.Errorf("article %q: tag: %w", a.ID, err)}
	}
	d := derive(w.schema, a, ents)
	doc, err := documentOf(w.schema, a, ents, d)
	if err != nil {
		return prepared{art: a, err: fmt.Errorf("article %q: %w", a.ID, err)}
	}
	return prepared{art: a, ents: ents, doc: doc, bits: bitmapDoc(w.schema, a, d.sum, &d.cuts)}
}

// Prepared are articles checked and tagged by Prepare, not yet written:
// what the Writer would write, to be looked at (a feed source's filter
// matches them with search.Percolator) before PutPrepared writes them or
// some of them.
type Prepared struct {
	preps []prepared
}

// Written returns the prepared articles with their entities, as Put would
// write them (Changed is false: nothing is known of the store yet).
func (p *Prepared) Written() []Written {
	ws := make([]Written, len(p.preps))
	for i, pr := range p.preps {
		ws[i] = Written{Article: pr.art, Entities: pr.ents}
	}
	return ws
}

// Select returns the prepared articles whose ids are in ids, in their order.
func (p *Prepared) Select(ids []string) *Prepared {
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	out := &Prepared{}
	for _, pr := range p.preps {
		if keep[pr.art.ID] {
			out.preps = append(out.preps, pr)
		}
	}
	return out
}

// Len is the number of prepared articles.
func (p *Prepared) Len() int { return len(p.preps) }

// Prepare checks and tags arts (in parallel, outside the write lock) and
// maps them to index documents without writing them: the first half of
// Put. It fails, naming the article, when one of them is bad.
func (w *Writer) Prepare(ctx context.Context, arts []api.Article) (*Prepared, error) {
	preps, err := w.prepare(ctx, arts)
	if err != nil {
		return nil, err
	}
	for _, p := range preps {
		if p.err != nil {
			return nil, p.err
		}
	}
	return &Prepared{preps: preps}, nil
}

// PutPrepared writes articles that Prepare checked and tagged: the second
// half of Put, with the same guarantees.
func (w *Writer) PutPrepared(ctx context.Context, p *Prepared) ([][]tag.Entity, error) {
	ents, _, err := w.putPrepared(ctx, p)
	return ents, err
}

// putPrepared is PutPrepared, also returning the store's sequence number
// of the write's last change.
func (w *Writer) putPrepared(ctx context.Context, p *Prepared) ([][]tag.Entity, uint64, error) {
	if p == nil || len(p.preps) == 0 {
		return nil, 0, nil
	}
	seq, err := w.commit(ctx, p.preps)
	if err != nil {
		return nil, 0, err
	}
	ents := make([][]tag.Entity, len(p.preps))
	for i := range p.preps {
		ents[i] = p.preps[i].ents
	}
	return ents, seq, nil
}

// Put tags arts, stores them and indexes them in one batch (replacing
// articles with the same ids), runs the after-write hooks and returns each
// article's entities: see Writer for what has happened when it returns
// nil. Articles must have ids (see api.DecodeIngest); they are normalised
// again here. Nothing is written when one of them is bad. It is Prepare
// followed by PutPrepared.
func (w *Writer) Put(ctx context.Context, arts []api.Article) ([][]tag.Entity, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	p, err := w.Prepare(ctx, arts)
	if err != nil {
		return nil, err
	}
	return w.PutPrepared(ctx, p)
}

// commit writes prepared articles (all without err) through the store,
// the index and the hooks.
func (w *Writer) commit(ctx context.Context, preps []prepared) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, err // the client is gone: write nothing
	}
	var need int64
	arts := make([]api.Article, len(preps))
	ids := make([]string, len(preps))
	for i, p := range preps {
		arts[i], ids[i] = p.art, p.art.ID
		need += int64(len(p.art.Text) + len(p.art.Title) + len(p.art.URL))
	}
	if err := w.writableLocked(ctx, need); err != nil {
		return 0, err
	}
	seq, changed, err := w.store.Put(arts)
	if err != nil {
		return 0, w.storeFailedLocked(err)
	}
	b, docs, err := w.indexBatch(preps, nil)
	if err != nil {
		return 0, w.indexFailedLocked(err)
	}
	w.setMarkers(b, seq)
	if err := batch(w.cur, b); err != nil {
		return 0, w.indexFailedLocked(fmt.Errorf("write %d articles to %s: %w", len(arts), w.curDir, err))
	}
	ch := Change{Seq: seq, Put: make([]Written, len(preps))}
	bits := make([]*bitmaps.Doc, len(preps))
	for i, p := range preps {
		ch.Put[i] = Written{Article: p.art, Entities: p.ents, Changed: changed[i], Analysed: analysed(docs[i])}
		bits[i] = p.bits
	}
	return seq, w.afterWriteLocked(bits, nil, ch)
}

// indexBatch makes a batch of the current index that deletes deletes and
// indexes preps, with the documents it mapped them to. w.mu must be held.
func (w *Writer) indexBatch(preps []prepared, deletes []string) (*bleve.Batch, []*bdoc.Document, error) {
	b := w.cur.NewBatch()
	for _, id := range deletes {
		b.Delete(id)
	}
	docs := make([]*bdoc.Document, len(preps))
	for i, p := range preps {
		// Numbered before any search can see it, so that every document
		// a search finds has a number (see docNums).
		w.nums.Assign(p.art.ID)
		// Mapped here rather than by b.Index so that the hooks get what
		// the index's analysis made of it (Written.Analysed).
		docs[i] = bdoc.NewDocument(p.art.ID)
		err := w.cur.Mapping().MapDocument(docs[i], p.doc)
		if err == nil {
			err = b.IndexAdvanced(docs[i])
		}
		if err != nil {
			return nil, nil, fmt.Errorf("article %q: %w", p.art.ID, err)
		}
	}
	return b, docs, nil
}

// Delete removes the article id from the store and the index, records the
// deletion and runs the after-write hooks. It returns an error wrapping
// api.ErrNotFound when neither has it.
func (w *Writer) Delete(ctx context.Context, id string) error {
	_, err := w.DeleteSeq(ctx, id)
	return err
}

// DeleteSeq is Delete, also returning the store's sequence number of the
// deletion (api.Ingester).
func (w *Writer) DeleteSeq(ctx context.Context, id string) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := w.writableLocked(ctx, 0); err != nil {
		return 0, err
	}
	_, stored, err := w.store.Get(id)
	if err != nil && !errors.Is(err, api.ErrStoreUnusable) {
		return 0, err
	}
	doc, err := w.cur.Document(id)
	if err != nil {
		return 0, fmt.Errorf("delete article %q: look it up: %w", id, err)
	}
	if !stored && doc == nil {
		return 0, fmt.Errorf("article %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	}
	seq, err := w.store.Delete(id)
	if err != nil {
		return 0, w.storeFailedLocked(err)
	}
	b := w.cur.NewBatch()
	b.Delete(id)
	w.setMarkers(b, seq)
	if err := batch(w.cur, b); err != nil {
		return 0, w.indexFailedLocked(fmt.Errorf("delete article %q from %s: %w", id, w.curDir, err))
	}
	return seq, w.afterWriteLocked(nil, []string{id}, Change{Seq: seq, Deleted: []string{id}})
}

// writableLocked returns why the Writer cannot take a write of about need
// bytes now, after applying the store's changes that an earlier failed
// write left the index without. w.mu must be held.
func (w *Writer) writableLocked(ctx context.Context, need int64) error {
	switch {
	case w.closed.Load():
		return api.ErrClosed
	case w.cur == nil:
		if d := w.damage.Load(); d != nil {
			return fmt.Errorf("no writes until the index is rebuilt: %w", *d)
		}
		return api.ErrClosed
	case w.store == nil || w.storeDamage.Load() != nil:
		return *w.storeDamage.Load()
	}
	if err := w.checkSpace(need); err != nil {
		return err
	}
	if w.readOnly {
		// A failed write left the index open for reads only; there is
		// room again: open it for writes.
		if err := w.reopenLocked(false); err != nil {
			return err
		}
	}
	if !w.behind {
		return nil
	}
	_, applied, err := markers(w.cur)
	if err == nil {
		_, err = w.catchUp(ctx, w.cur, applied)
	}
	if err != nil {
		return w.indexFailedLocked(fmt.Errorf("apply the store's changes that the index missed: %w", err))
	}
	w.behind = false
	w.advanceLocked(false, nil, nil)
	w.log.Info("the index has caught up with the store: writes are on")
	return nil
}

// checkSpace turns writes off (api.ErrNoSpace) when a write of about need
// bytes would leave less than the reserve free on the disk of --data, and
// back on when there is room again.
func (w *Writer) checkSpace(need int64) error {
	free, ok := w.freeBytes()
	if !ok || w.minFree < 0 {
		w.noSpace.Store(nil) // unknown: try, and learn from the write
		return nil
	}
	// The store and the index each hold the text once, bleve's segments
	// more while they merge.
	want := uint64(w.minFree) + 4*uint64(need)
	if free < want {
		err := fmt.Errorf("%w: %s free on the disk of %s, this write needs %s and %s must stay free (--min-free-space): writes are off until space is freed; reads go on",
			api.ErrNoSpace, formatBytes(free), w.data, formatBytes(4*uint64(need)), formatBytes(uint64(w.minFree)))
		w.offFree.Store(free)
		if w.noSpace.Swap(&err) == nil {
			w.log.Error("disk nearly full: writes are off", "free", free, "reserve", w.minFree)
		}
		return err
	}
	if w.noSpace.Swap(nil) != nil {
		w.log.Info("disk space is back: writes are on", "free", free)
	}
	return nil
}

// freeBytes returns the free space of the fuller of the file systems of
// --data (the store) and of the current index, which is inside --data
// unless a directory of it is a mount of its own.
func (w *Writer) freeBytes() (uint64, bool) {
	free, ok := freeBytes(w.data)
	if idx, iok := freeBytes(filepath.Join(w.Dir(), "store")); iok && (!ok || idx < free) {
		free, ok = idx, true
	}
	return free, ok
}

// spaceOffLocked turns writes off for lack of space, for the reason err,
// and notes the free space now: Writable turns them on again only once
// more is free.
func (w *Writer) spaceOffLocked(err *error) {
	if free, ok := w.freeBytes(); ok {
		w.offFree.Store(free)
	}
	w.spaceChecked.Store(time.Now().UnixNano())
	w.noSpace.Store(err)
}

// storeFailedLocked handles a store commit that failed: nothing was
// written, and a full disk turns writes off.
func (w *Writer) storeFailedLocked(err error) error {
	if isNoSpace(err) {
		err = fmt.Errorf("%w: the article store could not grow: writes are off until space is freed; reads go on (%w)", api.ErrNoSpace, err)
		w.spaceOffLocked(&err)
		w.log.Error("disk full: writes are off", "err", err)
		return err
	}
	return err
}

// indexFailedLocked handles an index batch that failed after the store
// committed the change: the index is behind the store (the next write
// applies the missed changes first), a full disk turns writes off, and the
// index is opened again from disk, for reads only until there is room
// again, so that reads go on from its last persisted snapshot rather than
// from what bleve kept in memory, and its persister stops retrying.
func (w *Writer) indexFailedLocked(err error) error {
	w.behind = true
	if isNoSpace(err) {
		err = fmt.Errorf("%w: the index could not be written: writes are off until space is freed; reads go on (%w)", api.ErrNoSpace, err)
		w.noSpace.Store(&err)
	}
	w.log.Error("index write failed: reopening the index from disk", "index", w.curDir, "err", err)
	start := time.Now()
	if rerr := w.reopenLocked(true); rerr != nil {
		w.log.Error("reopening the index failed: it is not served until a re-index rebuilds it from the store", "index", w.curDir, "err", rerr)
	} else {
		w.log.Info("index reopened for reads", "index", w.curDir, "took_ms", time.Since(start).Milliseconds())
	}
	if p := w.noSpace.Load(); p != nil {
		// What the failed write left free, measured once the index has
		// let go of what it wrote.
		w.spaceOffLocked(p)
	}
	w.advanceLocked(false, nil, nil)
	return err
}

// reopenLocked closes the current index and opens its directory again
// (for reads only, or for writes), swapping it into the alias. On failure
// the Writer has no index (Ready reports the damage) until a re-index.
// w.mu must be held.
func (w *Writer) reopenLocked(readOnly bool) error {
	w.alias.reopening.Lock()
	defer w.alias.reopening.Unlock()
	if old := w.cur; old != nil {
		w.cur = nil
		w.alias.Swap(nil, []bleve.Index{old})
		if err := closeIndex(old); err != nil {
			w.log.Warn("closing the index to reopen it", "index", w.curDir, "err", err)
		}
	}
	m := modeLive
	if readOnly {
		m = modeReadOnly
	}
	idx, err := open(w.curDir, m)
	if err != nil {
		err = fmt.Errorf("%w: reopen %s: %w", api.ErrDamaged, w.curDir, err)
		w.damage.Store(&err)
		return err
	}
	w.cur, w.readOnly = idx, readOnly
	w.alias.Swap([]bleve.Index{idx}, nil)
	return nil
}

// formatBytes formats n as a number of MiB, KiB or bytes.
func formatBytes(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// afterWriteLocked runs the after-write hooks of an acknowledged change:
// the generation and the bitmaps (the documents put, the ids deleted),
// then WriterOptions.AfterWrite, then WriterOptions.BeforeAck. A panicking
// AfterWrite hook is logged; it does not fail the write, which is already
// committed. The first BeforeAck hook that fails (or panics) stops the
// others, and its error is returned: the write is not acknowledged. w.mu
// must be held.
func (w *Writer) afterWriteLocked(put []*bitmaps.Doc, deleted []string, ch Change) error {
	w.advanceLocked(true, put, deleted)
	for i, h := range w.hooks {
		func() {
			defer func() {
				if r := recover(); r != nil {
					w.log.Error("after-write hook panicked", "hook", i, "panic", r)
				}
			}()
			h(ch)
		}()
	}
	for i, h := range w.ackHooks {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					w.log.Error("before-ack hook panicked", "hook", i, "panic", r)
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return h(ch)
		}()
		if err != nil {
			return fmt.Errorf("change %d is stored and indexed, but not acknowledged: %w", ch.Seq, err)
		}
	}
	return nil
}

// ChangesSince returns the store's changes numbered after after and up to
// upTo (0: all), as one Change: the articles the store holds, tagged
// again (each with Changed set, since whether it was news is no longer
// known), and the ids it deleted; Seq is the number of the last change
// included (after when there is none). A BeforeAck hook that failed, or a
// crash between the store's commit and a hook, leaves such a gap, which
// the hook's owner closes with it, at start or from its next call (it
// reads the store without taking the write lock, so it may be called
// from a hook).
func (w *Writer) ChangesSince(ctx context.Context, after, upTo uint64) (Change, error) {
	ch := Change{Seq: after}
	if w.store == nil {
		return ch, fmt.Errorf("changes since %d: %w", after, *w.storeDamage.Load())
	}
	changes, err := w.store.ChangedSince(after)
	if err != nil {
		return ch, err
	}
	var arts []api.Article
	for _, c := range changes {
		if upTo > 0 && c.Seq > upTo {
			break
		}
		a, ok, err := w.store.Get(c.ID)
		if err != nil {
			return ch, err
		}
		if ok {
			arts = append(arts, a)
		} else {
			ch.Deleted = append(ch.Deleted, c.ID)
		}
		ch.Seq = c.Seq
	}
	preps, err := w.prepare(ctx, arts)
	if err != nil {
		return ch, err
	}
	for _, p := range preps {
		if p.err != nil {
			return ch, fmt.Errorf("stored article %q: %w", p.art.ID, p.err)
		}
		ch.Put = append(ch.Put, Written{Article: p.art, Entities: p.ents, Changed: true})
	}
	return ch, nil
}

// Seq returns the store's sequence number of its latest change.
func (w *Writer) Seq() (uint64, error) {
	if w.store == nil {
		return 0, fmt.Errorf("store sequence: %w", *w.storeDamage.Load())
	}
	return w.store.Seq()
}

// advanceLocked moves the generation after a batch that put the
// documents put and deleted the ids deleted, and with it the bitmaps and
// match-all counts: updated by the batch when ok, else read again from the
// index. w.mu must be held; searches never see bitmaps of one generation
// with another's number (see Bitmaps).
func (w *Writer) advanceLocked(ok bool, put []*bitmaps.Doc, deleted []string) {
	if cur := w.counts.Load(); ok && w.cur != nil && cur != nil && cur.bits != nil {
		w.counts.Store(newSnap(w.gen.Add(1), cur.bits.Set.Apply(put, deleted), cur.bits.nums))
		return
	}
	w.counts.Store(w.readSnap(context.Background(), w.cur, w.gen.Add(1)))
}

// initCounts reads the bitmaps of the current index for the current
// generation (w not yet shared).
func (w *Writer) initCounts(ctx context.Context) {
	w.advise(true) // before the bitmaps read every segment's doc values
	w.counts.Store(w.readSnap(ctx, w.cur, w.gen.Load()))
}

// catchUp applies to idx the store's changes numbered after after, in
// batches that each record the number of their last change, and returns
// how many it applied. A change of an id the store holds indexes the
// stored article; of one it does not, deletes it.
func (w *Writer) catchUp(ctx context.Context, idx bleve.Index, after uint64) (int, error) {
	changes, err := w.store.ChangedSince(after)
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(changes); start += DefaultBatchSize {
		chunk := changes[start:min(start+DefaultBatchSize, len(changes))]
		var arts []api.Article
		b := idx.NewBatch()
		for _, c := range chunk {
			a, ok, err := w.store.Get(c.ID)
			if err != nil {
				return start, err
			}
			if ok {
				arts = append(arts, a)
			} else {
				b.Delete(c.ID)
			}
		}
		preps, err := w.prepare(ctx, arts)
		if err != nil {
			return start, err
		}
		for _, p := range preps {
			if p.err != nil {
				return start, fmt.Errorf("stored article %q: %w", p.art.ID, p.err)
			}
			if err := b.Index(p.art.ID, p.doc); err != nil {
				return start, fmt.Errorf("stored article %q: %w", p.art.ID, err)
			}
		}
		w.setMarkers(b, chunk[len(chunk)-1].Seq)
		if err := batch(idx, b); err != nil {
			return start, fmt.Errorf("write batch: %w", err)
		}
	}
	return len(changes), nil
}

// indexMissing indexes the stored articles that the current index lacks,
// and returns how many.
func (w *Writer) indexMissing(ctx context.Context) (int, error) {
	var missing []api.Article
	err := w.store.Each(DefaultBatchSize, func(arts []api.Article) error {
		for _, a := range arts {
			d, err := w.cur.Document(a.ID)
			if err != nil {
				return fmt.Errorf("look up %q: %w", a.ID, err)
			}
			if d == nil {
				missing = append(missing, a)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	seq, err := w.store.Seq()
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(missing); start += DefaultBatchSize {
		if err := w.indexArticles(ctx, w.cur, missing[start:min(start+DefaultBatchSize, len(missing))], seq); err != nil {
			return start, err
		}
	}
	return len(missing), nil
}

// indexArticles tags arts and indexes them into idx in one batch, which
// records seq as applied (0: records nothing).
func (w *Writer) indexArticles(ctx context.Context, idx bleve.Index, arts []api.Article, seq uint64) error {
	preps, err := w.prepare(ctx, arts)
	if err != nil {
		return err
	}
	b := idx.NewBatch()
	for _, p := range preps {
		if p.err != nil {
			return fmt.Errorf("stored article %q: %w", p.art.ID, p.err)
		}
		if err := b.Index(p.art.ID, p.doc); err != nil {
			return fmt.Errorf("stored article %q: %w", p.art.ID, err)
		}
	}
	if seq > 0 {
		w.setMarkers(b, seq)
	}
	if err := batch(idx, b); err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	return nil
}

// analysed returns the token frequencies of doc's text fields, which the
// index's analysis left in it.
func analysed(doc *bdoc.Document) map[string]bindex.TokenFrequencies {
	out := make(map[string]bindex.TokenFrequencies, 2)
	doc.VisitFields(func(f bindex.Field) {
		if n := f.Name(); n == FieldTitle || n == FieldText {
			out[n] = f.AnalyzedTokenFrequencies()
		}
	})
	return out
}
