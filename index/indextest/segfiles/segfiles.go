// Package segfiles tells the tests that damage an index on purpose which
// segment files the index really uses. It is imported by tests only, and
// it does not import package index, so that package's own tests can use
// it too.
//
// Picking "the largest *.zap file in the store" is not enough: a closed
// scorch index can hold segment files that no snapshot uses. Close stops
// the merger after it has written a merged segment but before a snapshot
// naming it is persisted (that file is left over, and the next open
// deletes it), and it does not wait for the files of superseded snapshots
// to be removed. Damaging such a file damages nothing that is served.
package segfiles

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Live returns the segment files that bleve serves the closed index in dir
// from, largest first. It asks bleve itself rather than reading root.bolt
// like the code under test does: it opens the index read-only (scorch
// then loads the latest snapshot and starts no merger, persister or file
// clean-up, so nothing on disk changes) and lists the files of the
// snapshot it loaded. The index must be undamaged, so that bleve loads its
// latest snapshot.
func Live(tb testing.TB, dir string) []string {
	tb.Helper()
	idx, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		tb.Fatalf("open %s read-only: %v", dir, err)
	}
	defer idx.Close()
	ai, err := idx.Advanced()
	if err != nil {
		tb.Fatal(err)
	}
	s, ok := ai.(*scorch.Scorch)
	if !ok {
		tb.Fatalf("index %s is a %T, not scorch", dir, ai)
	}
	r, err := s.Reader()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		tb.Fatalf("scorch reader is a %T", r)
	}
	var files []string
	for _, ss := range snap.Segments() {
		p, ok := ss.Segment().(interface{ Path() string })
		if !ok || p.Path() == "" {
			tb.Fatalf("index %s: segment %d has no file (%T)", dir, ss.Id(), ss.Segment())
		}
		files = append(files, p.Path())
	}
	if len(files) == 0 {
		tb.Fatalf("index %s: no segment files in its latest snapshot", dir)
	}
	size := make(map[string]int64, len(files))
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			tb.Fatal(err)
		}
		size[f] = fi.Size()
	}
	slices.SortStableFunc(files, func(a, b string) int {
		switch {
		case size[a] > size[b]:
			return -1
		case size[a] < size[b]:
			return 1
		}
		return 0
	})
	for i, f := range files {
		files[i] = filepath.Clean(f)
	}
	return files
}
