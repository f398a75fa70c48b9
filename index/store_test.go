package index_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// storedData returns a closed --data whose store and index hold the seeds
// and n more articles, with one seed deleted.
func storedData(t *testing.T, n int) string {
	t.Helper()
	w, data := newWriter(t)
	ctx := context.Background()
	var arts []api.Article
	for i := range n {
		arts = append(arts, article(t, fmt.Sprintf(`{"id":"extra-%03d","text":"Unison says %d porters at Kirkwall face cuts. Word%03d."}`, i, i+1, i)))
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, seedMidYorks); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return data
}

// openDamaged opens a Writer on data, which must not fail or panic, and
// returns it with what Ready says.
func openDamaged(t *testing.T, data string) (*index.Writer, error) {
	t.Helper()
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t), AllowDamaged: true})
	if err != nil {
		t.Fatalf("OpenWriter: %v (want it to open and report the store)", err)
	}
	return w, w.Ready()
}

// TestDamagedStore damages the store of a --data in the ways a disk, an
// operator or a copy can: removed, emptied, cut short, one record garbled.
// OpenWriter never panics; an unusable store is reported (Ready and
// Writable say so, with the way out) while the index goes on serving; no
// write is taken; and 'cutwatch store recover' (RecoverStore) brings back
// every article that is readable anywhere, after which the Writer is whole
// again and a re-index keeps every article.
func TestDamagedStore(t *testing.T) {
	const extra = 40
	want := 5 - 1 + extra
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		// unusable: OpenWriter reports the store (else it opens fine and
		// the damage shows later, at a re-index).
		unusable bool
	}{
		{"removed", func(t *testing.T, path string) { must(t, os.Remove(path)) }, true},
		{"emptied", func(t *testing.T, path string) { must(t, os.Truncate(path, 0)) }, true},
		{"cut in half", func(t *testing.T, path string) {
			st, err := os.Stat(path)
			must(t, err)
			must(t, os.Truncate(path, st.Size()/2))
		}, true},
		{"one bad record", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o644, nil)
			must(t, err)
			must(t, db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("articles")).Put([]byte("extra-007"), []byte(`{"id": "extra-007", "text": `))
			}))
			must(t, db.Close())
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := storedData(t, extra)
			path := filepath.Join(data, index.StoreFile)
			tt.damage(t, path)

			w, err := openDamaged(t, data)
			if tt.unusable {
				if !errors.Is(err, api.ErrStoreUnusable) || !strings.Contains(err.Error(), "cutwatch store recover") {
					t.Errorf("Ready = %v, want ErrStoreUnusable with the way out", err)
				}
				if err := w.Writable(); !errors.Is(err, api.ErrStoreUnusable) {
					t.Errorf("Writable = %v, want ErrStoreUnusable", err)
				}
				// Reads go on from the index.
				if n := docCount(t, w.Index()); n != uint64(want) {
					t.Errorf("index serves %d articles, want %d", n, want)
				}
				if _, err := w.Put(context.Background(), []api.Article{article(t, `{"id":"new","text":"Unst ward shuts."}`)}); !errors.Is(err, api.ErrStoreUnusable) {
					t.Errorf("Put = %v, want ErrStoreUnusable", err)
				}
				if _, err := w.Reindex(context.Background(), api.ReindexOptions{Force: true}); !errors.Is(err, api.ErrStoreUnusable) {
					t.Errorf("Reindex = %v, want ErrStoreUnusable", err)
				}
			} else {
				if err != nil {
					t.Errorf("Ready = %v", err)
				}
				// The re-index meets the bad record and says what to do.
				_, err := w.Reindex(context.Background(), api.ReindexOptions{})
				if !errors.Is(err, api.ErrStoreUnusable) || !strings.Contains(err.Error(), "extra-007") || !strings.Contains(err.Error(), "cutwatch store recover") {
					t.Errorf("Reindex = %v, want an error naming the record and the way out", err)
				}
				if n := docCount(t, w.Index()); n != uint64(want) {
					t.Errorf("after the failed re-index the index serves %d articles, want %d", n, want)
				}
			}
			must(t, w.Close())

			st, err := index.RecoverStore(context.Background(), data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Lost) != 0 || st.FromStore+st.FromIndex != want {
				t.Errorf("recover: %+v, want %d articles and none lost", st, want)
			}

			w = openWriter(t, data)
			defer w.Close()
			if err := w.Ready(); err != nil {
				t.Fatalf("after recover: Ready = %v", err)
			}
			if _, err := w.Reindex(context.Background(), api.ReindexOptions{}); err != nil {
				t.Fatalf("re-index after recover: %v", err)
			}
			if n := docCount(t, w.Index()); n != uint64(want) {
				t.Errorf("after recover and re-index: %d articles, want %d", n, want)
			}
			for _, q := range []string{"word007", "word039", "redundancy"} {
				if len(hits(t, w.Index(), q)) == 0 {
					t.Errorf("after recover: %q finds nothing", q)
				}
			}
			if d, err := w.Index().Document(seedMidYorks); err != nil || d != nil {
				t.Errorf("the deleted seed came back (%v)", err)
			}
		})
	}
}

