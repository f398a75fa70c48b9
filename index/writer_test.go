package index_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/indextest/segfiles"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

func testTagger(t *testing.T) *tag.Tagger {
	return indextest.Tagger(t)
}

// newWriter makes a --data whose store and index hold the seeds and opens a
// Writer on it.
func newWriter(t *testing.T) (*index.Writer, string) {
	t.Helper()
	data := indextest.SeedData(t)
	w := openWriter(t, data)
	return w, data
}

func openWriter(t *testing.T, data string) *index.Writer {
	t.Helper()
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// hits returns the ids matching a query-string query, sorted by bleve.
func hits(t *testing.T, idx bleve.Index, q string) []string {
	t.Helper()
	sr := bleve.NewSearchRequestOptions(bleve.NewQueryStringQuery(q), 100, 0, false)
	res, err := idx.Search(sr)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func docCount(t *testing.T, idx bleve.Index) uint64 {
	t.Helper()
	n, err := idx.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func article(t *testing.T, body string) api.Article {
	t.Helper()
	a, err := api.DecodeIngest([]byte(body), "")
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return a
}

const seedMidYorks = "000_5ff42213f9cd3454"

func TestWriterPutReplaceDelete(t *testing.T) {
	w, _ := newWriter(t)
	defer w.Close()
	ctx := context.Background()
	idx := w.Index()
	if n := docCount(t, idx); n != 5 {
		t.Fatalf("seed index: %d docs", n)
	}
	a := article(t, `{"text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`)
	ents, err := w.Put(ctx, []api.Article{a})
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || len(ents[0]) == 0 {
		t.Errorf("entities %v, want some (Unison, 40 jobs)", ents)
	}
	if got := hits(t, idx, "kirkwall"); len(got) != 1 || got[0] != a.ID {
		t.Errorf("kirkwall: %v, want [%s]", got, a.ID)
	}
	// Re-posting the same text (other spacing) replaces, no duplicate.
	b := article(t, `{"text":"Unison says 40 porters at  Kirkwall hospital\nface redundancy."}`)
	if b.ID != a.ID {
		t.Fatalf("re-post got id %s, want %s", b.ID, a.ID)
	}
	if _, err := w.Put(ctx, []api.Article{b}); err != nil {
		t.Fatal(err)
	}
	if n := docCount(t, idx); n != 6 {
		t.Errorf("after re-post: %d docs, want 6", n)
	}
	// Replace under the same id: old words no longer match.
	c := a
	c.Text = "Stornoway clinic to close with 12 posts lost."
	c.Title = ""
	if _, err := w.Put(ctx, []api.Article{c}); err != nil {
		t.Fatal(err)
	}
	if got := hits(t, idx, "kirkwall"); len(got) != 0 {
		t.Errorf("kirkwall after replace: %v, want none", got)
	}
	if got := hits(t, idx, "stornoway"); len(got) != 1 {
		t.Errorf("stornoway after replace: %v", got)
	}
	// Delete an ingested article and a seed article; unknown is ErrNotFound.
	for _, id := range []string{a.ID, seedMidYorks} {
		if err := w.Delete(ctx, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	if n := docCount(t, idx); n != 4 {
		t.Errorf("after deletes: %d docs, want 4", n)
	}
	if err := w.Delete(ctx, "no-such-id"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("delete unknown: %v, want ErrNotFound", err)
	}
	if err := w.Delete(ctx, a.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
}

// TestWriterGeneration checks that every change searches can see moves
// the generation on, by the time the call returns, and that calls which
// change nothing leave it alone (so caches keyed on it are not flushed
// for nothing).
func TestWriterGeneration(t *testing.T) {
	w, _ := newWriter(t)
	defer w.Close()
	ctx := context.Background()
	a := article(t, `{"text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`)
	steps := []struct {
		name    string
		do      func() error
		changes bool
	}{
		{"put", func() error { _, err := w.Put(ctx, []api.Article{a}); return err }, true},
		{"put nothing", func() error { _, err := w.Put(ctx, nil); return err }, false},
		{"delete", func() error { return w.Delete(ctx, a.ID) }, true},
		{"delete unknown", func() error {
			if err := w.Delete(ctx, "no-such-id"); !errors.Is(err, api.ErrNotFound) {
				return fmt.Errorf("got %v, want ErrNotFound", err)
			}
			return nil
		}, false},
		{"reindex", func() error { _, err := w.Reindex(ctx, api.ReindexOptions{}); return err }, true},
	}
	for _, st := range steps {
		before := w.Generation()
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after := w.Generation()
		if st.changes && after <= before {
			t.Errorf("%s: generation %d -> %d, want it to grow", st.name, before, after)
		}
		if !st.changes && after != before {
			t.Errorf("%s: generation %d -> %d, want it unchanged", st.name, before, after)
		}
	}
}

// TestReindexKeepsStoreAndDeletions checks that a re-index re-reads every
// article from the store (the seeds included), keeps deletions and
// replacements, moves CURRENT, removes the old directory, and that a
// restart serves the new index.
func TestReindexKeepsStoreAndDeletions(t *testing.T) {
	w, data := newWriter(t)
	ctx := context.Background()
	a := article(t, `{"id":"ing-1","text":"GMB says 25 cleaners at Lerwick hospital lose their jobs."}`)
	if _, err := w.Put(ctx, []api.Article{a}); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, seedMidYorks); err != nil {
		t.Fatal(err)
	}
	// A seed replaced through the write API stays replaced.
	rep := article(t, fmt.Sprintf(`{"id":%q,"text":"Replaced seed about Scalloway."}`, "001_605bd6b5c84727b1"))
	if _, err := w.Put(ctx, []api.Article{rep}); err != nil {
		t.Fatal(err)
	}
	oldDir := w.Dir()
	before := docCount(t, w.Index())

	st, err := w.Reindex(ctx, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != before || docCount(t, w.Index()) != before {
		t.Errorf("re-index: %d docs (stats %d), want %d", docCount(t, w.Index()), st.Documents, before)
	}
	if st.Stored != int(before) {
		t.Errorf("stats %+v, want all %d articles read from the store", st, before)
	}
	if _, err := os.Stat(oldDir); !os.IsNotExist(err) {
		t.Errorf("old index %s still there (%v)", oldDir, err)
	}
	if cur, _ := index.CurrentDir(data); cur != st.Dir || w.Dir() != st.Dir {
		t.Errorf("CURRENT -> %s, writer on %s, want %s", cur, w.Dir(), st.Dir)
	}
	check := func(when string, idx bleve.Index) {
		if got := hits(t, idx, "lerwick"); len(got) != 1 || got[0] != "ing-1" {
			t.Errorf("%s: lerwick %v, want [ing-1]", when, got)
		}
		if got := hits(t, idx, "scalloway"); len(got) != 1 {
			t.Errorf("%s: scalloway %v, want the replaced seed", when, got)
		}
		if got := hits(t, idx, "rotherham"); len(got) != 0 {
			t.Errorf("%s: rotherham %v, want none (seed replaced)", when, got)
		}
		if d, err := idx.Document(seedMidYorks); err != nil || d != nil {
			t.Errorf("%s: deleted seed back (%v)", when, err)
		}
	}
	check("after re-index", w.Index())
	// Writes keep working on the new index.
	b := article(t, `{"id":"ing-2","text":"Unite: Unst depot shuts."}`)
	if _, err := w.Put(ctx, []api.Article{b}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := openWriter(t, data)
	defer w2.Close()
	if w2.Dir() != st.Dir {
		t.Errorf("after restart on %s, want %s", w2.Dir(), st.Dir)
	}
	check("after restart", w2.Index())
	if got := hits(t, w2.Index(), "unst"); len(got) != 1 {
		t.Errorf("after restart: unst %v", got)
	}
}

// TestReindexUnderLoad runs searches and writes while a re-index builds and
// swaps: no search fails, the count is the same, and writes made during
// the build are in the new index.
func TestReindexUnderLoad(t *testing.T) {
	w, _ := newWriter(t)
	defer w.Close()
	ctx := context.Background()
	var arts []api.Article
	for i := range 300 {
		arts = append(arts, article(t, fmt.Sprintf(`{"text":"Trust %d cuts %d posts in ward %d."}`, i, i+10, i)))
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	want := docCount(t, w.Index())

	stop := make(chan struct{})
	var searches, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sr := bleve.NewSearchRequest(bleve.NewMatchQuery("posts"))
				res, err := w.Index().SearchInContext(ctx, sr)
				searches.Add(1)
				if err == nil && res.Total < 300 {
					err = fmt.Errorf("total %d, want >= 300", res.Total)
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	// Writes during the re-index must reach the new index.
	var during []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a := article(t, fmt.Sprintf(`{"id":"during-%d","text":"Fetlar clinic note %d."}`, i, i))
			if _, err := w.Put(ctx, []api.Article{a}); err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			during = append(during, a.ID)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	st, err := w.Reindex(ctx, api.ReindexOptions{})
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d of %d searches/writes failed, first: %v", f, searches.Load(), firstErr.Load())
	}
	if searches.Load() < 10 {
		t.Errorf("only %d searches ran during the re-index", searches.Load())
	}
	if got := docCount(t, w.Index()); got != want+uint64(len(during)) {
		t.Errorf("after re-index %d docs, want %d + %d written meanwhile", got, want, len(during))
	}
	if len(during) == 0 {
		t.Error("no writes ran during the re-index")
	}
	if got := hits(t, w.Index(), "fetlar"); len(got) != len(during) {
		t.Errorf("fetlar: %d hits, want %d", len(got), len(during))
	}
	checkMatchAllCounts(t, w)
	t.Logf("re-index %v with %d searches and %d writes alongside", st.Duration, searches.Load(), len(during))
}

// TestOpenWriterCatchesUp puts back an older copy of the index (as a
// crash between the store's commit and the index's leaves it, or a restored
// backup): OpenWriter applies every change the store numbered after the
// last one the copy applied, so puts, replacements and deletes are all
// there and nothing else changed.
func TestOpenWriterCatchesUp(t *testing.T) {
	w, data := newWriter(t)
	ctx := context.Background()
	dir := w.Dir()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "old-index")
	copyDir(t, dir, old)

	w = openWriter(t, data)
	if _, err := w.Put(ctx, []api.Article{article(t, `{"id":"ing-9","text":"Yell surgery loses 3 staff."}`)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, seedMidYorks); err != nil {
		t.Fatal(err)
	}
	rep := article(t, fmt.Sprintf(`{"id":%q,"text":"Replaced seed about Scalloway."}`, "001_605bd6b5c84727b1"))
	if _, err := w.Put(ctx, []api.Article{rep}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	copyDir(t, old, dir)

	var tagged atomic.Int64
	w, err := index.OpenWriter(ctx, data, index.WriterOptions{Tagger: testTagger(t), ObserveTag: func(time.Duration) { tagged.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got := hits(t, w.Index(), "yell"); len(got) != 1 {
		t.Errorf("yell: %v, want the stored article", got)
	}
	if got := hits(t, w.Index(), "scalloway"); len(got) != 1 {
		t.Errorf("scalloway: %v, want the replaced seed", got)
	}
	if d, err := w.Index().Document(seedMidYorks); err != nil || d != nil {
		t.Errorf("deleted seed still indexed (%v)", err)
	}
	if n := docCount(t, w.Index()); n != 5 {
		t.Errorf("%d docs, want 5 (5 seeds - 1 deleted + 1 stored)", n)
	}
	// Only the two articles written since the copy were tagged again.
	if n := tagged.Load(); n != 2 {
		t.Errorf("catching up tagged %d articles, want 2", n)
	}
	checkMatchAllCounts(t, w)
}

// copyDir copies the files of the directory src (recursively) to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreLocked(t *testing.T) {
	w, data := newWriter(t)
	defer w.Close()
	start := time.Now()
	_, err := index.OpenStore(data)
	if !errors.Is(err, index.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second open took %v", d)
	}
}

func TestCurrentDir(t *testing.T) {
	data := t.TempDir()
	got, err := index.CurrentDir(data)
	if err != nil || got != filepath.Join(data, "index") {
		t.Errorf("no CURRENT: %s, %v", got, err)
	}
	if err := index.SetCurrent(data, filepath.Join(data, "index-7")); err != nil {
		t.Fatal(err)
	}
	if got, err := index.CurrentDir(data); err != nil || got != filepath.Join(data, "index-7") {
		t.Errorf("after SetCurrent: %s, %v", got, err)
	}
	if err := index.SetCurrent(data, "/elsewhere/index-7"); err == nil {
		t.Error("SetCurrent outside data: no error")
	}
	for _, bad := range []string{"../x", "", "a/b"} {
		if err := os.WriteFile(filepath.Join(data, index.CurrentFile), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := index.CurrentDir(data); err == nil {
			t.Errorf("CURRENT %q: no error", bad)
		}
	}
	ents, _ := os.ReadDir(data)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestRebuildData checks the offline rebuild of 'cutwatch index
// --rebuild': it builds a new index from the store (the seeds and ingested
// articles alike), and a --data in use is refused.
func TestRebuildData(t *testing.T) {
	data := indextest.SeedData(t)
	ctx := context.Background()
	opts := index.WriterOptions{Tagger: testTagger(t)}
	st, err := index.RebuildData(ctx, data, opts, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 5 || st.Stored != 5 {
		t.Errorf("rebuild: %+v, want 5 docs from the store", st)
	}
	if cur, _ := index.CurrentDir(data); cur != st.Dir {
		t.Errorf("CURRENT -> %s, want %s", cur, st.Dir)
	}
	w := openWriter(t, data)
	if _, err := w.Put(ctx, []api.Article{article(t, `{"id":"x-1","text":"Foula ferry staff cut."}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := index.RebuildData(ctx, data, opts, api.ReindexOptions{}); !errors.Is(err, index.ErrLocked) {
		t.Errorf("rebuild while open: %v, want ErrLocked", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := index.RebuildData(ctx, data, opts, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Documents != 6 || st2.Stored != 6 || st2.Dir == st.Dir {
		t.Errorf("second rebuild: %+v, want 6 docs in a new dir", st2)
	}
	if _, err := os.Stat(st.Dir); !os.IsNotExist(err) {
		t.Errorf("old dir %s left: %v", st.Dir, err)
	}
	w = openWriter(t, data)
	defer w.Close()
	if got := hits(t, w.Index(), "foula"); len(got) != 1 {
		t.Errorf("foula after rebuild: %v", got)
	}
}

// damageIndex truncates the largest segment file that the closed index in
// dir is served from to half its size, as a full disk or an interrupted
// copy can. It asks bleve which files those are (segfiles.Live): the
// largest *.zap file on disk can be one that no snapshot uses any more,
// left by a merge that Close cut short or by a superseded snapshot.
func damageIndex(t *testing.T, dir string) string {
	t.Helper()
	seg := segfiles.Live(t, dir)[0]
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	return seg
}

// TestWriterReadyDuringSwap holds a re-index inside the critical section
// of its swap: Ready says so while searches still succeed on the old index,
// and says ready again once the new index is current.
func TestWriterReadyDuringSwap(t *testing.T) {
	data := indextest.SeedData(t)
	entered, release := make(chan struct{}), make(chan struct{})
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{
		Tagger:   testTagger(t),
		SwapHook: func() { close(entered); <-release }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Ready(); err != nil {
		t.Fatalf("before the re-index: Ready = %v", err)
	}
	oldDir := w.Dir()
	type result struct {
		st  api.ReindexStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := w.Reindex(context.Background(), api.ReindexOptions{})
		done <- result{st, err}
	}()
	<-entered
	if err := w.Ready(); !errors.Is(err, api.ErrSwapping) {
		t.Errorf("during the swap: Ready = %v, want ErrSwapping", err)
	}
	if got := hits(t, w.Index(), "redundancy"); len(got) != 4 {
		t.Errorf("search during the swap: %v, want the 4 seeds", got)
	}
	if w.Dir() != oldDir {
		t.Errorf("during the swap: Dir %s, want the old %s", w.Dir(), oldDir)
	}
	close(release)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err := w.Ready(); err != nil {
		t.Errorf("after the swap: Ready = %v", err)
	}
	if w.Dir() != r.st.Dir || w.Dir() == oldDir {
		t.Errorf("after the swap: Dir %s, want the new %s", w.Dir(), r.st.Dir)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Ready(); !errors.Is(err, api.ErrClosed) {
		t.Errorf("after Close: Ready = %v, want ErrClosed", err)
	}
}

// TestReindexCancelledAtSwap cancels a re-index inside its swap: the old
// index stays current, on disk and in the alias, and the new directory is
// removed.
func TestReindexCancelledAtSwap(t *testing.T) {
	data := indextest.SeedData(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{
		Tagger: testTagger(t), SwapHook: cancel})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	oldDir := w.Dir()
	st, err := w.Reindex(ctx, api.ReindexOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Reindex = %v, want context.Canceled", err)
	}
	if w.Dir() != oldDir {
		t.Errorf("Dir %s, want the old %s", w.Dir(), oldDir)
	}
	if cur, err := index.CurrentDir(data); err != nil || cur != oldDir {
		t.Errorf("CURRENT -> %s (%v), want %s", cur, err, oldDir)
	}
	if _, err := os.Stat(st.Dir); !os.IsNotExist(err) {
		t.Errorf("new index %s left behind (%v)", st.Dir, err)
	}
	if err := w.Ready(); err != nil {
		t.Errorf("Ready = %v", err)
	}
	if got := hits(t, w.Index(), "redundancy"); len(got) != 4 {
		t.Errorf("search after the cancelled re-index: %v", got)
	}
}

// TestWriterDamagedIndex opens a --data whose index is damaged: without
// AllowDamaged OpenWriter fails; with it the Writer is not ready, searches
// fail rather than find nothing, writes are refused, and Reindex rebuilds
// from the store and makes it ready.
func TestWriterDamagedIndex(t *testing.T) {
	w, data := newWriter(t)
	ctx := context.Background()
	if _, err := w.Put(ctx, []api.Article{article(t, `{"id":"keep-1","text":"Unison: Baltasound surgery loses 2 nurses."}`)}); err != nil {
		t.Fatal(err)
	}
	dir := w.Dir()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	seg := damageIndex(t, dir)

	opts := index.WriterOptions{Tagger: testTagger(t)}
	if w, err := index.OpenWriter(ctx, data, opts); !errors.Is(err, api.ErrDamaged) {
		if err == nil {
			w.Close()
		}
		t.Fatalf("OpenWriter of a damaged index = %v, want ErrDamaged", err)
	}
	opts.AllowDamaged = true
	w, err := index.OpenWriter(ctx, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Ready(); !errors.Is(err, api.ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(seg)) {
		t.Fatalf("Ready = %v, want ErrDamaged naming %s", err, filepath.Base(seg))
	}
	if res, err := w.Index().Search(bleve.NewSearchRequest(bleve.NewMatchAllQuery())); err == nil {
		t.Errorf("search of a damaged index: %d hits and no error", res.Total)
	}
	if _, c := w.MatchAllCounts(); c != nil {
		t.Errorf("match-all counts of a damaged index: %d docs", c.Docs())
	}
	if _, err := w.Put(ctx, []api.Article{article(t, `{"text":"Unst ward shuts."}`)}); !errors.Is(err, api.ErrDamaged) {
		t.Errorf("Put = %v, want ErrDamaged", err)
	}
	if err := w.Delete(ctx, "keep-1"); !errors.Is(err, api.ErrDamaged) {
		t.Errorf("Delete = %v, want ErrDamaged", err)
	}

	st, err := w.Reindex(ctx, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Ready(); err != nil {
		t.Fatalf("after the re-index: Ready = %v", err)
	}
	if st.Documents != 6 || w.Dir() != st.Dir {
		t.Errorf("re-index %+v (serving %s), want 6 docs in the new dir", st, w.Dir())
	}
	if got := hits(t, w.Index(), "baltasound"); len(got) != 1 {
		t.Errorf("baltasound: %v, want the stored article", got)
	}
	checkMatchAllCounts(t, w)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("damaged dir %s left behind (%v)", dir, err)
	}
	if _, err := w.Put(ctx, []api.Article{article(t, `{"id":"new-1","text":"Unst ward shuts."}`)}); err != nil {
		t.Errorf("Put after the re-index: %v", err)
	}
}

// TestRebuildDataReplacesDamaged checks the advice of the damaged-index
// error: 'cutwatch index --rebuild' (RebuildData) replaces the index.
func TestRebuildDataReplacesDamaged(t *testing.T) {
	w, data := newWriter(t)
	dir := w.Dir()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	damageIndex(t, dir)
	st, err := index.RebuildData(context.Background(), data, index.WriterOptions{Tagger: testTagger(t)}, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Documents != 5 {
		t.Errorf("rebuild: %+v, want 5 docs", st)
	}
	w = openWriter(t, data)
	defer w.Close()
	if n := docCount(t, w.Index()); n != 5 {
		t.Errorf("after rebuild: %d docs", n)
	}
}

// TestWriterObserveTag checks that the tag-time hook sees every article the
// Writer tags, once each: those of a Put and, in a re-index, every article
// read from the store.
func TestWriterObserveTag(t *testing.T) {
	data := indextest.SeedData(t)
	var (
		calls    atomic.Int64
		nonPos   atomic.Int64
		observer = func(d time.Duration) {
			calls.Add(1)
			if d <= 0 {
				nonPos.Add(1)
			}
		}
	)
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, data, index.WriterOptions{
		Tagger: testTagger(t), ObserveTag: observer})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n := calls.Load(); n != 0 {
		t.Fatalf("opening an up-to-date index tagged %d articles, want 0", n)
	}
	arts := []api.Article{
		article(t, `{"id":"obs-1","text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`),
		article(t, `{"id":"obs-2","text":"GMB says 25 cleaners at Lerwick hospital lose their jobs."}`),
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("after a Put of 2 articles: %d observations, want 2", n)
	}
	st, err := w.Reindex(ctx, api.ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != 7 {
		t.Fatalf("re-index read %d articles from the store, want 7", st.Stored)
	}
	if n, want := calls.Load(), int64(2+st.Stored); n != want {
		t.Errorf("after the re-index: %d observations, want %d", n, want)
	}
	if n := nonPos.Load(); n != 0 {
		t.Errorf("%d observations were not positive durations", n)
	}
}

// checkMatchAllCounts checks that w's match-all counts belong to its
// generation and equal bleve's facet counts of every facet field.
func checkMatchAllCounts(t *testing.T, w *index.Writer) {
	t.Helper()
	gen, c := w.MatchAllCounts()
	if c == nil || gen != w.Generation() {
		t.Fatalf("MatchAllCounts = (%d, %v), want counts of generation %d", gen, c, w.Generation())
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	for _, f := range w.Schema().FacetFields() {
		req.AddFacet(f, bleve.NewFacetRequest(f, 1<<20))
	}
	res, err := w.Index().Search(req)
	if err != nil {
		t.Fatal(err)
	}
	if c.Docs() != res.Total {
		t.Errorf("match-all counts: %d docs, bleve %d", c.Docs(), res.Total)
	}
	for _, f := range w.Schema().FacetFields() {
		want := []index.TermCount{}
		for _, tc := range res.Facets[f].Terms.Terms() {
			want = append(want, index.TermCount{Term: tc.Term, Count: tc.Count})
		}
		if got := c.Top(f, -1); !slices.Equal(got, want) {
			t.Errorf("match-all counts of %s: %v, bleve %v", f, got, want)
		}
	}
}

// TestMatchAllCountsAfterReindex checks that a re-index whose content
// differs from the index it replaces (here: a new tagger that no longer
// finds unions, as a tagger change does) brings the match-all counts of
// the new index.
func TestMatchAllCountsAfterReindex(t *testing.T) {
	w, data := newWriter(t)
	ctx := context.Background()
	if _, err := w.Put(ctx, []api.Article{article(t, `{"id":"keep-1","text":"Unison: Baltasound surgery loses 2 nurses."}`)}); err != nil {
		t.Fatal(err)
	}
	checkMatchAllCounts(t, w)
	if _, c := w.MatchAllCounts(); c.Count("union", "Unison") == 0 {
		t.Fatal("no Unison in the counts before the re-index")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := index.OpenWriter(ctx, data, index.WriterOptions{Tagger: dropKind{testTagger(t), tag.Union}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Reindex(ctx, api.ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, c := w.MatchAllCounts(); c.Count("union", "Unison") != 0 {
		t.Errorf("after a re-index with a tagger that finds no unions: %d articles of Unison", c.Count("union", "Unison"))
	}
	checkMatchAllCounts(t, w)
}

// dropKind is a tagger that leaves out the entities of one kind.
type dropKind struct {
	t    index.Tagger
	kind tag.Kind
}

func (d dropKind) Tag(text string) ([]tag.Entity, error) {
	ents, err := d.t.Tag(text)
	return slices.DeleteFunc(ents, func(e tag.Entity) bool { return e.Type == d.kind }), err
}

// TestOpenWriterMissingIndex removes the index that CURRENT names: with
// a store of articles OpenWriter builds it again from the store; with an
// empty store it refuses, naming the missing directory, rather than start
// an empty index.
func TestOpenWriterMissingIndex(t *testing.T) {
	w, data := newWriter(t)
	if _, err := w.Reindex(context.Background(), api.ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := w.Dir()
	must(t, w.Close())
	must(t, os.RemoveAll(dir))
	w = openWriter(t, data)
	if n := docCount(t, w.Index()); n != 5 || w.Dir() != dir {
		t.Errorf("rebuilt %d articles in %s, want the 5 seeds in %s", n, w.Dir(), dir)
	}
	if got := hits(t, w.Index(), "redundancy"); len(got) != 4 {
		t.Errorf("redundancy: %v", got)
	}
	must(t, w.Close())

	empty := t.TempDir()
	must(t, os.WriteFile(filepath.Join(empty, index.CurrentFile), []byte("index-404\n"), 0o644))
	if w, err := index.OpenWriter(context.Background(), empty, index.WriterOptions{Tagger: testTagger(t)}); err == nil || !strings.Contains(err.Error(), "index-404") {
		if err == nil {
			w.Close()
		}
		t.Errorf("OpenWriter with CURRENT naming a missing index and no articles = %v, want an error naming it", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "index-404")); !os.IsNotExist(err) {
		t.Error("made the missing index instead of reporting the pointer")
	}
}

// TestWriterPrepareWritesNothing checks that Prepare tags without writing
// and that PutPrepared writes exactly the articles selected.
func TestWriterPrepareWritesNothing(t *testing.T) {
	w, _ := newWriter(t)
	defer w.Close()
	ctx := context.Background()
	a := article(t, `{"text":"Unison says 40 porters at Kirkwall hospital face redundancy."}`)
	b := article(t, `{"text":"Stornoway clinic to close with 12 posts lost."}`)
	gen := w.Generation()
	p, err := w.Prepare(ctx, []api.Article{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if n := docCount(t, w.Index()); n != 5 || w.Generation() != gen {
		t.Fatalf("after Prepare: %d docs, generation %d→%d; want 5 and unchanged", n, gen, w.Generation())
	}
	ws := p.Written()
	if len(ws) != 2 || ws[0].Article.ID != a.ID || len(ws[0].Entities) == 0 {
		t.Fatalf("Written: %+v, want a then b, a with entities", ws)
	}
	if _, err := w.PutPrepared(ctx, p.Select([]string{b.ID})); err != nil {
		t.Fatal(err)
	}
	if got := hits(t, w.Index(), "kirkwall"); len(got) != 0 {
		t.Errorf("kirkwall: %v, want none (not selected)", got)
	}
	if got := hits(t, w.Index(), "stornoway"); len(got) != 1 || got[0] != b.ID {
		t.Errorf("stornoway: %v, want [%s]", got, b.ID)
	}
	if _, err := w.Prepare(ctx, []api.Article{a, {ID: "x"}}); err == nil {
		t.Error("Prepare of an article without text: no error")
	}
}

// TestBeforeAckFailure checks that a failing BeforeAck hook makes the
// write fail although it is stored and indexed, and that ChangesSince
// hands the hook's owner the change it missed, tagged.
func TestBeforeAckFailure(t *testing.T) {
	data := indextest.SeedData(t)
	fail := errors.New("queue full")
	var seen []index.Change
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t),
		BeforeAck: []func(index.Change) error{func(c index.Change) error {
			seen = append(seen, c)
			if len(seen) == 1 {
				return fail
			}
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before, err := w.Seq()
	if err != nil {
		t.Fatal(err)
	}
	a := article(t, `{"text":"Unison says 40 porters at Leeds face cuts."}`)
	if _, err := w.Put(context.Background(), []api.Article{a}); !errors.Is(err, fail) {
		t.Fatalf("Put with a failing hook: got %v, want %v", err, fail)
	}
	if got := hits(t, w.Index(), "porters"); !slices.Contains(got, a.ID) {
		t.Fatalf("the unacknowledged write is not indexed: %v", got)
	}
	ch, err := w.ChangesSince(context.Background(), before, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Put) != 1 || ch.Put[0].Article.ID != a.ID || !ch.Put[0].Changed || len(ch.Put[0].Entities) == 0 || ch.Seq != seen[0].Seq {
		t.Fatalf("ChangesSince(%d) = %+v, want the article %q with its entities up to %d", before, ch, a.ID, seen[0].Seq)
	}
	if _, err := w.Put(context.Background(), []api.Article{a}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(seen) != 2 || seen[1].Put[0].Changed {
		t.Fatalf("the retry is a re-send: hooks saw %+v", seen)
	}
	if err := w.Delete(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	ch, err = w.ChangesSince(context.Background(), seen[1].Seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Put) != 0 || !slices.Equal(ch.Deleted, []string{a.ID}) {
		t.Fatalf("after the delete: %+v", ch)
	}
}
