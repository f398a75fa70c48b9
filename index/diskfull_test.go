package index_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// onSmallDisk moves the directory dir onto a new tmpfs of size bytes
// mounted in its place, and returns it.
func onSmallDisk(t *testing.T, dir string, size int64) string {
	t.Helper()
	aside := filepath.Join(t.TempDir(), "aside")
	must(t, os.Rename(dir, aside))
	must(t, os.Mkdir(dir, 0o755))
	indextest.MountSmall(t, dir, size)
	copyDir(t, aside, dir)
	return dir
}

func diskArticles(prefix string, n int) []api.Article {
	arts := make([]api.Article, n)
	for i := range arts {
		arts[i] = api.Article{ID: fmt.Sprintf("%s-%04d", prefix, i),
			Text: fmt.Sprintf("Unison says %d porters at Kirkwall face redundancy, in a long report %s%04d about cuts to posts and wards across the trust. %s",
				i+1, prefix, i, filler)}
	}
	return arts
}

// filler makes an article a few kilobytes long, as news is.
var filler = func() string {
	b := make([]byte, 0, 3000)
	for len(b) < 3000 {
		b = append(b, "The board of Leeds Teaching Hospitals NHS Trust met on Tuesday to discuss savings. "...)
	}
	return string(b)
}()

// TestDiskFull fills the disk of a --data while articles are written and
// searched: no panic, every write either acknowledged or refused with
// api.ErrNoSpace, reads go on throughout, writes come back once space is
// freed, and every acknowledged article is in the store and the index,
// then and after a restart. With a reserve (MinFree) the Writer refuses a
// write before the disk is really full; without one, the store's or the
// index's own writes fail for lack of space.
func TestDiskFull(t *testing.T) {
	for _, tt := range []struct {
		name    string
		minFree int64
		// indexOnly puts only the index's segments on the small disk,
		// so that bleve, not the store, runs out of space.
		indexOnly bool
	}{
		{"with a reserve", 2 << 20, false},
		{"without a reserve", -1, false},
		{"index disk without a reserve", -1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var disk, data string
			ctx := context.Background()
			opts := index.WriterOptions{Tagger: testTagger(t), MinFree: tt.minFree}
			if tt.indexOnly {
				data = t.TempDir()
				w, err := index.OpenWriter(ctx, data, opts)
				must(t, err)
				must(t, w.Close())
				disk = onSmallDisk(t, filepath.Join(mustCurrent(t, data), "store"), 16<<20)
			} else {
				disk = indextest.SmallDisk(t, 24<<20)
				data = filepath.Join(disk, "data")
			}
			w, err := index.OpenWriter(ctx, data, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = w.Close() }() // whichever is open, before the disk is unmounted
			acked := map[string]bool{}
			put := func(arts []api.Article) error {
				_, err := w.Put(ctx, arts)
				if err == nil {
					for _, a := range arts {
						acked[a.ID] = true
					}
				}
				return err
			}
			if err := put(diskArticles("before", 20)); err != nil {
				t.Fatal(err)
			}

			// Readers run all along, with the queries that read stored
			// fields and doc values (a panic would end the test binary).
			var stop atomic.Bool
			var reads, readErrs atomic.Int64
			var firstErr atomic.Value
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						sr := bleve.NewSearchRequestOptions(bleve.NewQueryStringQuery("porters"), 5, 0, false)
						sr.Fields = []string{"*"}
						sr.AddFacet("union", bleve.NewFacetRequest("union", 5))
						if _, err := w.Index().Search(sr); err != nil {
							if readErrs.Add(1) == 1 {
								firstErr.Store(err.Error())
							}
						}
						if _, err := w.Index().Document("before-0001"); err != nil {
							if readErrs.Add(1) == 1 {
								firstErr.Store(err.Error())
							}
						}
						reads.Add(1)
					}
				}()
			}

			filler := indextest.Fill(t, disk, 3<<19)
			refused := 0
			for i := range 20 {
				err := put(diskArticles(fmt.Sprintf("full%02d", i), 20))
				switch {
				case err == nil:
				case errors.Is(err, api.ErrNoSpace):
					refused++
				default:
					t.Fatalf("write %d on a full disk: %v, want success or ErrNoSpace", i, err)
				}
			}
			if refused == 0 {
				t.Fatal("no write was refused on a full disk")
			}
			if err := w.Writable(); !errors.Is(err, api.ErrNoSpace) {
				t.Errorf("Writable on a full disk = %v, want ErrNoSpace", err)
			}
			// Writable reads the free space again after a second: what
			// the failed writes left free, with a little more, is no
			// reason to say writes are on while each would fail again
			// (without a reserve it said so at 1 MiB free, and /readyz
			// went on and off with every refused write).
			var st syscall.Statfs_t
			if err := syscall.Statfs(disk, &st); err != nil {
				t.Fatal(err)
			}
			freeNow := int64(st.Bavail) * st.Bsize
			t.Logf("free after the refused writes: %d bytes", freeNow)
			if err := os.Truncate(filler, max(fileSize(t, filler)-(1<<20-128<<10), 0)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond)
			if err := w.Writable(); !errors.Is(err, api.ErrNoSpace) {
				t.Errorf("Writable a second later with %d bytes more free = %v, want ErrNoSpace", 1<<20-128<<10, err)
			}
			if err := w.Ready(); err != nil {
				t.Errorf("Ready on a full disk = %v: reads must go on", err)
			}
			if n := len(hits(t, w.Index(), "kirkwall")); n == 0 {
				t.Error("search on a full disk finds nothing")
			}

			// Space returns: writes come back.
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for w.Writable() != nil && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if err := w.Writable(); err != nil {
				t.Errorf("Writable once space is back = %v", err)
			}
			if err := put(diskArticles("after", 20)); err != nil {
				t.Fatalf("write once space is back: %v", err)
			}
			stop.Store(true)
			wg.Wait()
			if n := readErrs.Load(); n > 0 {
				t.Errorf("%d of %d reads failed while the disk filled, the first: %v", n, reads.Load(), firstErr.Load())
			}
			check := func(when string, w *index.Writer) {
				t.Helper()
				missing := 0
				for id := range acked {
					if d, err := w.Index().Document(id); err != nil || d == nil {
						missing++
					}
				}
				if missing > 0 {
					t.Errorf("%s: %d of %d acknowledged articles not in the index", when, missing, len(acked))
				}
				if n := docCount(t, w.Index()); n < uint64(len(acked)) {
					t.Errorf("%s: %d articles, fewer than the %d acknowledged", when, n, len(acked))
				}
			}
			check("once space is back", w)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			w, err = index.OpenWriter(ctx, data, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Ready(); err != nil {
				t.Errorf("after restart: Ready = %v", err)
			}
			check("after restart", w)
			t.Logf("%d acknowledged, %d writes refused, %d reads", len(acked), refused, reads.Load())
		})
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
