package index_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
)

// BenchmarkBuildSeeds measures putting the seed articles into a new --data
// as 'cutwatch serve' does at its first start: creating the store and the
// index, reading, tagging, storing, indexing and closing. The tagger
// (loaded once per process in real use) is made outside the loop.
func BenchmarkBuildSeeds(b *testing.B) {
	t, err := tag.New()
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	n := 0
	for i := 0; b.Loop(); i++ {
		data := filepath.Join(tmp, strconv.Itoa(i))
		w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: t})
		if err != nil {
			b.Fatal(err)
		}
		stats, err := w.PutFiles(context.Background(), []string{indextest.SeedsDir()}, nil)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil || stats.Indexed != 5 {
			b.Fatalf("build: %v (indexed %d)", err, stats.Indexed)
		}
		n += stats.Indexed
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}
