package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// IngestResult is the outcome of building one index from the corpus.
type IngestResult struct {
	Articles  int     `json:"articles"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	SizeBytes int64   `json:"size_bytes"`
	// PeakRSS is the process's peak RSS during the build (bytes), and
	// PeakRSSOwn whether it was reset before the build (else it is the
	// peak of the whole process so far).
	PeakRSS    int64 `json:"peak_rss"`
	PeakRSSOwn bool  `json:"peak_rss_own"`
}

// ingestRaw indexes the corpus into a new index at dir with the cutwatch
// mapping and batch size but without tagging: each document has only its
// title and text, the entity fields are left empty. It is the limit set by
// bleve for the full pipeline. Reading the corpus, the batches and closing
// the index (which waits for scorch to persist) are timed, as in ingestFull.
func ingestRaw(ctx context.Context, corpus, dir string) (IngestResult, error) {
	own := resetPeakRSS()
	src, err := sourceFile(corpus)
	if err != nil {
		return IngestResult{}, err
	}
	start := time.Now()
	idx, err := index.Create(dir, schema.Default)
	if err != nil {
		return IngestResult{}, err
	}
	batch := idx.NewBatch()
	n := 0
	var werr error
	flush := func() error {
		if batch.Size() == 0 {
			return nil
		}
		if err := idx.Batch(batch); err != nil {
			return fmt.Errorf("raw ingest: write batch: %w", err)
		}
		batch.Reset()
		return nil
	}
	err = index.ReadFile(ctx, src, func(r index.Record) error {
		doc := map[string]any{index.FieldTitle: r.Article.Title, index.FieldText: r.Article.Text}
		if err := batch.Index(r.Article.ID, doc); err != nil {
			return fmt.Errorf("raw ingest: %s: %w", r.Article.ID, err)
		}
		n++
		if batch.Size() >= index.DefaultBatchSize {
			return flush()
		}
		return nil
	}, func(s index.Skip) { werr = fmt.Errorf("raw ingest: corpus line skipped: %s", s) })
	if err == nil {
		err = werr
	}
	if err == nil {
		err = flush()
	}
	if cerr := idx.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("raw ingest: close index: %w", cerr)
	}
	if err != nil {
		return IngestResult{}, err
	}
	return ingestResult(n, time.Since(start), dir, own)
}

// ingestFull writes the corpus into a new --data directory dir through
// the path 'cutwatch serve' and 'cutwatch index' take: an index.Writer
// reading the file, tagging each batch while the last is written to the
// article store and the index. The tagger is loaded before the clock
// starts, as a server loads it once.
func ingestFull(ctx context.Context, corpus, dir string, t *tag.Tagger) (IngestResult, error) {
	own := resetPeakRSS()
	start := time.Now()
	w, err := index.OpenWriter(ctx, dir, index.WriterOptions{Tagger: t, MinFree: -1})
	if err != nil {
		return IngestResult{}, err
	}
	stats, err := w.PutFiles(ctx, []string{corpus}, nil)
	if cerr := w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("full ingest: close: %w", cerr)
	}
	if err == nil && len(stats.Skipped) > 0 {
		err = fmt.Errorf("full ingest: %d articles skipped, first: %s", len(stats.Skipped), stats.Skipped[0])
	}
	if err != nil {
		return IngestResult{}, err
	}
	return ingestResult(stats.Indexed, time.Since(start), dir, own)
}

func ingestResult(n int, took time.Duration, dir string, own bool) (IngestResult, error) {
	size, err := dirSize(dir)
	if err != nil {
		return IngestResult{}, err
	}
	rss, err := peakRSS()
	if err != nil {
		return IngestResult{}, err
	}
	return IngestResult{Articles: n, Seconds: took.Seconds(), PerSecond: float64(n) / took.Seconds(),
		SizeBytes: size, PeakRSS: rss, PeakRSSOwn: own}, nil
}

func sourceFile(path string) (index.SourceFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return index.SourceFile{}, fmt.Errorf("corpus: %w", err)
	}
	return index.SourceFile{Path: path, Size: st.Size()}, nil
}
