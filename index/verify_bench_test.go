package index

import (
	"os"
	"testing"
)

// benchIndex returns the index directory named by CUTWATCH_BENCH_INDEX
// (e.g. one built by 'cutwatch index' from 'cutwatch gen --n 10000'),
// skipping the benchmark without it: a large index takes minutes to
// build, too long to make here.
func benchIndex(b *testing.B) string {
	dir := os.Getenv("CUTWATCH_BENCH_INDEX")
	if dir == "" {
		b.Skip("set CUTWATCH_BENCH_INDEX to an index directory to measure opening it")
	}
	return dir
}

// BenchmarkOpen measures Open and Close of a large index: the segment
// check, bleve's open and the one-hit check search. Files are in the page
// cache after the first iteration.
func BenchmarkOpen(b *testing.B) {
	dir := benchIndex(b)
	for b.Loop() {
		idx, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := idx.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySegments measures the segment check of Open alone: the
// CRC-32 of every segment file of the latest snapshot.
func BenchmarkVerifySegments(b *testing.B) {
	dir := benchIndex(b)
	var n int64
	refs, err := latestSegments(dir + "/store/root.bolt")
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range refs {
		fi, err := os.Stat(dir + "/store/" + r.path)
		if err != nil {
			b.Fatal(err)
		}
		n += fi.Size()
	}
	b.SetBytes(n)
	for b.Loop() {
		if err := verifySegments(dir); err != nil {
			b.Fatal(err)
		}
	}
}
