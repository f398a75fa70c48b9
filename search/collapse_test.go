package search

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestNearDuplicatesCollapse is issue 13's item 4: an agency story
// rewritten lightly in five papers is one hit with four "also in", or
// five hits with collapse=false; facets count it once; two different
// stories about the same trust stay apart; when the story's first article
// is deleted the next stands for it. Both ways of searching (with the
// Writer's bitmaps, and bleve alone) must answer so.
func TestNearDuplicatesCollapse(t *testing.T) {
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: realTagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	copies, others := indextest.Syndicated(), indextest.SameTrust()
	// The copies arrive last first, in two writes, with the other stories
	// between: the story's first article is the smallest id, whatever the
	// order of writing.
	if _, err := w.Put(ctx, []api.Article{copies[4], copies[2], others[0]}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Put(ctx, []api.Article{copies[3], others[1], copies[1], copies[0]}); err != nil {
		t.Fatal(err)
	}
	services := map[string]*Service{
		"bitmaps":    New(w.Index(), Options{Generation: w.Generation, Bitmaps: w.Bitmaps, MatchAll: w.MatchAllCounts, MaxSearches: -1}),
		"bleve only": New(w.Index(), Options{MaxSearches: -1}),
	}
	byID := map[string]api.Article{}
	for _, a := range append(copies, others...) {
		byID[a.ID] = a
	}
	alsoIn := func(ids ...string) []api.AlsoIn {
		var out []api.AlsoIn
		for _, id := range ids {
			out = append(out, api.AlsoIn{ID: id, Title: byID[id].Title, URL: byID[id].URL})
		}
		return out
	}
	type hit struct {
		id     string
		alsoIn []api.AlsoIn
	}
	all := []hit{{"syn-1", alsoIn("syn-2", "syn-3", "syn-4", "syn-5")}, {"trust-ballot", nil}, {"trust-ceo", nil}}
	tests := []struct {
		name  string
		query string // URL parameters
		hits  []hit  // in id order
		union int    // the count of Unison in the union facet
	}{
		{name: "one hit for the story, four also in", query: "q=Northshire",
			hits: all, union: 3},
		{name: "collapse=true is the default", query: "q=Northshire&collapse=true",
			hits: all, union: 3},
		{name: "without a query", query: "",
			hits: all, union: 3},
		{name: "a query only the story matches", query: "q=%22bosses+have+confirmed%22+OR+%22managers+confirmed%22",
			hits: all[:1]},
		{name: "collapse=false shows every copy", query: "q=Northshire&collapse=false",
			hits: []hit{{"syn-1", alsoIn("syn-2", "syn-3", "syn-4", "syn-5")}, {"syn-2", alsoIn("syn-1", "syn-3", "syn-4", "syn-5")},
				{"syn-3", alsoIn("syn-1", "syn-2", "syn-4", "syn-5")}, {"syn-4", alsoIn("syn-1", "syn-2", "syn-3", "syn-5")},
				{"syn-5", alsoIn("syn-1", "syn-2", "syn-3", "syn-4")}, {"trust-ballot", nil}, {"trust-ceo", nil}},
			union: 7},
		{name: "different stories about the trust stay apart", query: "q=%22chief+executive%22",
			hits: []hit{{"syn-1", alsoIn("syn-2", "syn-3", "syn-4", "syn-5")}, {"trust-ceo", nil}}},
		{name: "facet filters count the story once", query: "union=Unison",
			hits: all, union: 3},
		// The documented limit: a story is its first article, so words
		// only a copy has find it with collapse=false only.
		{name: "words only a copy has", query: "q=%22managers+confirmed%22",
			hits: nil},
		{name: "words only a copy has, collapse=false", query: "q=%22managers+confirmed%22&collapse=false",
			hits: []hit{{"syn-4", alsoIn("syn-1", "syn-2", "syn-3", "syn-5")}}},
	}
	check := func(t *testing.T, svc *Service, query string, want []hit, union int) {
		t.Helper()
		req := mustParse(t, query+"&size=50&sort=relevance")
		res, err := svc.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var got []hit
		for _, h := range res.Hits {
			got = append(got, hit{h.ID, h.AlsoIn})
		}
		slices.SortFunc(got, func(a, b hit) int {
			if a.id < b.id {
				return -1
			}
			return 1
		})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("hits:\n got %v\nwant %v", got, want)
		}
		if res.Total != uint64(len(want)) {
			t.Errorf("total %d, want %d", res.Total, len(want))
		}
		if union > 0 {
			n := 0
			for _, tc := range res.Facets.Terms("union") {
				if tc.Value == "Unison" {
					n = tc.Count
				}
			}
			if n != union {
				t.Errorf("union facet counts Unison %d times, want %d (%v)", n, union, res.Facets.Terms("union"))
			}
		}
	}
	for name, svc := range services {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) { check(t, svc, tt.query, tt.hits, tt.union) })
		}
	}

	// Without its first article the story is still one hit, now the next.
	if err := w.Delete(ctx, "syn-1"); err != nil {
		t.Fatal(err)
	}
	for name, svc := range services {
		t.Run(name+"/first deleted", func(t *testing.T) {
			check(t, svc, "q=Northshire", []hit{{"syn-2", alsoIn("syn-3", "syn-4", "syn-5")}, {"trust-ballot", nil}, {"trust-ceo", nil}}, 3)
			check(t, svc, "q=Northshire&collapse=false", []hit{{"syn-2", alsoIn("syn-3", "syn-4", "syn-5")}, {"syn-3", alsoIn("syn-2", "syn-4", "syn-5")},
				{"syn-4", alsoIn("syn-2", "syn-3", "syn-5")}, {"syn-5", alsoIn("syn-2", "syn-3", "syn-4")}, {"trust-ballot", nil}, {"trust-ceo", nil}}, 6)
		})
	}
}
