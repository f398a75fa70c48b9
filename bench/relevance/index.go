package relevance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// Index is a corpus written into a --data folder and searched as 'cutwatch
// serve' searches it.
type Index struct {
	Writer  *index.Writer
	Service *search.Service
}

// Build writes arts into a new --data folder data through the one write
// path (index.OpenWriter and Put, index.DefaultBatchSize at a time, tagged
// by t) and opens a search.Service on it as 'cutwatch serve' does, with
// its result cache off so that every query of a run is searched.
func Build(ctx context.Context, data string, t index.Tagger, arts []api.Article) (*Index, error) {
	w, err := index.OpenWriter(ctx, data, index.WriterOptions{Tagger: t, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(arts); start += index.DefaultBatchSize {
		batch := arts[start:min(start+index.DefaultBatchSize, len(arts))]
		if _, err := w.Put(ctx, batch); err != nil {
			return nil, errors.Join(fmt.Errorf("write articles %d–%d: %w", start, start+len(batch)-1, err), w.Close())
		}
	}
	svc := search.New(w.Index(), search.OnWriter(w, search.Options{CacheEntries: -1}))
	return &Index{Writer: w, Service: svc}, nil
}

// Close closes the index and its store.
func (x *Index) Close() error { return x.Writer.Close() }
