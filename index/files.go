package index

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// ErrNothingIndexed is returned (wrapped) by PutFiles when not one article
// of the inputs could be written, so that a wrong path or a folder of bad
// files is an error and not a quiet success.
var ErrNothingIndexed = errors.New("no article could be indexed")

// Progress reports how far PutFiles has got.
type Progress struct {
	Bytes     int64 // total size of the input files
	BytesDone int64 // bytes of input handled so far
	Indexed   int
	Skipped   int
}

// Stats summarises a PutFiles run.
type Stats struct {
	Indexed int
	Skipped []Skip
	// Warnings list articles indexed with something left out (a date
	// that does not parse: indexed undated); Reason says what.
	Warnings []Skip
	Duration time.Duration
}

// PutFiles reads the articles of the files and folders in paths (see
// FindFiles and ReadFile) and writes them with Put, DefaultBatchSize at a
// time: tagging the next batch while the last is written. Bad files, items
// and lines are skipped and listed in Stats.Skipped, as are articles the
// tagger fails on and articles whose id repeats one read earlier in the
// same run. progress, if not nil, is called after every batch. The error
// is non-nil when no article could be written (ErrNothingIndexed), a write
// fails, or ctx ends; the batches written before then stay (each is
// acknowledged on its own).
func (w *Writer) PutFiles(ctx context.Context, paths []string, progress func(Progress)) (Stats, error) {
	start := time.Now()
	files, skips, err := FindFiles(paths)
	if err != nil {
		return Stats{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type chunk struct {
		preps []prepared
		skips []Skip
		warns []Skip
		bytes int64
	}
	chunks := make(chan chunk, 1)
	var readErr error
	go func() {
		defer close(chunks)
		defer func() {
			if r := recover(); r != nil {
				readErr = fmt.Errorf("reading the files panicked: %v", r)
				w.log.Error("reading the files panicked", "panic", r)
			}
		}()
		var cur chunk
		var arts []api.Article
		var where []Record
		seen := map[string]string{}
		flush := func() error {
			preps, err := w.prepare(ctx, arts)
			if err != nil {
				return err
			}
			for i, p := range preps {
				if p.err != nil {
					cur.skips = append(cur.skips, Skip{File: where[i].File, Line: where[i].Line, Reason: p.err.Error()})
					continue
				}
				cur.preps = append(cur.preps, p)
			}
			select {
			case chunks <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
			cur, arts, where = chunk{}, nil, nil
			return nil
		}
		for _, f := range files {
			err := ReadFile(ctx, f, func(r Record) error {
				id := r.Article.ID
				if first, dup := seen[id]; dup {
					cur.skips = append(cur.skips, Skip{File: r.File, Line: r.Line, Reason: fmt.Sprintf("duplicate id %q (first read from %s)", id, first)})
					return nil
				}
				seen[id] = Skip{File: r.File, Line: r.Line}.where()
				if r.Warning != "" {
					cur.warns = append(cur.warns, Skip{File: r.File, Line: r.Line, Reason: r.Warning})
				}
				arts, where = append(arts, r.Article), append(where, r)
				cur.bytes += r.Bytes
				if len(arts) >= DefaultBatchSize {
					return flush()
				}
				return nil
			}, func(s Skip) { cur.skips = append(cur.skips, s) })
			if err != nil {
				readErr = err
				return
			}
		}
		if len(arts) > 0 || len(cur.skips) > 0 {
			readErr = flush()
		}
	}()

	stats := Stats{Skipped: skips}
	prog := Progress{}
	for _, f := range files {
		prog.Bytes += f.Size
	}
	var werr error
	for c := range chunks {
		if werr != nil {
			continue // drain, so the reader ends
		}
		stats.Skipped = append(stats.Skipped, c.skips...)
		stats.Warnings = append(stats.Warnings, c.warns...)
		if len(c.preps) > 0 {
			if _, err := w.commit(ctx, c.preps); err != nil {
				werr = err
				cancel()
				continue
			}
		}
		stats.Indexed += len(c.preps)
		prog.BytesDone += c.bytes
		prog.Indexed, prog.Skipped = stats.Indexed, len(stats.Skipped)
		if progress != nil {
			progress(prog)
		}
	}
	if werr == nil && readErr == nil && progress != nil {
		prog.BytesDone, prog.Indexed, prog.Skipped = prog.Bytes, stats.Indexed, len(stats.Skipped)
		progress(prog)
	}
	stats.Duration = time.Since(start)
	switch {
	case werr != nil:
		return stats, werr
	case readErr != nil:
		return stats, readErr
	case stats.Indexed == 0:
		return stats, fmt.Errorf("%w (%d inputs skipped)", ErrNothingIndexed, len(stats.Skipped))
	}
	return stats, nil
}
