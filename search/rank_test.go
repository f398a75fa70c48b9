package search

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// rankArticles are pairs of articles that tie on the words of a query
// unless a weight of the Ranking tells them apart: the same words in _all
// (title and text together), so the same tf-idf there.
var rankArticles = []api.Article{
	// "porters": in the title of one, in the text of the other. The id
	// order puts the text-only one first, so a tie shows.
	{ID: "title-b", Title: "Porters walk out", Text: "Staff at the depot were told about the plan on Monday."},
	{ID: "title-a", Title: "Staff", Text: "Porters walk out at the depot were told about the plan on Monday."},
	// "cleaners": one tagged with the Royal College of Nursing, one with
	// no entity, the same number of words.
	{ID: "entity-b", Title: "Cleaners", Text: "Cleaners met the Royal College of Nursing in the hall on Monday."},
	{ID: "entity-a", Title: "Cleaners", Text: "Cleaners met the new board of their trust in the hall on Monday."},
	// "caterers": the same text, one ten years newer (the id order puts
	// the older first).
	{ID: "recent-a", Title: "Caterers", Text: "Caterers in the kitchens were told about the plan on Monday.", Published: time.Date(2014, 5, 1, 9, 0, 0, 0, time.UTC)},
	{ID: "recent-b", Title: "Caterers", Text: "Caterers in the kitchens were told about the plan on Monday.", Published: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)},
	// Other articles, so that the words above are not in every article.
	{ID: "other-1", Title: "Budget", Text: "The board approved the budget for the year.", Published: time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)},
	{ID: "other-2", Title: "Wards", Text: "Two wards will close in the spring, the trust said.", Published: time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC)},
}

// TestRankingWeights checks that each weight of a Ranking counts, and
// only where it should: for each case, the two articles tie (same score,
// id order) when the weight is 0 and are told apart when it is not —
// the same way with the Writer's bitmaps and with bleve alone. A request
// sorted by another key is ordered as if there were no ranking.
func TestRankingWeights(t *testing.T) {
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: indextest.Tagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Put(ctx, rankArticles); err != nil {
		t.Fatal(err)
	}
	// A query clause that names the Royal College of Nursing, scored
	// optionally: what the simple syntax makes of "RCN" beside a word.
	cleanersRCN := query.NewBooleanQuery(
		[]query.Query{&typoQuery{Term: "cleaner"}},
		[]query.Query{&entityQuery{Field: "union", Value: "Royal College of Nursing", Boost: 1}}, nil)
	off := Ranking{TypoStep: 3}
	tests := []struct {
		name string
		// q is the search box's query, or user a query built here.
		q    string
		user query.Query
		sort string
		on   Ranking
		// want is the order with the weight on (off: id order, tied).
		want []string
		tie  []string
	}{
		{name: "title", q: "porters", on: Ranking{Title: 0.3, TypoStep: 3}, want: []string{"title-b", "title-a"}, tie: []string{"title-a", "title-b"}},
		{name: "title of a phrase", q: `"porters walk"`, on: Ranking{Title: 0.3, TypoStep: 3}, want: []string{"title-b", "title-a"}, tie: []string{"title-a", "title-b"}},
		{name: "entity", user: cleanersRCN, on: Ranking{Entity: 1, TypoStep: 3}, want: []string{"entity-b", "entity-a"}, tie: []string{"entity-a", "entity-b"}},
		{name: "recency", q: "caterers", on: Ranking{Recency: 0.1, HalfLife: 3 * 365 * 24 * time.Hour, TypoStep: 3}, want: []string{"recent-b", "recent-a"}, tie: []string{"recent-a", "recent-b"}},
		{name: "recency under another sort", q: "caterers", sort: "-jobs", on: Ranking{Recency: 1, HalfLife: 365 * 24 * time.Hour, TypoStep: 3}, want: []string{"recent-a", "recent-b"}, tie: []string{"recent-a", "recent-b"}},
		{name: "title under another sort", q: "porters", sort: "jobs", on: Ranking{Title: 1, TypoStep: 3}, want: []string{"title-a", "title-b"}, tie: []string{"title-a", "title-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				r    Ranking
				want []string
				tied bool
			}{{off, tt.tie, true}, {tt.on, tt.want, tt.sort != ""}} {
				var results []*api.Result
				for _, bits := range []bool{true, false} {
					o := Options{CacheEntries: -1, MaxSearches: -1, Ranking: &c.r}
					if bits {
						o = OnWriter(w, o)
					}
					s := New(w.Index(), o)
					req := api.Request{Q: tt.q, Sort: tt.sort, Size: 10, NoCollapse: true}
					var res *api.Result
					if tt.user != nil {
						if err := req.Validate(s.Schema()); err != nil {
							t.Fatal(err)
						}
						res, err = s.search(ctx, &req, s.ranked(&req, tt.user), 0, false)
					} else {
						res, err = s.Search(ctx, req)
					}
					if err != nil {
						t.Fatal(err)
					}
					if got := hitIDs(res); !slices.Equal(got, c.want) {
						t.Fatalf("ranking %+v (bitmaps %v): hits %v, want %v", c.r, bits, got, c.want)
					}
					if len(res.Hits) == 2 && (res.Hits[0].Score == res.Hits[1].Score) != c.tied {
						t.Errorf("ranking %+v (bitmaps %v): scores %v and %v, tied %v", c.r, bits, res.Hits[0].Score, res.Hits[1].Score, c.tied)
					}
					results = append(results, res)
				}
				for i := range results[0].Hits {
					if g, b := results[0].Hits[i].Score, results[1].Hits[i].Score; g != b {
						t.Errorf("ranking %+v: hit %d scores %v with the bitmaps, %v with bleve", c.r, i, g, b)
					}
				}
			}
		})
	}
}

// TestRecencyBonus pins the formula: 1 + weight at age 0 (and for a date
// after the newest), half of the bonus at one half-life, a quarter at
// two.
func TestRecencyBonus(t *testing.T) {
	for _, tt := range []struct {
		age  int32
		want float64
	}{{0, 1.5}, {-3, 1.5}, {100, 1.25}, {200, 1.125}} {
		if got := recencyBonus(tt.age, 0.5, 100); got != tt.want {
			t.Errorf("recencyBonus(%d, 0.5, 100) = %v, want %v", tt.age, got, tt.want)
		}
	}
}
