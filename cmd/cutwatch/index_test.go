package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// The seed articles, by id (file name without extension).
const (
	seedMidYorks  = "000_5ff42213f9cd3454" // the only one that does not speak of redundancies
	seedRotherham = "001_605bd6b5c84727b1"
	seedOxford    = "002_8c9206d03b6f824e"
	seedTaunton   = "003_9d35053e17461f83"
	seedNorthEast = "004_bc688cb8839fcf6f"
)

// cli runs one cutwatch command line through run, as main does, and
// returns its exit code and what it wrote to stdout and stderr.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	c := newCapture(t)
	return c.read(t, c.run(args))
}

// cliWithin is cli that fails the test if the command has not finished
// within 10 s: a locked index must make commands fail, not hang.
func cliWithin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	c := newCapture(t)
	done := make(chan int, 1)
	go func() { done <- c.run(args) }()
	select {
	case code := <-done:
		return c.read(t, code)
	case <-time.After(10 * time.Second):
		t.Fatalf("cutwatch %s has not returned after 10 s", strings.Join(args, " "))
		return 0, "", ""
	}
}

// capture holds the files that stand in for stdout and stderr while run
// executes a command line.
type capture struct{ out, err *os.File }

func newCapture(t *testing.T) capture {
	t.Helper()
	dir := t.TempDir()
	var c capture
	var err error
	if c.out, err = os.Create(filepath.Join(dir, "stdout")); err != nil {
		t.Fatal(err)
	}
	if c.err, err = os.Create(filepath.Join(dir, "stderr")); err != nil {
		t.Fatal(err)
	}
	return c
}

// run executes args with os.Stdout and os.Stderr sent to the capture
// files. Tests of this package do not run in parallel, so swapping the
// globals is safe.
func (c capture) run(args []string) int {
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = c.out, c.err
	defer func() { os.Stdout, os.Stderr = oldOut, oldErr }()
	return run(context.Background(), args)
}

func (c capture) read(t *testing.T, code int) (int, string, string) {
	t.Helper()
	c.out.Close()
	c.err.Close()
	o, err := os.ReadFile(c.out.Name())
	if err != nil {
		t.Fatal(err)
	}
	e, err := os.ReadFile(c.err.Name())
	if err != nil {
		t.Fatal(err)
	}
	return code, string(o), string(e)
}

// indexSeeds indexes the repository's seeds into a new data folder with
// the index command and returns the folder.
func indexSeeds(t *testing.T) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	code, out, errs := cli(t, "index", "--data", data, indextest.SeedsDir())
	if code != 0 || !strings.HasPrefix(out, "indexed 5 articles in ") || !strings.Contains(out, "; skipped 0\n") {
		t.Fatalf("index seeds: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	return data
}

// searchJSON runs `cutwatch search --json` with args and decodes the result.
func searchJSON(t *testing.T, data string, args ...string) *api.Result {
	t.Helper()
	code, out, errs := cli(t, append([]string{"search", "--data", data, "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("search %v: exit %d: %s", args, code, errs)
	}
	var res api.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search %v: output is not a JSON result: %v\n%s", args, err, out)
	}
	return &res
}

func resultIDs(res *api.Result) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestIndexThenSearchSeeds(t *testing.T) {
	data := indexSeeds(t)
	if !index.Exists(indexDir(data)) {
		t.Fatalf("no index at %s", indexDir(data))
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"stemmed query", []string{"redundancy"}, []string{seedRotherham, seedOxford, seedTaunton, seedNorthEast}},
		{"query of several words is one query", []string{"+redundancy", "+Banbury"}, []string{seedOxford}},
		{"union filter", []string{"--union", "Unison"}, []string{seedRotherham, seedOxford, seedTaunton, seedNorthEast}},
		{"repeated filter is OR", []string{"--person", "Julia Squire", "--person", "Brian James"}, []string{seedMidYorks, seedRotherham}},
		{"filters of two facets are AND", []string{"--union", "Royal College of Nursing", "--hospital", "Horton Hospital"}, []string{seedOxford}},
		{"range flag", []string{"--jobs-min", "300", "--jobs-max", "600"}, []string{seedOxford, seedNorthEast}},
		{"no query matches all", nil, []string{seedMidYorks, seedRotherham, seedOxford, seedTaunton, seedNorthEast}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := searchJSON(t, data, tt.args...)
			if got := resultIDs(res); !slices.Equal(got, tt.want) || res.Total != uint64(len(tt.want)) {
				t.Errorf("search %q: total %d, hits %q; want %q", tt.args, res.Total, got, tt.want)
			}
		})
	}

	// The union facet is disjunctive: with Unison picked it still counts
	// the Royal College of Nursing.
	res := searchJSON(t, data, "--union", "Unison")
	if !slices.Contains(res.Facets.Terms("union"), api.TermCount{Value: "Royal College of Nursing", Count: 2}) {
		t.Errorf("union facet with --union Unison = %v, want Royal College of Nursing (2) in it", res.Facets.Terms("union"))
	}

	// Sort and paging flags reach the request.
	res = searchJSON(t, data, "--sort", "-jobs", "--size", "2", "--from", "1")
	if got := []string{res.Hits[0].ID, res.Hits[1].ID}; len(res.Hits) != 2 || !slices.Equal(got, []string{seedNorthEast, seedOxford}) {
		t.Errorf("--sort -jobs --size 2 --from 1 gave %q, want the 2nd and 3rd most jobs (%s, %s)", resultIDs(res), seedNorthEast, seedOxford)
	}

	// Flags can come from CUTWATCH_* variables.
	t.Setenv("CUTWATCH_UNION", "Royal College of Nursing")
	res = searchJSON(t, data)
	if got := resultIDs(res); !slices.Equal(got, []string{seedOxford, seedNorthEast}) {
		t.Errorf("CUTWATCH_UNION=Royal College of Nursing gave %q", got)
	}
}

