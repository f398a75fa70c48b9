// Package indextest builds real indexes of the repository's seed articles
// for the tests of packages that search them (search, web, cmd/cutwatch).
// It is imported by tests only.
package indextest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

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

// SeedData returns a new --data directory (a temporary directory of tb)
// whose index, closed, holds the seed articles: what 'cutwatch serve'
// leaves after its first start.
func SeedData(tb testing.TB) string {
	tb.Helper()
	data := tb.TempDir()
	idx, err := BuildSeeds(filepath.Join(data, index.DefaultIndexName))
	if err != nil {
		tb.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		tb.Fatal(err)
	}
	return data
}

// The ids of the seed articles (file names without extension).
const (
	MidYorks  = "000_5ff42213f9cd3454" // Mid Yorkshire: £55m cuts, no redundancies named
	Rotherham = "001_605bd6b5c84727b1" // Rotherham: Unison, 750 jobs, £20bn
	Oxford    = "002_8c9206d03b6f824e" // Oxford Radcliffe: Unison + RCN, 366 jobs
	Taunton   = "003_9d35053e17461f83" // Musgrove Park: Unison, £6.5m
	NorthEast = "004_bc688cb8839fcf6f" // North-East SHA and PCTs: Unison + RCN, 516 posts
)

// MainWithSeeds is the body of a TestMain that shares one seed index among
// a package's tests: it builds the index in a temporary directory, passes
// it to setup, runs the tests and removes the directory. It returns the exit
// code for os.Exit.
func MainWithSeeds(m *testing.M, setup func(bleve.Index)) int {
	dir, err := os.MkdirTemp("", "cutwatch-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	idx, err := BuildSeeds(filepath.Join(dir, "index"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "build seed index:", err)
		return 1
	}
	defer idx.Close()
	setup(idx)
	return m.Run()
}

// OpenSeedWriter makes data a --data directory whose index holds the seed
// articles (data must not hold an index yet) and opens an index.Writer on
// it with t as tagger; a re-index reads sources.
func OpenSeedWriter(data string, t *tag.Tagger, sources ...string) (*index.Writer, error) {
	idx, err := BuildSeeds(filepath.Join(data, index.DefaultIndexName))
	if err != nil {
		return nil, err
	}
	if err := idx.Close(); err != nil {
		return nil, err
	}
	return index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: t, Sources: sources})
}
