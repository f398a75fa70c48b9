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

	"github.com/cutwatch/cutwatch/index/tag"
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

// leftovers returns the entries of dir's parent other than dir itself:
// temporary build folders and moved-aside old indexes that should be gone.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != filepath.Base(dir) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	var calls []Progress
	stats, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles")}, tagger(t),
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
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("Build left %v beside the index", got)
	}

	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if got := docIDs(t, idx); !slices.Equal(got, articleIDs) {
		t.Errorf("index holds %q, want %q", got, articleIDs)
	}
	// The tagger's values are in the keyword and numeric fields.
	doc := searchOne(t, idx, "rotherham", FieldUnion, FieldTrust, FieldJobs, FieldTitle)
	if doc[FieldUnion] != "Unison" || doc[FieldTrust] != "Rotherham NHS Foundation Trust" || doc[FieldJobs] != 750.0 ||
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

func TestBuildSkipsDuplicateIDs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	dup := filepath.Join("testdata", "bad", "dup.jsonl")
	stats, err := Build(context.Background(), dir, []string{dup}, tagger(t), nil)
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
	// The first article with the id is the one indexed.
	idx, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if text := searchOne(t, idx, "same", FieldText)[FieldText]; !strings.HasPrefix(text.(string), "First article") {
		t.Errorf("indexed text of 'same' = %q, want the first one", text)
	}
}

func TestBuildRefusesExistingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	sub := []string{filepath.Join("testdata", "articles", "sub")}
	if _, err := Build(context.Background(), dir, sub, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	_, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles")}, tagger(t), nil)
	if !errors.Is(err, os.ErrExist) {
		t.Errorf("second Build = %v, want an error wrapping os.ErrExist", err)
	}
	if got := openIDs(t, dir); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("after refused Build the index holds %q, want [leeds]", got)
	}
}

func TestRebuildReplaces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles")}, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	stats, err := Rebuild(context.Background(), dir, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Indexed != 1 {
		t.Errorf("Indexed = %d, want 1", stats.Indexed)
	}
	if got := openIDs(t, dir); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("rebuilt index holds %q, want only [leeds]", got)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("Rebuild left %v beside the index", got)
	}
	// Rebuild also works where there is no index yet.
	fresh := filepath.Join(t.TempDir(), "index")
	if _, err := Rebuild(context.Background(), fresh, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	if got := openIDs(t, fresh); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("index holds %q, want [leeds]", got)
	}
}

// An error part-way through (here: the context is cancelled) leaves no
// half-built index at dir and no temporary folders; a Rebuild that fails
// leaves the old index as it was.
func TestBuildErrorLeavesNoHalfIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	articles := []string{filepath.Join("testdata", "articles")}

	dir := filepath.Join(t.TempDir(), "index")
	_, err := Build(ctx, dir, articles, tagger(t), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Build with a cancelled context = %v, want context.Canceled", err)
	}
	if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("failed Build left something at %s (stat: %v)", dir, serr)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("failed Build left %v", got)
	}

	if _, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(ctx, dir, articles, tagger(t), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Rebuild with a cancelled context = %v, want context.Canceled", err)
	}
	if got := openIDs(t, dir); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("after a failed Rebuild the index holds %q, want the old [leeds]", got)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("failed Rebuild left %v", got)
	}
}

// Inputs of which not one article can be indexed build no index, and
// above all do not replace a good one with an empty one.
func TestBuildNothingIndexed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	bad := []string{filepath.Join("testdata", "bad", "latin1.txt")}
	stats, err := Build(context.Background(), dir, bad, tagger(t), nil)
	if !errors.Is(err, ErrNothingIndexed) || len(stats.Skipped) != 1 {
		t.Errorf("Build of only bad files = %v (skipped %v), want ErrNothingIndexed and the skip", err, stats.Skipped)
	}
	if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("Build of nothing left something at %s (stat: %v)", dir, serr)
	}
	empty := t.TempDir()
	if _, err := Build(context.Background(), dir, []string{empty}, tagger(t), nil); !errors.Is(err, ErrNothingIndexed) {
		t.Errorf("Build of an empty folder = %v, want ErrNothingIndexed", err)
	}

	if _, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(context.Background(), dir, bad, tagger(t), nil); !errors.Is(err, ErrNothingIndexed) {
		t.Errorf("Rebuild of only bad files = %v, want ErrNothingIndexed", err)
	}
	if got := openIDs(t, dir); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("after Rebuild of nothing the index holds %q, want the old [leeds]", got)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("Rebuild of nothing left %v", got)
	}
}

