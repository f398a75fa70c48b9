package index

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/search/api"
)

// Size limits of inputs. Larger inputs are skipped with a reason.
const (
	MaxTextFileSize = 8 << 20   // one .txt article
	MaxJSONFileSize = 256 << 20 // one .json file (object or array)
	MaxJSONLLine    = 8 << 20   // one line of a .jsonl file
)

// Skip records an input that was not indexed and why. Line is the 1-based
// line of a .jsonl file, or 0 when the whole file (or an item of a .json
// array, named in Reason) was skipped.
type Skip struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// String formats s as "file[:line]: reason", the form of the summaries.
func (s Skip) String() string {
	return s.where() + ": " + s.Reason
}

// where is the file, with the line when there is one: "feed.jsonl:12".
func (s Skip) where() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Record is an article read from a source, with where it came from.
type Record struct {
	Article api.Article
	File    string
	Line    int   // 1-based line in a .jsonl file, else 0
	Bytes   int64 // share of the source file's bytes, for progress
	// Warning, when not empty, says what was left out of the article: a
	// date that does not parse (the article is taken undated).
	Warning string
}

// decodeFileArticle decodes an article of a file: one whose date does not
// parse is taken without a date, with a warning.
func decodeFileArticle(data []byte, defaultID string) (api.Article, string, error) {
	a, err := api.DecodeArticle(data, defaultID)
	var de *api.DateError
	if errors.As(err, &de) {
		return de.Undated, de.Error() + ": indexed without a date", nil
	}
	return a, "", err
}

// SourceFile is an article file found by FindFiles.
type SourceFile struct {
	Path string
	Size int64
}

// IsSourceFile reports whether name has an extension the readers know.
func IsSourceFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".json", ".jsonl":
		return true
	}
	return false
}

