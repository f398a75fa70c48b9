package index

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// PutSeq is Put, also returning the store's sequence number of the
// write's last change: the "seq" of the write API's answers in the
// embedded mode (api.Ingester).
func (w *Writer) PutSeq(ctx context.Context, arts []api.Article) ([][]tag.Entity, uint64, error) {
	if len(arts) == 0 {
		return nil, 0, nil
	}
	p, err := w.Prepare(ctx, arts)
	if err != nil {
		return nil, 0, err
	}
	return w.putPrepared(ctx, p)
}

// WaitSeq returns nil when the store has applied the change numbered seq
// (api.SeqWaiter). In the embedded mode every write is applied before it
// is acknowledged, so there is nothing to wait for: a seq beyond the
// store's last change was not answered by this server, and the error
// (an api.MinSeqError, not Retryable) says so at once.
func (w *Writer) WaitSeq(_ context.Context, seq uint64) error {
	cur, err := w.Seq()
	if err != nil {
		return err
	}
	if seq <= cur {
		return nil
	}
	return &api.MinSeqError{Reason: "this server has made no change with that sequence number (each write's answer carries its \"seq\")", Applied: cur, Wanted: seq}
}

// LogEntry is one message of a replicated log of articles (cluster mode,
// see index/cluster): an article put, with the entities its publisher's
// tagger found, or an id deleted.
type LogEntry struct {
	// Seq is the message's sequence number in the log.
	Seq uint64
	// Article is the article put (Delete false), or holds only the id
	// deleted.
	Article api.Article
	// Entities are the article's entities as its publisher tagged it;
	// nil: tag it here.
	Entities []tag.Entity
	// Tagged says Entities are the publisher's (even when none).
	Tagged bool
	Delete bool
	// Noop is a message that changes nothing (one that cannot be read):
	// it only moves the applied sequence on.
	Noop bool
}

// ApplyStats say what an Apply did.
type ApplyStats struct {
	// Applied is the number of log messages applied, Skipped of those at
	// or below the sequence the store had recorded (already applied).
	Applied, Skipped int
	// Rejected are the articles that could not be prepared (each applied
	// as not there: deleted), with why.
	Rejected []error
	// Seq is the last log sequence number applied.
	Seq uint64
}

// Applied returns the sequence number of the last log message the store
// has applied (cluster mode) and how many it has applied in all.
func (w *Writer) Applied() (seq, msgs uint64, err error) {
	if w.store == nil {
		return 0, 0, fmt.Errorf("applied log sequence: %w", *w.storeDamage.Load())
	}
	return w.store.Applied()
}

