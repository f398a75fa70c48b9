package relevance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search/api"
)

// Corpus names the articles a set is judged on.
type Corpus struct {
	// Files are glob patterns of article files (.txt, .json, .jsonl),
	// relative to the set file's folder unless absolute, read as 'cutwatch
	// index' reads them. Each pattern must match at least one file.
	Files []string `json:"files"`
	// Generated is a slice of the generated corpus: articles 0..N-1 of
	// gen.New(Seed).
	Generated *Generated `json:"generated,omitempty"`
	// Dates names a file (relative as Files) of publication dates for
	// the articles of Files that have none of their own: lines of id, a
	// tab, YYYY-MM-DD, a tab and the date's basis; # starts a comment.
	Dates string `json:"dates,omitempty"`
}

// Generated is the first N articles of the generator's seed Seed.
type Generated struct {
	Seed uint64 `json:"seed"`
	N    int    `json:"n"`
}

// LoadCorpus reads the articles of c, with file patterns relative to dir
// (unless absolute):
// files in the order of their paths (each pattern's matches sorted), then
// the generated slice in order. A file the readers skip, or an id read
// twice, is an error: the set's ids must all exist.
//
// A .txt article without a "Published:" line gets its file's modification
// time from index.ReadFile, which differs in every clone of the
// repository; such articles get their date from c.Dates instead (or are
// left undated when it has none), so that a ranking that counts recency
// scores the same everywhere.
func LoadCorpus(ctx context.Context, dir string, c Corpus) ([]api.Article, error) {
	dates, err := loadDates(dir, c.Dates)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, pat := range c.Files {
		if !filepath.IsAbs(pat) {
			pat = filepath.Join(dir, pat)
		}
		m, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("corpus: pattern %q: %w", pat, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("corpus: pattern %s matches no file", pat)
		}
		sort.Strings(m)
		paths = append(paths, m...)
	}
	var arts []api.Article
	seen := map[string]string{}
	add := func(a api.Article, from string) error {
		if first, dup := seen[a.ID]; dup {
			return fmt.Errorf("corpus: id %q of %s already read from %s", a.ID, from, first)
		}
		seen[a.ID] = from
		arts = append(arts, a)
		return nil
	}
	if len(paths) > 0 {
		files, skips, err := index.FindFiles(paths)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if len(skips) > 0 {
			return nil, fmt.Errorf("corpus: %s", skips[0])
		}
		for _, f := range files {
			var skipped []index.Skip
			err := index.ReadFile(ctx, f, func(r index.Record) error {
				a := r.Article
				if filepath.Ext(f.Path) == ".txt" && fileTime(f.Path).Equal(a.Published) {
					a.Published = dates[a.ID]
				}
				return add(a, r.File)
			}, func(s index.Skip) { skipped = append(skipped, s) })
			if err != nil {
				return nil, fmt.Errorf("corpus: %w", err)
			}
			if len(skipped) > 0 {
				return nil, fmt.Errorf("corpus: %s", skipped[0])
			}
		}
	}
	for id := range dates {
		if _, ok := seen[id]; !ok {
			return nil, fmt.Errorf("corpus: dates: %q is no article of the files", id)
		}
	}
	if g := c.Generated; g != nil && g.N > 0 {
		gn, err := gen.New(g.Seed)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		for i := range g.N {
			line, err := json.Marshal(gn.Article(i))
			if err != nil {
				return nil, fmt.Errorf("corpus: encode generated article %d: %w", i, err)
			}
			a, err := api.DecodeArticle(line, "")
			if err != nil {
				return nil, fmt.Errorf("corpus: generated article %d: %w", i, err)
			}
			if err := add(a, fmt.Sprintf("generated article %d of seed %d", i, g.Seed)); err != nil {
				return nil, err
			}
		}
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("corpus: no article")
	}
	return arts, nil
}

// fileTime is the modification time index.ReadFile gives a .txt article
// without a date line (zero when it cannot be read).
func fileTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime().UTC().Truncate(time.Second)
}

// loadDates reads a Corpus's file of dates (none when name is empty).
func loadDates(dir, name string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if name == "" {
		return out, nil
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("corpus: dates: %w", err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			return nil, fmt.Errorf("corpus: dates: %s:%d: want id, tab, date", name, i+1)
		}
		d, err := time.Parse(time.DateOnly, f[1])
		if err != nil {
			return nil, fmt.Errorf("corpus: dates: %s:%d: %w", name, i+1, err)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("corpus: dates: %s:%d: %q dated twice", name, i+1, f[0])
		}
		out[f[0]] = d
	}
	return out, nil
}
