package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// readAll reads one source file with ReadFile and returns what it emitted
// and skipped.
func readAll(t *testing.T, path string) ([]Record, []Skip) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	var skips []Skip
	err = ReadFile(context.Background(), SourceFile{Path: path, Size: st.Size()},
		func(r Record) error { recs = append(recs, r); return nil },
		func(s Skip) { skips = append(skips, s) })
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", path, err)
	}
	return recs, skips
}

// wantSkip is an expected Skip: its line and a part of its reason.
type wantSkip struct {
	line   int
	reason string
}

func TestReadFile(t *testing.T) {
	tests := []struct {
		file  string
		ids   []string // ids of the records, in order
		lines []int    // their line numbers (nil: all 0)
		skips []wantSkip
		warn  string // the warning of every record ("" none)
	}{
		// A .txt file is one article; its id is the file name without
		// extension.
		{file: "articles/rotherham.txt", ids: []string{"rotherham"}},
		{file: "articles/sub/leeds.txt", ids: []string{"leeds"}},
		// A .json file holds one object (whose id defaults to the file
		// name) or an array of objects (which need ids; numbers are taken
		// in decimal form).
		{file: "articles/oxford.json", ids: []string{"oxford"}},
		{file: "articles/batch.json", ids: []string{"taunton", "42"}},
		// A .jsonl file is one object a line; bad lines are skipped with
		// their number and reason, blank lines ignored.
		{
			file: "articles/feed.jsonl", ids: []string{"north-east", "mid-yorks"}, lines: []int{1, 4},
			skips: []wantSkip{{2, "invalid JSON"}, {5, "text: missing"}},
		},
		// Text that is not valid UTF-8 is never indexed with replacement
		// characters: the file (or the line) is skipped.
		{file: "bad/latin1.txt", skips: []wantSkip{{0, "not valid UTF-8"}}},
		{file: "bad/latin1.jsonl", ids: []string{"ok"}, lines: []int{1}, skips: []wantSkip{{2, "not valid UTF-8"}}},
		{file: "bad/empty.json", skips: []wantSkip{{0, "empty array"}}},
		// An article whose date does not parse is taken undated, with a
		// warning, rather than lost.
		{file: "bad/published.json", ids: []string{"p"}, warn: `published: cannot parse "last Tuesday" (want RFC 3339 or YYYY-MM-DD): indexed without a date`},
		// The reader does not drop repeated ids; IndexFiles does.
		{file: "bad/dup.jsonl", ids: []string{"same", "other", "same"}, lines: []int{1, 2, 3}},
		// ReadFile of an unknown kind of file skips it.
		{file: "bad/readme.md", skips: []wantSkip{{0, "not a .txt, .json or .jsonl file"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			recs, skips := readAll(t, path)
			var ids []string
			var lines []int
			for _, r := range recs {
				ids = append(ids, r.Article.ID)
				lines = append(lines, r.Line)
				if r.File != path {
					t.Errorf("record %q: File = %q, want %q", r.Article.ID, r.File, path)
				}
				if r.Article.Text == "" || r.Article.Title == "" {
					t.Errorf("record %q has an empty text or title: %+v", r.Article.ID, r.Article)
				}
				if r.Warning != tt.warn || (tt.warn != "" && !r.Article.Published.IsZero()) {
					t.Errorf("record %q: warning %q, published %v; want warning %q", r.Article.ID, r.Warning, r.Article.Published, tt.warn)
				}
			}
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("ids = %q, want %q", ids, tt.ids)
			}
			wantLines := tt.lines
			if wantLines == nil {
				wantLines = make([]int, len(tt.ids))
			}
			if !slices.Equal(lines, wantLines) {
				t.Errorf("lines = %v, want %v", lines, wantLines)
			}
			if len(skips) != len(tt.skips) {
				t.Fatalf("skips = %v, want %d", skips, len(tt.skips))
			}
			for i, s := range skips {
				w := tt.skips[i]
				if s.File != path || s.Line != w.line || !strings.Contains(s.Reason, w.reason) {
					t.Errorf("skip %d = %+v, want file %s line %d reason containing %q", i, s, path, w.line, w.reason)
				}
			}
		})
	}
}

