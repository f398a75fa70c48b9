// Package indextest builds real indexes of the repository's seed articles
// for the tests of packages that search them (search, web, cmd/cutwatch).
// It is imported by tests only.
package indextest

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

// SeedsDir returns the path of the repository's seeds/ folder.
func SeedsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "seeds")
}

// BuildSeeds tags and indexes the seed articles into a new index in dir
// (which must not exist yet) and opens it.
func BuildSeeds(dir string) (bleve.Index, error) {
	t, err := tag.New()
	if err != nil {
		return nil, err
	}
	stats, err := index.Build(context.Background(), dir, []string{SeedsDir()}, t, nil)
	if err != nil {
		return nil, err
	}
	if len(stats.Skipped) > 0 || stats.Indexed != 5 {
		return nil, fmt.Errorf("indexing seeds: indexed %d, skipped %v", stats.Indexed, stats.Skipped)
	}
	return index.Open(dir)
}