// FindFiles lists the article files in paths: files given by name, and the
// .txt, .json and .jsonl files under folders (hidden entries are ignored). A
// path that does not exist is an error; a named file of another kind is
// returned as a Skip.
func FindFiles(paths []string) ([]SourceFile, []Skip, error) {
	var files []SourceFile
	var skips []Skip
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("input %s: %w", p, err)
		}
		if !st.IsDir() {
			if !IsSourceFile(p) {
				skips = append(skips, Skip{File: p, Reason: "not a .txt, .json or .jsonl file"})
				continue
			}
			files = append(files, SourceFile{Path: p, Size: st.Size()})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				skips = append(skips, Skip{File: path, Reason: err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if path != p && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() || !IsSourceFile(name) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				skips = append(skips, Skip{File: path, Reason: err.Error()})
				return nil
			}
			files = append(files, SourceFile{Path: path, Size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("walk %s: %w", p, err)
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, skips, nil
}

// ReadFile reads the articles of one source file, calling emit for each
// good article and skip for each bad file, item or line. It stops early only
// when ctx is done or emit returns an error, and returns that error.
func ReadFile(ctx context.Context, f SourceFile, emit func(Record) error, skip func(Skip)) error {
	switch strings.ToLower(filepath.Ext(f.Path)) {
	case ".txt":
		return readTxt(f, emit, skip)
	case ".json":
		return readJSON(ctx, f, emit, skip)
	case ".jsonl":
		return readJSONL(ctx, f, emit, skip)
	}
	skip(Skip{File: f.Path, Reason: "not a .txt, .json or .jsonl file"})
	return nil
}

// fileStem is the file name without folder and extension: a .txt article's id.
func fileStem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// publishedLine starts the front-matter line of a .txt article that gives
// its publication date.
const publishedLine = "Published:"

// frontMatter splits a .txt article's optional first line "Published:
// DATE" (YYYY-MM-DD or RFC 3339) from its text; without it the time is
// zero.
func frontMatter(b string) (text string, published time.Time, err error) {
	first, rest, _ := strings.Cut(b, "\n")
	v, ok := strings.CutPrefix(strings.TrimSpace(first), publishedLine)
	if !ok {
		return b, time.Time{}, nil
	}
	t, err := api.ParsePublished(strings.TrimSpace(v))
	if err != nil {
		return "", time.Time{}, err
	}
	return rest, t, nil
}

// readTxt reads a .txt article: its id is the file name, its date the
// front-matter line (frontMatter) or else the file's modification time.
func readTxt(f SourceFile, emit func(Record) error, skip func(Skip)) error {
	if f.Size > MaxTextFileSize {
		skip(Skip{File: f.Path, Reason: fmt.Sprintf("file larger than %d bytes", MaxTextFileSize)})
		return nil
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	if !utf8.Valid(b) {
		skip(Skip{File: f.Path, Reason: "text is not valid UTF-8"})
		return nil
	}
	text, published, err := frontMatter(string(b))
	if err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	if published.IsZero() {
		if st, err := os.Stat(f.Path); err == nil {
			published = st.ModTime().UTC().Truncate(time.Second)
		}
	}
	a := api.Article{ID: fileStem(f.Path), Text: text, Published: published}
	if err := a.Normalize(); err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	return emit(Record{Article: a, File: f.Path, Bytes: f.Size})
}

func readJSON(ctx context.Context, f SourceFile, emit func(Record) error, skip func(Skip)) error {
	if f.Size > MaxJSONFileSize {
		skip(Skip{File: f.Path, Reason: fmt.Sprintf("file larger than %d bytes", MaxJSONFileSize)})
		return nil
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		a, warn, err := decodeFileArticle(trimmed, fileStem(f.Path))
		if err != nil {
			skip(Skip{File: f.Path, Reason: err.Error()})
			return nil
		}
		return emit(Record{Article: a, File: f.Path, Bytes: f.Size, Warning: warn})
	}
	var items []json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		skip(Skip{File: f.Path, Reason: "want a JSON object or an array of objects: " + err.Error()})
		return nil
	}
	if len(items) == 0 {
		skip(Skip{File: f.Path, Reason: "empty array"})
		return nil
	}
	share := f.Size / int64(len(items))
	for i, item := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, warn, err := decodeFileArticle(item, "")
		if err != nil {
			skip(Skip{File: f.Path, Reason: fmt.Sprintf("item %d: %v", i, err)})
			continue
		}
		if warn != "" {
			warn = fmt.Sprintf("item %d: %s", i, warn)
		}
		if err := emit(Record{Article: a, File: f.Path, Bytes: share, Warning: warn}); err != nil {
			return err
		}
	}
	return nil
}

func readJSONL(ctx context.Context, f SourceFile, emit func(Record) error, skip func(Skip)) error {
	fh, err := os.Open(f.Path)
	if err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 64<<10)
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, n, tooLong, err := readLine(r, MaxJSONLLine)
		if err != nil && !errors.Is(err, io.EOF) {
			skip(Skip{File: f.Path, Line: lineNo, Reason: err.Error()})
			return nil
		}
		switch {
		case tooLong:
			skip(Skip{File: f.Path, Line: lineNo, Reason: fmt.Sprintf("line longer than %d bytes", MaxJSONLLine)})
		case len(bytes.TrimSpace(line)) == 0:
			// blank line
		default:
			a, warn, derr := decodeFileArticle(line, "")
			if derr != nil {
				skip(Skip{File: f.Path, Line: lineNo, Reason: derr.Error()})
			} else if eerr := emit(Record{Article: a, File: f.Path, Line: lineNo, Bytes: n, Warning: warn}); eerr != nil {
				return eerr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// readLine reads one line (without its newline) of at most max bytes. A
// longer line is consumed and reported as tooLong. n is the number of bytes
// consumed. err is io.EOF at the end of input.
func readLine(r *bufio.Reader, max int) (line []byte, n int64, tooLong bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(line)+len(chunk) > max+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		return line, n, tooLong, err
	}
}