// Rebuild replaces an index, never an unrelated folder that happens to be
// at dir: that would delete the user's files.
func TestRebuildRefusesNonIndexDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	precious := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(precious, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Rebuild(context.Background(), dir, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil)
	if err == nil || !strings.Contains(err.Error(), "not an index") {
		t.Errorf("Rebuild over a folder that is not an index = %v, want a refusal", err)
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "mine" {
		t.Errorf("the folder's file is gone or changed: %q, %v", b, err)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("refused Rebuild left %v", got)
	}

	// An empty folder holds nothing to lose and is replaced.
	empty := filepath.Join(t.TempDir(), "index")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(context.Background(), empty, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil); err != nil {
		t.Fatalf("Rebuild over an empty folder: %v", err)
	}
	if got := openIDs(t, empty); !slices.Equal(got, []string{"leeds"}) {
		t.Errorf("index holds %q, want [leeds]", got)
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
	dir := filepath.Join(t.TempDir(), "index")
	if _, err := Build(context.Background(), dir, []string{filepath.Join("testdata", "articles", "sub")}, tagger(t), nil); err != nil {
		t.Fatal(err)
	}
	first, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := openWithin(t, dir)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("second Open of an open index succeeded")
	}
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open = %v, want an error wrapping ErrLocked that names %s", err, dir)
	}
	// Rebuild checks the lock before doing any work.
	if _, err := Rebuild(context.Background(), dir, []string{filepath.Join("testdata", "articles")}, tagger(t), nil); !errors.Is(err, ErrLocked) {
		t.Errorf("Rebuild of a locked index = %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Once closed, it opens again, and the refused Rebuild changed nothing.
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
	idx, err := Create(dir)
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
	if idx, err = Create(dir); err != nil {
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
	dir := filepath.Join(t.TempDir(), "index")
	idx, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	arts := []Article{
		{ID: "redundancies", Title: "Trust news", Text: "Unison fears compulsory redundancies at the trust."},
		{ID: "nursing", Title: "Trust news", Text: "Cuts to nursing posts were announced on Monday."},
		{ID: "title-only", Title: "Redundancies loom", Text: "The board met on Tuesday."},
	}
	for i := range arts {
		if err := arts[i].Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewIndexer(idx, tagger(t)).IndexArticles(context.Background(), arts); err != nil {
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
// the error is the context's, and nothing panics or races (run with
// -race) while readers still send skipped lines.
func TestIndexFilesCancelled(t *testing.T) {
	src := filepath.Join(t.TempDir(), "many.jsonl")
	var b strings.Builder
	for i := range 400 {
		if i%3 == 2 {
			b.WriteString("{bad json\n")
			continue
		}
		fmt.Fprintf(&b, `{"id": "a%d", "text": "Unison says %d nursing posts will go at Leeds Teaching Hospitals NHS Trust."}`+"\n", i, i)
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	files, _, err := FindFiles([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		dir := filepath.Join(t.TempDir(), "index")
		idx, err := Create(dir)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ix := NewIndexer(idx, tagger(t))
		ix.BatchSize = 1
		stats, err := ix.IndexFiles(ctx, files, func(Progress) { cancel() })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("IndexFiles = %v, want context.Canceled", err)
		}
		n, cerr := idx.DocCount()
		if cerr != nil {
			t.Fatal(cerr)
		}
		if stats.Indexed < 1 || n < 1 || n > uint64(stats.Indexed) {
			t.Errorf("indexed %d (index holds %d), want at least the first batch and no more than counted", stats.Indexed, n)
		}
		idx.Close()
	}
}
