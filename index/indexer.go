package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index/tag"
)

// DefaultBatchSize is how many articles an Indexer writes per bleve batch.
const DefaultBatchSize = 200

// Indexer tags articles and writes them to a bleve index in batches. Tagging
// is the expensive part, so it runs in a pool of workers (one per core by
// default) that share one Tagger; a single writer goroutine fills batches.
type Indexer struct {
	idx    bleve.Index
	tagger *tag.Tagger
	// BatchSize is the number of articles per batch (DefaultBatchSize if 0).
	BatchSize int
	// Workers is the number of tagging goroutines (GOMAXPROCS if 0).
	Workers int
	// ObserveTag, if not nil, is called with the tagger's time for each
	// article, from the tagging goroutines (see WriterOptions.ObserveTag).
	ObserveTag func(time.Duration)
}

// NewIndexer returns an Indexer writing to idx with tagger t, which should
// be the one Tagger of the process.
func NewIndexer(idx bleve.Index, t *tag.Tagger) *Indexer {
	return &Indexer{idx: idx, tagger: t}
}

// Progress reports how far IndexFiles has got.
type Progress struct {
	Bytes     int64 // total size of the input files
	BytesDone int64 // bytes of input handled so far
	Indexed   int
	Skipped   int
}

// Stats summarises an IndexFiles run.
type Stats struct {
	Indexed  int
	Skipped  []Skip
	Duration time.Duration
}

// item is what flows from the readers and taggers to the writer: an article
// ready to index, or a skipped input.
type item struct {
	rec  Record
	doc  map[string]any
	skip *Skip
}

// IndexFiles reads, tags and indexes the articles of files. Bad files,
// items and lines are skipped and listed in Stats.Skipped, as are articles
// whose id repeats one read earlier in the same run. progress, if not nil,
// is called from a single goroutine after every batch. The error is non-nil
// only when the index cannot be written or ctx is done; articles in batches
// written before then stay indexed.
func (ix *Indexer) IndexFiles(ctx context.Context, files []SourceFile, progress func(Progress)) (Stats, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var total int64
	for _, f := range files {
		total += f.Size
	}

	recs := make(chan Record, 64)
	out := make(chan item, 64)
	var readErr error
	// wg counts everything that sends on out: the reader (which sends
	// skips) as well as the taggers. out is closed only when all are done,
	// so no send can hit a closed channel and readErr is read after its
	// last write, even when the taggers stop early because ctx is done.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(recs)
		// Repeated ids are found here, in reading order, not after the
		// parallel taggers, so the article kept is always the first read.
		seen := make(map[string]string)
		for _, f := range files {
			err := ReadFile(ctx, f,
				func(r Record) error {
					id := r.Article.ID
					if first, dup := seen[id]; dup {
						s := Skip{File: r.File, Line: r.Line, Reason: fmt.Sprintf("duplicate id %q (first read from %s)", id, first)}
						select {
						case out <- item{skip: &s}:
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					}
					seen[id] = Skip{File: r.File, Line: r.Line}.where()
					select {
					case recs <- r:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				},
				func(s Skip) {
					select {
					case out <- item{skip: &s}:
					case <-ctx.Done():
					}
				})
			if err != nil {
				readErr = err
				return
			}
		}
	}()

	for range ix.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range recs {
				it := ix.tagItem(r)
				select {
				case out <- it:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	stats := Stats{}
	batch := ix.idx.NewBatch()
	prog := Progress{Bytes: total}
	var werr error
	flush := func() {
		if batch.Size() == 0 || werr != nil {
			return
		}
		if err := ix.idx.Batch(batch); err != nil {
			werr = fmt.Errorf("write batch: %w", err)
			cancel()
			return
		}
		batch.Reset()
		prog.Indexed = stats.Indexed
		prog.Skipped = len(stats.Skipped)
		if progress != nil {
			progress(prog)
		}
	}
	for it := range out {
		if werr != nil {
			continue // drain so that the producers finish
		}
		if it.skip != nil {
			stats.Skipped = append(stats.Skipped, *it.skip)
			continue
		}
		prog.BytesDone += it.rec.Bytes
		if err := batch.Index(it.rec.Article.ID, it.doc); err != nil {
			stats.Skipped = append(stats.Skipped, Skip{File: it.rec.File, Line: it.rec.Line, Reason: err.Error()})
			continue
		}
		stats.Indexed++
		if batch.Size() >= ix.batchSize() {
			flush()
		}
	}
	if werr == nil {
		flush()
	}
	if werr == nil && progress != nil {
		prog.BytesDone, prog.Indexed, prog.Skipped = total, stats.Indexed, len(stats.Skipped)
		progress(prog)
	}
	stats.Duration = time.Since(start)
	switch {
	case werr != nil:
		return stats, werr
	case readErr != nil && !errors.Is(readErr, context.Canceled):
		return stats, readErr
	case ctx.Err() != nil:
		return stats, ctx.Err()
	}
	return stats, nil
}

// tagItem tags one article and builds its document.
func (ix *Indexer) tagItem(r Record) item {
	ents, err := tagTimed(ix.tagger, ix.ObserveTag, r.Article.Text)
	if err != nil {
		return item{skip: &Skip{File: r.File, Line: r.Line, Reason: "tag: " + err.Error()}}
	}
	doc, err := document(r.Article, ents)
	if err != nil {
		return item{skip: &Skip{File: r.File, Line: r.Line, Reason: err.Error()}}
	}
	return item{rec: r, doc: doc}
}

// IndexArticles tags articles (already checked with Normalize) and writes
// them in one batch, replacing articles with the same ids. It returns each
// article's entities. It is the write path for single articles.
func (ix *Indexer) IndexArticles(ctx context.Context, arts []Article) ([][]tag.Entity, error) {
	ents := make([][]tag.Entity, len(arts))
	batch := ix.idx.NewBatch()
	for i, a := range arts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := tagTimed(ix.tagger, ix.ObserveTag, a.Text)
		if err != nil {
			return nil, fmt.Errorf("article %q: tag: %w", a.ID, err)
		}
		doc, err := document(a, e)
		if err != nil {
			return nil, fmt.Errorf("article %q: %w", a.ID, err)
		}
		if err := batch.Index(a.ID, doc); err != nil {
			return nil, fmt.Errorf("article %q: %w", a.ID, err)
		}
		ents[i] = e
	}
	if err := ix.idx.Batch(batch); err != nil {
		return nil, fmt.Errorf("write batch: %w", err)
	}
	return ents, nil
}

func (ix *Indexer) workers() int {
	if ix.Workers > 0 {
		return ix.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (ix *Indexer) batchSize() int {
	if ix.BatchSize > 0 {
		return ix.BatchSize
	}
	return DefaultBatchSize
}

// tagTimed tags text with t and, when observe is not nil, reports how long
// the tagger took, failures included.
func tagTimed(t *tag.Tagger, observe func(time.Duration), text string) ([]tag.Entity, error) {
	if observe == nil {
		return t.Tag(text)
	}
	start := time.Now()
	ents, err := t.Tag(text)
	observe(time.Since(start))
	return ents, err
}
