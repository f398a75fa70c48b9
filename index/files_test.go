package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// testTagger returns the package tests' one Tagger (loading the model takes
// a third of a second).
var testTagger = sync.OnceValues(tag.New)

func tagger(t *testing.T) *tag.Tagger {
	t.Helper()
	tg, err := testTagger()
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// articleIDs are the good articles of testdata/articles.
var articleIDs = []string{"42", "leeds", "mid-yorks", "north-east", "oxford", "rotherham", "taunton"}

// docIDs returns the sorted ids of all documents of idx.
func docIDs(t *testing.T, idx bleve.Index) []string {
	t.Helper()
	sr := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 1000, 0, false)
	res, err := idx.Search(sr)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

// openIDs opens the index in dir and returns its document ids.
func openIDs(t *testing.T, dir string) []string {
	t.Helper()
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	return docIDs(t, idx)
}

// newData opens a Writer on a new --data directory.
func newData(t *testing.T) (*Writer, string) {
	t.Helper()
	data := t.TempDir()
	w, err := OpenWriter(context.Background(), data, WriterOptions{Tagger: tagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w, data
}

// storeIDs returns the sorted ids of the articles in w's store.
func storeIDs(t *testing.T, w *Writer) []string {
	t.Helper()
	var ids []string
	err := w.store.Each(DefaultBatchSize, func(arts []api.Article) error {
		for _, a := range arts {
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestPutFiles(t *testing.T) {
	w, _ := newData(t)
	var calls []Progress
	stats, err := w.PutFiles(context.Background(), []string{filepath.Join("testdata", "articles")},
		func(p Progress) { calls = append(calls, p) })
	if err != nil {
		t.Fatal(err)
	}
	if stats.Indexed != len(articleIDs) {
		t.Errorf("Indexed = %d, want %d", stats.Indexed, len(articleIDs))
	}
	var skipped []string
	for _, s := range stats.Skipped {
		skipped = append(skipped, s.String())
	}
	wantSkips := []string{
		filepath.Join("testdata", "articles", "feed.jsonl") + ":2: invalid JSON",
		filepath.Join("testdata", "articles", "feed.jsonl") + ":5: text: missing",
	}
	if len(skipped) != len(wantSkips) {
		t.Fatalf("skipped %q, want %q", skipped, wantSkips)
	}
	for i, w := range wantSkips {
		if !strings.HasPrefix(skipped[i], w) {
			t.Errorf("skip %d = %q, want it to start %q", i, skipped[i], w)
		}
	}
	if len(calls) == 0 {
		t.Fatal("progress was never called")
	}
	last := calls[len(calls)-1]
	if last.Indexed != len(articleIDs) || last.Skipped != 2 || last.BytesDone != last.Bytes || last.Bytes == 0 {
		t.Errorf("last progress = %+v", last)
	}
	// Every article is in the store, the source of truth, and the index.
	if got := storeIDs(t, w); !slices.Equal(got, articleIDs) {
		t.Errorf("store holds %q, want %q", got, articleIDs)
	}
	if got := docIDs(t, w.Index()); !slices.Equal(got, articleIDs) {
		t.Errorf("index holds %q, want %q", got, articleIDs)
	}
	// The tagger's values are in the name and numeric fields.
	doc := searchOne(t, w.Index(), "rotherham", "union", "trust", "jobs", FieldTitle)
	if doc["union"] != "Unison" || doc["trust"] != "Rotherham NHS Foundation Trust" || doc["jobs"] != 750.0 ||
		doc[FieldTitle] != "Unison warns of redundancies at Rotherham" {
		t.Errorf("rotherham stored as %v", doc)
	}
}

// searchOne returns the stored fields of document id.
func searchOne(t *testing.T, idx bleve.Index, id string, fields ...string) map[string]any {
	t.Helper()
	sr := bleve.NewSearchRequest(query.NewDocIDQuery([]string{id}))
	sr.Fields = fields
	res, err := idx.Search(sr)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("document %q: %d hits", id, len(res.Hits))
	}
	return res.Hits[0].Fields
}

func TestPutFilesSkipsDuplicateIDs(t *testing.T) {
	w, _ := newData(t)
	dup := filepath.Join("testdata", "bad", "dup.jsonl")
	stats, err := w.PutFiles(context.Background(), []string{dup}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Indexed != 2 || len(stats.Skipped) != 1 {
		t.Fatalf("indexed %d, skipped %v; want 2 and the repeated id", stats.Indexed, stats.Skipped)
	}
	s := stats.Skipped[0]
	if s.File != dup || s.Line != 3 || !strings.Contains(s.Reason, `duplicate id "same" (first read from `+dup+":1)") {
		t.Errorf("skip = %+v, want %s line 3 duplicate id", s, dup)
	}
	// The first article with the id is the one written.
	if text := searchOne(t, w.Index(), "same", FieldText)[FieldText]; !strings.HasPrefix(text.(string), "First article") {
		t.Errorf("indexed text of 'same' = %q, want the first one", text)
	}
	if a, ok, err := w.store.Get("same"); err != nil || !ok || !strings.HasPrefix(a.Text, "First article") {
		t.Errorf("stored 'same' = %q, %v, %v; want the first one", a.Text, ok, err)
	}
}

// Inputs of which not one article can be written are an error, and change
// nothing: neither the store nor the index.
func TestPutFilesNothingIndexed(t *testing.T) {
	w, _ := newData(t)
	ctx := context.Background()
	if _, err := w.PutFiles(ctx, []string{filepath.Join("testdata", "articles", "sub")}, nil); err != nil {
		t.Fatal(err)
	}
	gen := w.Generation()
	bad := []string{filepath.Join("testdata", "bad", "latin1.txt")}
	stats, err := w.PutFiles(ctx, bad, nil)
	if !errors.Is(err, ErrNothingIndexed) || len(stats.Skipped) != 1 {
		t.Errorf("PutFiles of only bad files = %v (skipped %v), want ErrNothingIndexed and the skip", err, stats.Skipped)
	}
	if _, err := w.PutFiles(ctx, []string{t.TempDir()}, nil); !errors.Is(err, ErrNothingIndexed) {
		t.Errorf("PutFiles of an empty folder = %v, want ErrNothingIndexed", err)
	}
	if _, err := w.PutFiles(ctx, []string{filepath.Join(t.TempDir(), "missing")}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("PutFiles of a missing path = %v, want os.ErrNotExist", err)
	}
	if got := storeIDs(t, w); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("store holds %q, want the old [leeds]", got)
	}
	if got := docIDs(t, w.Index()); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("index holds %q, want the old [leeds]", got)
	}
	if w.Generation() != gen {
		t.Errorf("generation moved from %d to %d for writes of nothing", gen, w.Generation())
	}
}

// openWithin runs Open(dir) and fails the test if it has not returned
// within 10 s: a locked index must fail, not hang.
func openWithin(t *testing.T, dir string) (bleve.Index, error) {
	t.Helper()
	type result struct {
		idx bleve.Index
		err error
	}
	done := make(chan result, 1)
	go func() {
		idx, err := Open(dir)
		done <- result{idx, err}
	}()
	select {
	case r := <-done:
		return r.idx, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Open(%s) of a locked index has not returned after 10 s", dir)
		return nil, nil
	}
}

func TestOpenLocked(t *testing.T) {
	w, data := newData(t)
	if _, err := w.PutFiles(context.Background(), []string{filepath.Join("testdata", "articles", "sub")}, nil); err != nil {
		t.Fatal(err)
	}
	dir := w.Dir()
	second, err := openWithin(t, dir)
	if err == nil {
		second.Close()
		t.Fatal("second Open of an open index succeeded")
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open = %v, want an error wrapping ErrLocked that names %s", err, dir)
	}
	if err := CheckUnlocked(data); !errors.Is(err, ErrLocked) {
		t.Errorf("CheckUnlocked of a --data in use = %v, want ErrLocked", err)
	}
	if _, err := OpenWriter(context.Background(), data, WriterOptions{Tagger: tagger(t)}); !errors.Is(err, ErrLocked) {
		t.Errorf("second OpenWriter = %v, want ErrLocked", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckUnlocked(data); err != nil {
		t.Errorf("CheckUnlocked once closed = %v", err)
	}
	// Once closed, it opens again with what it held.
	if got := openIDs(t, dir); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("index holds %q, want [leeds]", got)
	}
}

func TestOpenErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing-here")
	if _, err := Open(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open of a missing index = %v, want os.ErrNotExist naming the folder", err)
	}

	// An index written with another mapping version must be rebuilt.
	dir := filepath.Join(t.TempDir(), "index")
	idx, err := Create(dir, schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.SetInternal(internalVersionKey, []byte("cutwatch-mapping-0")); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "--rebuild") {
		t.Errorf("Open of an old index = %v, want advice to rebuild", err)
	}

	// A damaged index (its root file cut short, as after a disk fault or
	// a copy interrupted) is reported as such with advice to rebuild.
	dir = filepath.Join(t.TempDir(), "index")
	if idx, err = Create(dir, schema.Default); err != nil {
		t.Fatal(err)
	}
	if err := idx.Index("a", map[string]any{FieldTitle: "Trust news", FieldText: "Unison fears cuts."}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "store", "root.bolt"), []byte("not a bolt file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if idx, err := Open(dir); err == nil {
		idx.Close()
		t.Error("Open of a damaged index succeeded")
	} else if !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "--rebuild") {
		t.Errorf("Open of a damaged index = %v, want it called damaged with advice to rebuild", err)
	}
}

// TestStemming checks the point of the mapping's English analysis: a plain
// bleve query-string query with no field (which searches the composite _all
// field) finds other forms of the word. With bleve's default mapping the
// _all field is searched with the standard analyzer and these fail.
func TestStemming(t *testing.T) {
	w, _ := newData(t)
	idx := w.Index()
	arts := []api.Article{
		{ID: "redundancies", Title: "Trust news", Text: "Unison fears compulsory redundancies at the trust."},
		{ID: "nursing", Title: "Trust news", Text: "Cuts to nursing posts were announced on Monday."},
		{ID: "title-only", Title: "Redundancies loom", Text: "The board met on Tuesday."},
	}
	if _, err := w.Put(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"redundancy", []string{"redundancies", "title-only"}},
		{"Redundancy", []string{"redundancies", "title-only"}},
		{"nurse", []string{"nursing"}},
		{"nurses", []string{"nursing"}},
		{"text:redundancy", []string{"redundancies"}},
		{"title:redundancy", []string{"title-only"}},
		{`"compulsory redundancy"`, []string{"redundancies"}},
		{"midwife", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res, err := idx.Search(bleve.NewSearchRequest(bleve.NewQueryStringQuery(tt.q)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("query %q found %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

// A run cancelled part-way stops cleanly: batches written so far stay,
// each whole in the store and the index, the error is the context's, and
// nothing panics or races (run with -race) while the reader still sends
// skipped lines.
func TestPutFilesCancelled(t *testing.T) {
	src := filepath.Join(t.TempDir(), "many.jsonl")
	var b strings.Builder
	for i := range 3 * DefaultBatchSize {
		if i%3 == 2 {
			b.WriteString("{bad json\n")
			continue
		}
		fmt.Fprintf(&b, `{"id": "a%d", "text": "Unison says %d nursing posts will go at Leeds Teaching Hospitals NHS Trust."}`+"\n", i, i)
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		w, _ := newData(t)
		ctx, cancel := context.WithCancel(context.Background())
		stats, err := w.PutFiles(ctx, []string{src}, func(Progress) { cancel() })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("PutFiles = %v, want context.Canceled", err)
		}
		n := docCount(t, w.Index())
		stored := len(storeIDs(t, w))
		if stats.Indexed < 1 || n != uint64(stats.Indexed) || stored != stats.Indexed {
			t.Errorf("indexed %d, the index holds %d, the store %d: want the batches counted, in both", stats.Indexed, n, stored)
		}
		if n >= 2*DefaultBatchSize {
			t.Errorf("the index holds %d: the run went on after the cancel", n)
		}
	}
}

// docCount returns the number of documents of idx.
func docCount(t *testing.T, idx bleve.Index) uint64 {
	t.Helper()
	n, err := idx.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
