package relevance

import (
	"context"
	"testing"
)

// TestShippedSet checks queries.json against its corpus: every judged
// article exists, grades are 1–3, every query has an article of grade 2 or
// more, no query is repeated; and the set is as large and as varied as
// issue 17 asks.
func TestShippedSet(t *testing.T) {
	set, err := Load("queries.json")
	if err != nil {
		t.Fatal(err)
	}
	arts, err := LoadCorpus(context.Background(), set.Dir, set.Corpus)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range arts {
		ids[a.ID] = true
	}
	if err := set.Validate(ids); err != nil {
		t.Fatal(err)
	}
	if len(set.Queries) < 70 {
		t.Errorf("%d queries, want at least 70", len(set.Queries))
	}
	kinds := map[string]int{}
	for _, q := range set.Queries {
		kinds[q.Kind]++
	}
	for _, k := range []string{"trust", "alias", "union", "person", "place", "hospital", "topic", "typo", "phrase", "natural", "filter"} {
		if kinds[k] < 3 {
			t.Errorf("%d queries of kind %s, want at least 3 (kinds: %v)", kinds[k], k, kinds)
		}
	}
	// A ranking that counts recency needs every article dated, as in a
	// real index: the files from dates.tsv, the generated ones by gen.
	for _, a := range arts {
		if a.Published.IsZero() || a.Published.Year() < 2000 || a.Published.Year() > 2026 {
			t.Errorf("article %s published %v, want a date in 2000–2026", a.ID, a.Published)
		}
	}
	if len(arts) != 55+300 {
		t.Errorf("corpus of %d articles, want the 55 files and 300 generated ones README.md describes", len(arts))
	}
}