func TestIndexSkipsBadInputs(t *testing.T) {
	in := t.TempDir()
	good := filepath.Join(in, "good.txt")
	latin1 := filepath.Join(in, "latin1.txt")
	feed := filepath.Join(in, "feed.jsonl")
	notes := filepath.Join(t.TempDir(), "z-notes.md") // named, so reported
	files := map[string]string{
		notes:  "Not an article.",
		good:   "Unison says 120 nursing posts will go at Royal Bolton Hospital.",
		latin1: "Caf\xe9 staff at Royal Bolton Hospital face redundancies.",
		feed: `{"id": "f1", "text": "The GMB union said 40 porters in Salford would lose their jobs."}` + "\n" +
			`{"id": "f2", "text": ` + "\n" +
			`{"id": "f3", "title": "", "text": ""}` + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	code, out, errs := cli(t, "index", "--data", data, indextest.SeedsDir(), in, notes)
	if code != 0 {
		t.Fatalf("exit %d with some good inputs; stderr: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "indexed 7 articles in ") || !strings.HasSuffix(lines[0], "; skipped 4:") || len(lines) != 5 {
		t.Fatalf("summary:\n%s", out)
	}
	// One line per skip, in file and line order, with file[:line] and reason.
	wantSkips := []string{
		"  " + feed + ":2: invalid JSON",
		"  " + feed + ":3: text: missing",
		"  " + latin1 + ": text is not valid UTF-8",
		"  " + notes + ": not a .txt, .json or .jsonl file",
	}
	for i, w := range wantSkips {
		if !strings.HasPrefix(lines[i+1], w) {
			t.Errorf("skip line %d = %q, want it to start %q", i+1, lines[i+1], w)
		}
	}
	res := searchJSON(t, data, "--size", "100")
	want := []string{seedMidYorks, seedRotherham, seedOxford, seedTaunton, seedNorthEast, "f1", "good"}
	slices.Sort(want)
	if got := resultIDs(res); !slices.Equal(got, want) {
		t.Errorf("index holds %q, want %q", got, want)
	}
}

// storedIDs returns the ids of the articles in the article store of data,
// sorted.
func storedIDs(t *testing.T, data string) []string {
	t.Helper()
	st, err := index.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	err = st.Each(100, func(arts []api.Article) error {
		for _, a := range arts {
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

func TestIndexAddRebuildAndNothing(t *testing.T) {
	data := indexSeeds(t)
	seeds := []string{seedMidYorks, seedRotherham, seedOxford, seedTaunton, seedNorthEast}
	if got := storedIDs(t, data); !slices.Equal(got, seeds) {
		t.Fatalf("after indexing the seeds the store holds %q, want %q", got, seeds)
	}
	extra := filepath.Join(t.TempDir(), "leeds.txt")
	if err := os.WriteFile(extra, []byte("Leeds Teaching Hospitals NHS Trust is to cut 100 posts."), 0o644); err != nil {
		t.Fatal(err)
	}
	// With an index there, the articles are added to it, and to the store.
	code, out, errs := cli(t, "index", "--data", data, extra)
	if code != 0 || !strings.HasPrefix(out, "indexed 1 article in ") {
		t.Fatalf("add: exit %d, %q, %q", code, out, errs)
	}
	if res := searchJSON(t, data); res.Total != 6 {
		t.Errorf("after adding one article the index holds %d, want 6", res.Total)
	}
	withLeeds := append(slices.Clone(seeds), "leeds")
	slices.Sort(withLeeds)
	if got := storedIDs(t, data); !slices.Equal(got, withLeeds) {
		t.Errorf("after adding one article the store holds %q, want %q", got, withLeeds)
	}

	// Inputs of which nothing can be indexed fail and change nothing: not
	// the store, not the index, and --rebuild does not go on to rebuild.
	dir := indexDir(data)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"id": "x"`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"index", "--data", data, bad}, {"index", "--data", data, "--rebuild", bad}} {
		code, out, errs = cli(t, args...)
		if code != 1 || !strings.Contains(out, "skipped 1:\n  "+bad+": ") || !strings.Contains(errs, "no article could be indexed") {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s\nwant exit 1, the skip and the reason", args, code, out, errs)
		}
		if strings.Contains(out, "rebuilt") {
			t.Errorf("%v rebuilt the index after a failed write:\n%s", args, out)
		}
		if res := searchJSON(t, data); res.Total != 6 {
			t.Errorf("%v changed the index: it holds %d, want 6", args, res.Total)
		}
		if got := indexDir(data); got != dir {
			t.Errorf("%v moved the index from %s to %s", args, dir, got)
		}
		if got := storedIDs(t, data); !slices.Equal(got, withLeeds) {
			t.Errorf("%v changed the store: it holds %q, want %q", args, got, withLeeds)
		}
	}

	// --rebuild writes the given articles (replacing those with their id),
	// then rebuilds the index from the whole store into a new directory:
	// the articles indexed before stay.
	if err := os.WriteFile(extra, []byte("Leeds Teaching Hospitals NHS Trust is to cut 140 posts."), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, "index", "--data", data, "--rebuild", extra)
	if code != 0 || !strings.HasPrefix(out, "indexed 1 article in ") || !strings.Contains(out, "\nrebuilt the index from the article store: 6 articles in index-") {
		t.Fatalf("rebuild: exit %d, %q, %q", code, out, errs)
	}
	rebuilt := indexDir(data)
	if rebuilt == dir || !strings.HasPrefix(filepath.Base(rebuilt), "index-") || !strings.Contains(out, " in "+filepath.Base(rebuilt)+" (") {
		t.Errorf("after --rebuild the index is in %s (was %s), want the new directory the summary names:\n%s", rebuilt, dir, out)
	}
	if res := searchJSON(t, data); res.Total != 6 {
		t.Errorf("after --rebuild the index holds %q, want the 5 seeds and leeds", resultIDs(res))
	}
	if res := searchJSON(t, data, "--jobs-min", "140", "--jobs-max", "140"); !slices.Equal(resultIDs(res), []string{"leeds"}) {
		t.Errorf("jobs 140 after --rebuild: %q, want [leeds] as last written", resultIDs(res))
	}
	if got := storedIDs(t, data); !slices.Equal(got, withLeeds) {
		t.Errorf("after --rebuild the store holds %q, want %q", got, withLeeds)
	}

	// --rebuild needs no PATH: it rebuilds from the store alone.
	code, out, errs = cli(t, "index", "--data", data, "--rebuild")
	if code != 0 || !strings.HasPrefix(out, "rebuilt the index from the article store: 6 articles in index-") {
		t.Fatalf("rebuild without PATH: exit %d, %q, %q", code, out, errs)
	}
	if got := indexDir(data); got == rebuilt || !strings.Contains(out, " in "+filepath.Base(got)+" (") {
		t.Errorf("after a second --rebuild the index is in %s (was %s):\n%s", got, rebuilt, out)
	}
	if res := searchJSON(t, data); res.Total != 6 {
		t.Errorf("after --rebuild without PATH the index holds %q, want 6", resultIDs(res))
	}

	// --force goes with --rebuild only.
	if code, _, errs := cli(t, "index", "--data", data, "--force", extra); code != 2 || !strings.Contains(errs, "--force goes with --rebuild") {
		t.Errorf("--force without --rebuild: exit %d, %q; want 2 and a usage message", code, errs)
	}
}

func TestIndexUsageAndMissingPath(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errs := cli(t, "index", "--data", data); code != 2 || !strings.Contains(errs, "PATH") {
		t.Errorf("index without PATH: exit %d, %q; want 2 and a usage message", code, errs)
	}
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	code, _, errs := cli(t, "index", "--data", data, missing)
	if code != 1 || !strings.Contains(errs, missing) {
		t.Errorf("index of a missing path: exit %d, %q; want 1 naming the path", code, errs)
	}
	if index.Exists(indexDir(data)) {
		t.Errorf("an index was built from a missing path")
	}
	if _, err := os.Stat(filepath.Join(data, index.StoreFile)); !os.IsNotExist(err) {
		t.Errorf("an article store was made for a missing path (%v)", err)
	}
}

// While another process (here: this one) has the index open, index and
// search fail quickly with the lock message instead of waiting: whether
// it holds the index alone or, as 'cutwatch serve' does, a Writer on the
// store and the index.
func TestIndexLocked(t *testing.T) {
	extra := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(extra, []byte("Unison says 12 posts will go."), 0o644); err != nil {
		t.Fatal(err)
	}
	// check runs the commands on the locked data; where names what each
	// error must name.
	check := func(t *testing.T, data string, where func(cmd string) string) {
		t.Helper()
		for _, args := range [][]string{
			{"index", "--data", data, extra},
			{"index", "--data", data, "--rebuild", extra},
			{"index", "--data", data, "--rebuild"},
			{"search", "--data", data, "nurse"},
		} {
			code, out, errs := cliWithin(t, args...)
			if code != 1 || !strings.Contains(errs, "locked by another cutwatch process") || !strings.Contains(errs, where(args[0])) {
				t.Errorf("%v on a locked --data: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 and the lock message naming %s", args, code, out, errs, where(args[0]))
			}
		}
	}

	t.Run("index", func(t *testing.T) {
		data := indexSeeds(t)
		idx, err := index.Open(indexDir(data))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		check(t, data, func(string) string { return indexDir(data) })
		n, err := idx.DocCount()
		if err != nil || n != 5 {
			t.Errorf("the locked index holds %d articles (%v), want the 5 seeds", n, err)
		}
	})

	t.Run("writer", func(t *testing.T) {
		data := indexSeeds(t)
		tg, err := tag.New()
		if err != nil {
			t.Fatal(err)
		}
		w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		dir := indexDir(data)
		check(t, data, func(cmd string) string {
			if cmd == "search" {
				return dir
			}
			return filepath.Join(data, index.StoreFile)
		})
		if n, err := w.Index().DocCount(); err != nil || n != 5 || w.Dir() != dir {
			t.Errorf("the locked index holds %d articles (%v) in %s, want the 5 seeds in %s", n, err, w.Dir(), dir)
		}
	})
}

// The progress bar is drawn only when runIndex is given a writer for it
// (the command gives stderr when it is a terminal).
func TestIndexProgressBar(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var out, bar bytes.Buffer
	if err := runIndex(context.Background(), &out, &bar, indexOptions{data: data, paths: []string{indextest.SeedsDir()}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "indexed 5, skipped 0") {
		t.Errorf("progress bar output = %q", bar.String())
	}
	if strings.Contains(out.String(), "indexed 5,") || !strings.HasPrefix(out.String(), "indexed 5 articles") {
		t.Errorf("summary = %q, want it without the bar", out.String())
	}
	out.Reset()
	if err := runIndex(context.Background(), &out, nil, indexOptions{data: data, rebuild: true, paths: []string{indextest.SeedsDir()}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "indexed 5 articles") || !strings.Contains(out.String(), "\nrebuilt the index from the article store: 5 articles in index-") {
		t.Errorf("summary without a bar = %q, want the 5 articles written, then the rebuild", out.String())
	}
}

// An interrupted run (Ctrl-C cancels the context) says so. Each batch is
// acknowledged on its own, so what was written before the interrupt stays;
// interrupted before the first batch, it leaves no article, and the
// --data still counts as new: 'cutwatch serve' would put the seeds in.
func TestIndexInterrupted(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := runIndex(ctx, &out, nil, indexOptions{data: data, paths: []string{indextest.SeedsDir()}})
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "interrupted") {
		t.Errorf("runIndex with a cancelled context = %v, want 'interrupted' wrapping context.Canceled", err)
	}
	if ids := storedIDs(t, data); len(ids) != 0 {
		t.Errorf("an interrupted run stored %q before its first batch", ids)
	}
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: tg})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n, err := w.Index().DocCount(); err != nil || n != 0 || !w.New() {
		t.Errorf("after an interrupted run: %d articles indexed (%v), new %v; want 0 and a new --data", n, err, w.New())
	}
}

// TestIndexUndatedWithWarning: an article whose date does not parse is
// indexed without a date and listed as a warning, not skipped.
func TestIndexUndatedWithWarning(t *testing.T) {
	in := filepath.Join(t.TempDir(), "feed.jsonl")
	body := `{"id": "d1", "text": "Unison says 30 porters at Wick will lose their posts.", "published": "next Tuesday"}` + "\n" +
		`{"id": "d2", "text": "GMB says 12 cleaners at Thurso face cuts.", "published": "2024-03-01"}` + "\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	code, out, errs := cli(t, "index", "--data", data, in)
	if code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, errs)
	}
	want := "warnings 1 (indexed, but not all of it):\n  " + in + `:1: published: cannot parse "next Tuesday"`
	if !strings.Contains(out, "indexed 2 articles in ") || !strings.Contains(out, "; skipped 0") || !strings.Contains(out, want) {
		t.Errorf("summary:\n%s\nwant 2 indexed and the warning %q", out, want)
	}
}
