package relevance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
// repository; such articles are left undated here, so that a ranking that
// counts recency scores the same everywhere.
func LoadCorpus(ctx context.Context, dir string, c Corpus) ([]api.Article, error) {
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
					a.Published = time.Time{}
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
