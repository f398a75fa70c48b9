package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index/schema"
)

// MemIndex returns an index in memory holding the articles ws (with their
// entities), mapped and stored exactly as the Writer indexes them, so that
// a search over it matches them as it would in the live index. It is for
// few articles at a time: a feed source's relevance filter and the watches
// matched against every write (search.Percolator). Close it when done.
func MemIndex(s *schema.Schema, ws []Written) (bleve.Index, error) {
	idx, err := bleve.NewMemOnly(NewMapping(s))
	if err != nil {
		return nil, fmt.Errorf("index in memory: %w", err)
	}
	b := idx.NewBatch()
	for _, w := range ws {
		doc, err := document(s, w.Article, w.Entities)
		if err == nil {
			err = b.Index(w.Article.ID, doc)
		}
		if err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("index in memory: article %q: %w", w.Article.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("index in memory: %w", err)
	}
	return idx, nil
}
