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

// BenchmarkBuildSeeds measures building a complete index of the seed
// articles from their files: reading, tagging, indexing, closing and the
// atomic rename. The tagger (loaded once per process in real use) is made
// outside the loop.
func BenchmarkBuildSeeds(b *testing.B) {
	t, err := tag.New()
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	n := 0
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		stats, err := index.Build(context.Background(), dir, []string{indextest.SeedsDir()}, t, nil)
		if err != nil || stats.Indexed != 5 {
			b.Fatalf("build: %v (indexed %d)", err, stats.Indexed)
		}
		n += stats.Indexed
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}
