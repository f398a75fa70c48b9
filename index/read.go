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
	Article Article
	File    string
	Line    int   // 1-based line in a .jsonl file, else 0
	Bytes   int64 // share of the source file's bytes, for progress
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
	a := Article{ID: fileStem(f.Path), Text: string(b)}
	if err := a.Normalize(); err != nil {
		skip(Skip{File: f.Path, Reason: err.Error()})
		return nil
	}
	return emit(Record{Article: a, File: f.Path, Bytes: f.Size})
}

// jsonArticle is the JSON form of an article in .json and .jsonl files.
// Other keys (e.g. gold annotations) are ignored.
type jsonArticle struct {
	ID        *json.RawMessage `json:"id"`
	Title     string           `json:"title"`
	Text      string           `json:"text"`
	URL       string           `json:"url"`
	Published string           `json:"published"`
}

// DecodeArticle decodes one JSON article object. defaultID is used when the
// object has no id (pass "" to require one). A numeric id is accepted and
// used in its decimal form. Data that is not valid UTF-8 is an error, as it
// is for .txt files: encoding/json would silently replace the bad bytes
// with U+FFFD and index a corrupted text.
func DecodeArticle(data []byte, defaultID string) (Article, error) {
	if !utf8.Valid(data) {
		return Article{}, errors.New("invalid JSON: not valid UTF-8")
	}
	var ja jsonArticle
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ja); err != nil {
		return Article{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return Article{}, errors.New("invalid JSON: more than one value")
	}
	a := Article{Title: ja.Title, Text: ja.Text, URL: ja.URL, ID: defaultID}
	if ja.ID != nil && string(*ja.ID) != "null" {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(*ja.ID, &s) == nil:
			a.ID = s
		case json.Unmarshal(*ja.ID, &n) == nil:
			a.ID = n.String()
		default:
			return Article{}, errors.New("id: must be a string or a number")
		}
	}
	if ja.Published != "" {
		t, err := ParsePublished(ja.Published)
		if err != nil {
			return Article{}, err
		}
		a.Published = t
	}
	if err := a.Normalize(); err != nil {
		return Article{}, err
	}
	return a, nil
}

// ParsePublished parses a publication time: RFC 3339, or a date YYYY-MM-DD
// (taken as midnight UTC).
func ParsePublished(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("published: cannot parse %q (want RFC 3339 or YYYY-MM-DD)", s)
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
		a, err := DecodeArticle(trimmed, fileStem(f.Path))
		if err != nil {
			skip(Skip{File: f.Path, Reason: err.Error()})
			return nil
		}
		return emit(Record{Article: a, File: f.Path, Bytes: f.Size})
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
		a, err := DecodeArticle(item, "")
		if err != nil {
			skip(Skip{File: f.Path, Reason: fmt.Sprintf("item %d: %v", i, err)})
			continue
		}
		if err := emit(Record{Article: a, File: f.Path, Bytes: share}); err != nil {
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
			a, derr := DecodeArticle(line, "")
			if derr != nil {
				skip(Skip{File: f.Path, Line: lineNo, Reason: derr.Error()})
			} else if eerr := emit(Record{Article: a, File: f.Path, Line: lineNo, Bytes: n}); eerr != nil {
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