func TestReadFileFields(t *testing.T) {
	recs, _ := readAll(t, filepath.Join("testdata", "articles", "oxford.json"))
	if len(recs) != 1 {
		t.Fatalf("got %d records", len(recs))
	}
	a := recs[0].Article
	if a.Title != "Posts to go at Oxford hospitals" || a.URL != "https://example.org/news/oxford" ||
		!a.Published.Equal(time.Date(2010, 10, 5, 0, 0, 0, 0, time.UTC)) || !strings.HasPrefix(a.Text, "Oxford Radcliffe") {
		t.Errorf("oxford.json read as %+v", a)
	}

	recs, _ = readAll(t, filepath.Join("testdata", "articles", "rotherham.txt"))
	if got := recs[0].Article.Title; got != "Unison warns of redundancies at Rotherham" {
		t.Errorf("title of a .txt article = %q, want its first line", got)
	}

	recs, _ = readAll(t, filepath.Join("testdata", "articles", "feed.jsonl"))
	if got := recs[1].Article.Published; !got.Equal(time.Date(2010, 11, 4, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("published = %v", got)
	}
}

func TestReadJSONLLongLine(t *testing.T) {
	// A line over the limit is skipped without reading it into memory
	// whole, and the lines after it are still read.
	path := filepath.Join(t.TempDir(), "long.jsonl")
	long := `{"id": "long", "text": "` + strings.Repeat("x", MaxJSONLLine) + `"}`
	data := long + "\n" + `{"id": "after", "text": "Still read."}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, skips := readAll(t, path)
	if len(recs) != 1 || recs[0].Article.ID != "after" || recs[0].Line != 2 {
		t.Errorf("records = %+v, want only 'after' at line 2", recs)
	}
	if len(skips) != 1 || skips[0].Line != 1 || !strings.Contains(skips[0].Reason, "line longer than") {
		t.Errorf("skips = %v, want line 1 too long", skips)
	}
}

func TestReadFileStopsWhenEmitFails(t *testing.T) {
	stop := errors.New("stop")
	path := filepath.Join("testdata", "articles", "feed.jsonl")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = ReadFile(context.Background(), SourceFile{Path: path, Size: st.Size()},
		func(Record) error { n++; return stop }, func(Skip) {})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ReadFile returned %v after %d records, want the emit error after 1", err, n)
	}
}

func TestFindFiles(t *testing.T) {
	td := "testdata"
	p := func(parts ...string) string { return filepath.Join(append([]string{td}, parts...)...) }
	tests := []struct {
		name    string
		paths   []string
		files   []string
		skips   []string // files skipped
		wantErr error
	}{
		{
			// Folders are walked: .txt, .json and .jsonl files in
			// sub-folders too; other files and hidden entries are left out.
			name:  "folder",
			paths: []string{p("articles")},
			files: []string{p("articles", "batch.json"), p("articles", "feed.jsonl"), p("articles", "oxford.json"),
				p("articles", "rotherham.txt"), p("articles", "sub", "leeds.txt")},
		},
		{
			name:  "files by name, sorted",
			paths: []string{p("bad", "latin1.txt"), p("articles", "oxford.json")},
			files: []string{p("articles", "oxford.json"), p("bad", "latin1.txt")},
		},
		{
			// A file of another kind named on its own is reported.
			name:  "unsupported file by name",
			paths: []string{p("bad", "readme.md"), p("articles", "sub")},
			files: []string{p("articles", "sub", "leeds.txt")},
			skips: []string{p("bad", "readme.md")},
		},
		{
			name:  "hidden file by name is read",
			paths: []string{p("articles", ".drafts", "draft.txt")},
			files: []string{p("articles", ".drafts", "draft.txt")},
		},
		{
			name:    "missing path",
			paths:   []string{p("articles"), p("no-such-folder")},
			wantErr: fs.ErrNotExist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, skips, err := FindFiles(tt.paths)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), "no-such-folder") {
					t.Errorf("FindFiles error = %v, want %v naming the path", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.Path)
				st, err := os.Stat(f.Path)
				if err != nil || st.Size() != f.Size {
					t.Errorf("%s: Size = %d, file has %v (%v)", f.Path, f.Size, st.Size(), err)
				}
			}
			if !slices.Equal(got, tt.files) {
				t.Errorf("files =\n%q\nwant\n%q", got, tt.files)
			}
			var gotSkips []string
			for _, s := range skips {
				gotSkips = append(gotSkips, s.File)
				if s.Reason == "" {
					t.Errorf("skip of %s has no reason", s.File)
				}
			}
			if !slices.Equal(gotSkips, tt.skips) {
				t.Errorf("skips = %v, want %q", skips, tt.skips)
			}
		})
	}
}

// TestReadTxtDates: a .txt article's date is its front-matter line
// "Published: DATE" (which is not part of the text), else the file's
// modification time; a front-matter date that is no date skips the file.
func TestReadTxtDates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mtime time.Time) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return path
	}
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tt := range []struct {
		name, text string
		want       time.Time
		wantText   string
	}{
		{"dated.txt", "Published: 2011-06-30\nUnison warns of 40 redundancies.\n", time.Date(2011, 6, 30, 0, 0, 0, 0, time.UTC), "Unison warns of 40 redundancies."},
		{"instant.txt", "  Published:2015-07-01T00:30:00+01:00\r\nGMB says 12 posts go.", time.Date(2015, 6, 30, 23, 30, 0, 0, time.UTC), "GMB says 12 posts go."},
		{"plain.txt", "Unison warns of redundancies.\nPublished: 2011-06-30 is not front matter here.", mtime, "Unison warns of redundancies.\nPublished: 2011-06-30 is not front matter here."},
	} {
		recs, skips := readAll(t, write(tt.name, tt.text, mtime))
		if len(recs) != 1 || len(skips) != 0 {
			t.Fatalf("%s: %d records, skips %v", tt.name, len(recs), skips)
		}
		a := recs[0].Article
		if !a.Published.Equal(tt.want) || a.Text != tt.wantText {
			t.Errorf("%s: published %v, text %q; want %v, %q", tt.name, a.Published, a.Text, tt.want, tt.wantText)
		}
	}
	recs, skips := readAll(t, write("bad.txt", "Published: last Tuesday\nText.", mtime))
	if len(recs) != 0 || len(skips) != 1 || !strings.Contains(skips[0].Reason, "published: cannot parse") {
		t.Errorf("bad date: records %v, skips %v", recs, skips)
	}
}
