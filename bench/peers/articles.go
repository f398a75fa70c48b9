package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

// article is one article as every engine indexes it: its text and the
// entity values cutwatch found in it.
type article struct {
	Num     int64 // cutwatch's number of the article (its Set number)
	ID      string
	Title   string
	Text    string
	Terms   map[string][]string // facet field → values (bucket fields too)
	Numbers map[string][]int64  // numeric field → values
}

// openCutwatch opens the data directory dir of a `cutwatch bench` run as
// serve does.
func openCutwatch(ctx context.Context, dir string) (*index.Writer, error) {
	t, err := tag.New()
	if err != nil {
		return nil, err
	}
	w, err := index.OpenWriter(ctx, dir, index.WriterOptions{Tagger: t, MinFree: -1})
	if err != nil {
		return nil, fmt.Errorf("open %s (run cutwatch bench --phases gen,full first): %w", dir, err)
	}
	return w, nil
}

// readArticles reads the articles of corpus and joins them with the
// entities w holds for them, so that every engine indexes the same
// values. An article of the corpus that w does not hold is an error.
func readArticles(w *index.Writer, corpus string) ([]article, error) {
	_, bits := w.Bitmaps()
	if bits == nil {
		return nil, fmt.Errorf("the cutwatch index has no facet bitmaps")
	}
	set := bits.Set
	f, err := os.Open(corpus)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var out []article
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, index.MaxJSONLLine)
	for sc.Scan() {
		var a struct{ ID, Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("corpus: line %d: %w", len(out)+1, err)
		}
		num, ok := set.Numbering().Num(a.ID)
		d := set.Doc(num)
		if !ok || d == nil {
			return nil, fmt.Errorf("corpus: article %q is not in the cutwatch index", a.ID)
		}
		art := article{Num: int64(num), ID: a.ID, Title: a.Title, Text: a.Text, Terms: map[string][]string{}, Numbers: map[string][]int64{}}
		for f, vals := range d.AllTerms() {
			art.Terms[f] = vals
		}
		for f, vals := range d.AllNumbers() {
			art.Numbers[f] = vals
		}
		out = append(out, art)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	if uint64(len(out)) != set.Len() {
		return nil, fmt.Errorf("corpus has %d articles, the cutwatch index %d", len(out), set.Len())
	}
	return out, nil
}
