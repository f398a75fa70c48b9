package search

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// TestFastPhrases: fastPhrases replaces each exact phrase, however deep in
// the query, by a fastPhraseQuery, leaves fuzzy phrases and other queries
// alone, and never changes the query it is given.
func TestFastPhrases(t *testing.T) {
	phrase := func(s string) *query.MatchPhraseQuery { return query.NewMatchPhraseQuery(s) }
	fuzzy := phrase("job cuts")
	fuzzy.SetFuzziness(1)
	auto := phrase("job cuts")
	auto.SetAutoFuzziness(true)
	word := query.NewMatchQuery("nurses")
	for _, c := range []struct {
		name    string
		q       query.Query
		phrases int // fast phrases in the result
	}{
		{"a phrase", phrase("compulsory redundancies"), 1},
		{"a word", word, 0},
		{"a fuzzy phrase", fuzzy, 0},
		{"an auto-fuzzy phrase", auto, 0},
		{"in a conjunction", query.NewConjunctionQuery([]query.Query{word, phrase("job cuts")}), 1},
		{"in a disjunction", query.NewDisjunctionQuery([]query.Query{phrase("a b"), word, phrase("c d")}), 2},
		{"in a boolean query", query.NewBooleanQuery([]query.Query{phrase("job cuts")}, []query.Query{word}, []query.Query{phrase("pay rise")}), 2},
		{"deep", query.NewConjunctionQuery([]query.Query{query.NewDisjunctionQuery([]query.Query{word, phrase("job cuts")})}), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := reflect.ValueOf(c.q).Elem().Interface()
			got, replaced := fastPhrases(c.q)
			if n := countFast(got); n != c.phrases || replaced != (c.phrases > 0) {
				t.Errorf("%d fast phrases, replaced %v; want %d", n, replaced, c.phrases)
			}
			if countFast(c.q) != 0 || !reflect.DeepEqual(reflect.ValueOf(c.q).Elem().Interface(), before) {
				t.Errorf("the query given was changed")
			}
		})
	}
}

// countFast counts the fastPhraseQuery parts of q.
func countFast(q query.Query) int {
	switch q := q.(type) {
	case *fastPhraseQuery:
		return 1
	case *query.ConjunctionQuery:
		return countFastIn(q.Conjuncts)
	case *query.DisjunctionQuery:
		return countFastIn(q.Disjuncts)
	case *query.BooleanQuery:
		n := 0
		for _, p := range []query.Query{q.Must, q.Should, q.MustNot} {
			if p != nil {
				n += countFast(p)
			}
		}
		return n
	}
	return 0
}

func countFastIn(qs []query.Query) int {
	n := 0
	for _, q := range qs {
		n += countFast(q)
	}
	return n
}