// Apply writes the messages of a replicated log (cluster mode), in the
// order of their increasing Seq, as one write: one store transaction that
// also records the last message's sequence number as applied (see
// Store.Apply), one index batch, and the after-write hooks, as Put and
// Delete do. Messages at or below the sequence the store recorded are
// skipped, so a message delivered again (after a restart, a consumer
// reset) is never applied twice, and a crash leaves either the whole
// batch applied and recorded or none of it. Within the batch the last
// message of an id wins. An article that cannot be prepared (it passed
// its publisher's checks, so a tagger that differs) is logged and
// counted in ApplyStats.Rejected, and applied as a deletion, so that
// every node holds the same articles.
func (w *Writer) Apply(ctx context.Context, entries []LogEntry) (ApplyStats, error) {
	var st ApplyStats
	if len(entries) == 0 {
		return st, nil
	}
	// Coalesce: the last message of each id, in log order.
	last := make(map[string]int, len(entries))
	for i, e := range entries {
		if i > 0 && e.Seq <= entries[i-1].Seq {
			return st, fmt.Errorf("apply log messages: sequence %d after %d", e.Seq, entries[i-1].Seq)
		}
		if !e.Noop {
			last[e.Article.ID] = i
		}
	}
	// Prepared outside the write lock; the entities shipped with the
	// message are used as they are.
	var toTag []api.Article
	var tagIdx []int
	preps := make([]prepared, len(entries))
	for i, e := range entries {
		if e.Noop || last[e.Article.ID] != i || e.Delete {
			continue
		}
		if e.Tagged {
			preps[i] = w.prepareTagged(e.Article, e.Entities)
		} else {
			toTag = append(toTag, e.Article)
			tagIdx = append(tagIdx, i)
		}
	}
	if len(toTag) > 0 {
		tagged, err := w.prepare(ctx, toTag)
		if err != nil {
			return st, err
		}
		for k, p := range tagged {
			preps[tagIdx[k]] = p
		}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.writableLocked(ctx, 0); err != nil {
		return st, err
	}
	done, _, err := w.store.Applied()
	if err != nil {
		return st, err
	}
	var puts []prepared
	var deletes []string
	var msgs uint64
	for i, e := range entries {
		if e.Seq <= done {
			st.Skipped++
			continue
		}
		msgs++
		st.Seq = e.Seq
		if e.Noop || last[e.Article.ID] != i {
			continue
		}
		switch p := preps[i]; {
		case e.Delete:
			deletes = append(deletes, e.Article.ID)
		case p.err != nil:
			st.Rejected = append(st.Rejected, fmt.Errorf("log message %d: %w", e.Seq, p.err))
			w.log.Error("a replicated article cannot be indexed: applied as deleted", "seq", e.Seq, "id", e.Article.ID, "err", p.err)
			deletes = append(deletes, e.Article.ID)
		default:
			puts = append(puts, p)
		}
	}
	st.Applied = int(msgs)
	if msgs == 0 {
		return st, nil
	}
	arts := make([]api.Article, len(puts))
	for i, p := range puts {
		arts[i] = p.art
	}
	seq, changed, err := w.store.Apply(arts, deletes, st.Seq, msgs)
	if err != nil {
		return st, w.storeFailedLocked(err)
	}
	b, docs, err := w.indexBatch(puts, deletes)
	if err != nil {
		return st, w.indexFailedLocked(err)
	}
	w.setMarkers(b, seq)
	if err := batch(w.cur, b); err != nil {
		return st, w.indexFailedLocked(fmt.Errorf("apply log messages up to %d to %s: %w", st.Seq, w.curDir, err))
	}
	ch := Change{Seq: seq, Put: make([]Written, len(puts)), Deleted: deletes}
	bits := make([]*bitmaps.Doc, len(puts))
	for i, p := range puts {
		ch.Put[i] = Written{Article: p.art, Entities: p.ents, Changed: changed[i], Analysed: analysed(docs[i])}
		bits[i] = p.bits
	}
	if err := w.afterWriteLocked(bits, deletes, ch); err != nil {
		// Stored, indexed and recorded: the log moves on; the hook's
		// owner makes up for it (see WriterOptions.BeforeAck).
		w.log.Error("a before-ack hook failed on applied log messages", "seq", st.Seq, "err", err)
	}
	return st, nil
}

// IsApplied reports whether err says log messages were applied already.
func IsApplied(err error) bool { return errors.Is(err, ErrLogApplied) }

// prepareTagged normalises and maps one article with the entities found
// by another node's tagger (shipped in the log), without tagging it.
func (w *Writer) prepareTagged(a api.Article, ents []tag.Entity) (p prepared) {
	defer func() {
		if r := recover(); r != nil {
			p = prepared{art: a, err: fmt.Errorf("article %q: mapping panicked: %v", a.ID, r)}
			w.log.Error("mapping a replicated article panicked", "id", a.ID, "panic", r)
		}
	}()
	if err := a.Normalize(); err != nil {
		return prepared{art: a, err: err}
	}
	for _, e := range ents {
		if e.Start < 0 || e.End > len(a.Text) || e.Start > e.End {
			return prepared{art: a, err: fmt.Errorf("article %q: entity %q at %d–%d is outside the text", a.ID, e.Value, e.Start, e.End)}
		}
	}
	d := derive(w.schema, a, ents)
	doc, err := documentOf(w.schema, a, ents, d)
	if err != nil {
		return prepared{art: a, err: fmt.Errorf("article %q: %w", a.ID, err)}
	}
	return prepared{art: a, ents: ents, doc: doc, bits: bitmapDoc(w.schema, a, d.sum, &d.cuts)}
}
