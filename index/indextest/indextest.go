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
	"sync"
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

// BuildSeeds makes data a --data directory whose store and index hold the
// seed articles, written through an index.Writer as 'cutwatch serve' does
// at its first start, and returns that Writer, open.
func BuildSeeds(data string) (*index.Writer, error) {
	t, err := sharedTagger()
	if err != nil {
		return nil, err
	}
	return OpenSeedWriter(data, t)
}

// tagger is the tagger a test process shares: loading one takes a while,
// and a Tagger is safe for concurrent use.
var tagger struct {
	once sync.Once
	t    *tag.Tagger
	err  error
}

func sharedTagger() (*tag.Tagger, error) {
	tagger.once.Do(func() { tagger.t, tagger.err = tag.New() })
	return tagger.t, tagger.err
}

// Tagger returns the tagger the tests of a process share, made once.
func Tagger(tb testing.TB) *tag.Tagger {
	tb.Helper()
	t, err := sharedTagger()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// SeedData returns a new --data directory (a temporary directory of tb)
// whose store and index, closed, hold the seed articles: what 'cutwatch
// serve' leaves after its first start.
func SeedData(tb testing.TB) string {
	tb.Helper()
	data := tb.TempDir()
	w, err := BuildSeeds(data)
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
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
// a package's tests: it writes the seeds into a temporary --data
// directory, passes the Writer's index to setup, runs the tests and
// removes the directory. It returns the exit code for os.Exit.
func MainWithSeeds(m *testing.M, setup func(bleve.Index)) int {
	dir, err := os.MkdirTemp("", "cutwatch-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	w, err := BuildSeeds(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build seed index:", err)
		return 1
	}
	defer w.Close()
	setup(w.Index())
	return m.Run()
}

// OpenSeedWriter opens an index.Writer on the --data directory data (which
// must not hold a store yet) with t as tagger, and writes the seed
// articles through it.
func OpenSeedWriter(data string, t *tag.Tagger) (*index.Writer, error) {
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: t})
	if err != nil {
		return nil, err
	}
	stats, err := w.PutFiles(context.Background(), []string{SeedsDir()}, nil)
	if err == nil && (len(stats.Skipped) > 0 || stats.Indexed != 5) {
		err = fmt.Errorf("indexing seeds: indexed %d, skipped %v", stats.Indexed, stats.Skipped)
	}
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	return w, nil
}