// TestRecoverStoreKeepsDeletions checks that recovering a store that can
// still be read keeps its deletions and does not bring a deleted article
// back from an index that still holds it.
func TestRecoverStoreKeepsDeletions(t *testing.T) {
	data := storedData(t, 3)
	st, err := index.RecoverStore(context.Background(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Deleted != 1 || st.FromStore != 7 || st.FromIndex != 0 {
		t.Errorf("recover of a whole store: %+v, want 7 from the store, 1 deletion", st)
	}
	if _, err := os.Stat(st.Damaged); err != nil {
		t.Errorf("the old store is not kept at %q: %v", st.Damaged, err)
	}
	w := openWriter(t, data)
	defer w.Close()
	if n := docCount(t, w.Index()); n != 7 {
		t.Errorf("%d articles, want 7", n)
	}
	if d, _ := w.Index().Document(seedMidYorks); d != nil {
		t.Error("the deleted seed came back")
	}
}

// TestLegacyData opens a --data written by the cutwatch before the store
// held every article: the seeds in the index only, the store holding an
// ingested article and a deletion. OpenWriter takes the index's articles
// into the store once, so a re-index keeps them all.
func TestLegacyData(t *testing.T) {
	data := storedData(t, 2)
	// Make the store look like the old one: no id, no change numbers, and
	// only the ingested articles.
	path := filepath.Join(data, index.StoreFile)
	db, err := bolt.Open(path, 0o644, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"meta", "changes", "seqs"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		arts := tx.Bucket([]byte("articles"))
		var seeds [][]byte
		must(t, arts.ForEach(func(k, _ []byte) error {
			if !strings.HasPrefix(string(k), "extra-") {
				seeds = append(seeds, slices.Clone(k))
			}
			return nil
		}))
		for _, k := range seeds {
			if err := arts.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, db.Close())
	// and the index record no store, as the old one did not.
	idx, err := index.Open(mustCurrent(t, data))
	must(t, err)
	must(t, idx.DeleteInternal([]byte("cutwatch.store")))
	must(t, idx.DeleteInternal([]byte("cutwatch.applied")))
	must(t, idx.Close())

	w := openWriter(t, data)
	if err := w.Ready(); err != nil {
		t.Fatalf("Ready = %v", err)
	}
	st, err := w.Reindex(context.Background(), api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 6 || st.Stored != 6 {
		t.Errorf("re-index after the upgrade: %+v, want the 4 seeds and 2 ingested", st)
	}
	if d, _ := w.Index().Document(seedMidYorks); d != nil {
		t.Error("the deleted seed came back")
	}
	must(t, w.Close())
	// The upgrade happens once: the next open finds the store whole.
	w = openWriter(t, data)
	defer w.Close()
	if err := w.Ready(); err != nil || docCount(t, w.Index()) != 6 {
		t.Errorf("second open: Ready %v, %d docs", err, docCount(t, w.Index()))
	}
}

// TestReindexRefusesShrink checks that a re-index that would serve far
// fewer articles than the index it replaces is refused unless forced. The
// store is made to hold fewer articles than the index as an old backup of
// articles.db put back would: OpenWriter reports that, and after the
// operator recovers the store from the index all is served.
func TestReindexRefusesShrink(t *testing.T) {
	data := storedData(t, 10)
	path := filepath.Join(data, index.StoreFile)
	backup, err := os.ReadFile(path)
	must(t, err)
	w := openWriter(t, data)
	_, err = w.Put(context.Background(), []api.Article{article(t, `{"id":"extra-010","text":"GMB says 40 cleaners at Kirkwall face cuts."}`)})
	must(t, err)
	must(t, w.Close())
	must(t, os.WriteFile(path, backup, 0o644))
	w, err = openDamaged(t, data)
	if !errors.Is(err, api.ErrStoreUnusable) || !strings.Contains(err.Error(), "lost articles") {
		t.Fatalf("Ready = %v, want the store reported as having lost articles", err)
	}
	if _, err := w.Reindex(context.Background(), api.ReindexOptions{}); err == nil {
		t.Error("a re-index from a store that lost articles succeeded")
	}
	if n := docCount(t, w.Index()); n != 15 {
		t.Errorf("%d articles served, want 15", n)
	}
	must(t, w.Close())
}

// TestCloseRacesReindex closes Writers while their re-index builds, swaps
// or has just finished: Close never panics (a swap into a closed Writer
// would close the old index twice), the re-index ends with an error or
// success, and with -race no data race is reported.
func TestCloseRacesReindex(t *testing.T) {
	data := indextest.SeedData(t)
	for i := range 12 {
		w := openWriter(t, data)
		var wg sync.WaitGroup
		wg.Add(2)
		var rerr, cerr error
		go func() {
			defer wg.Done()
			_, rerr = w.Reindex(context.Background(), api.ReindexOptions{})
		}()
		go func() {
			defer wg.Done()
			// Spread the closes over the build and the swap.
			for range i * 3 {
				_ = w.Ready()
				hits(t, w.Index(), "redundancy")
			}
			cerr = w.Close()
		}()
		wg.Wait()
		if cerr != nil {
			t.Errorf("round %d: Close = %v", i, cerr)
		}
		if rerr != nil && !errors.Is(rerr, api.ErrClosed) && !errors.Is(rerr, context.Canceled) {
			t.Errorf("round %d: Reindex = %v, want success, ErrClosed or cancelled", i, rerr)
		}
		if _, err := w.Reindex(context.Background(), api.ReindexOptions{}); !errors.Is(err, api.ErrClosed) {
			t.Errorf("round %d: Reindex after Close = %v, want ErrClosed", i, err)
		}
	}
	// Whatever happened, the --data opens whole.
	w := openWriter(t, data)
	defer w.Close()
	if err := w.Ready(); err != nil || docCount(t, w.Index()) != 5 {
		t.Errorf("after the races: Ready %v, %d docs, want 5", err, docCount(t, w.Index()))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustCurrent(t *testing.T, data string) string {
	t.Helper()
	dir, err := index.CurrentDir(data)
	must(t, err)
	return dir
}

// TestCountedMatchesLen checks the store's count from its change records
// (what OpenWriter compares with the index) against counting its
// articles, after random puts, replacements, deletions of stored and of
// unknown ids, and puts of deleted ids.
func TestCountedMatchesLen(t *testing.T) {
	s, err := index.OpenStore(t.TempDir())
	must(t, err)
	defer s.Close()
	r := rand.New(rand.NewPCG(7, 8))
	for step := range 300 {
		id := fmt.Sprintf("a%02d", r.IntN(40))
		switch r.IntN(3) {
		case 0, 1:
			var arts []api.Article
			for range 1 + r.IntN(3) {
				arts = append(arts, api.Article{ID: fmt.Sprintf("a%02d", r.IntN(40)), Title: "t", Text: fmt.Sprint(step)})
			}
			_, _, err = s.Put(arts)
		default:
			_, err = s.Delete(id)
		}
		must(t, err)
		n, err := s.Len()
		must(t, err)
		c, err := s.Counted()
		must(t, err)
		if c != n {
			t.Fatalf("step %d: Counted = %d, Len = %d", step, c, n)
		}
	}
}
