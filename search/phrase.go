package search

import (
	"context"
	"fmt"
	"math"
	"reflect"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// A phrase of several common words ("compulsory redundancies", in two
// thirds of the articles) is the slowest text query: bleve's phrase
// searcher turns every candidate article's term positions into maps to
// check them, and every match's again for the highlighter, though only
// the page's ten are highlighted. The bitmaps path, which needs every
// match, searches with fastPhrases instead: the same matches and the same
// scores, from a check of the positions as bleve reads them, keeping no
// positions; the page's snippets come from bleve's own phrase searcher
// run over the page's articles only (see highlightPage).

// fastPhrases returns q with each phrase of exact words (bleve's
// MatchPhraseQuery without fuzziness) replaced by a fastPhraseQuery, and
// whether it replaced any. q is not changed: the parts on the way to a
// phrase are copied. Queries it does not know are kept as they are.
func fastPhrases(q query.Query) (query.Query, bool) {
	switch q := q.(type) {
	case *query.MatchPhraseQuery:
		if q.Fuzziness != 0 || isAutoFuzzy(q) {
			return q, false
		}
		return &fastPhraseQuery{q}, true
	case *query.ConjunctionQuery:
		parts, ok := fastPhrasesIn(q.Conjuncts)
		if !ok {
			return q, false
		}
		c := *q
		c.Conjuncts = parts
		return &c, true
	case *query.DisjunctionQuery:
		parts, ok := fastPhrasesIn(q.Disjuncts)
		if !ok {
			return q, false
		}
		d := *q
		d.Disjuncts = parts
		return &d, true
	case *titledQuery:
		inner, okQ := fastPhrases(q.Q)
		title, okT := fastPhrases(q.Title)
		if !okQ && !okT {
			return q, false
		}
		return &titledQuery{Q: inner, Title: title}, true
	case *query.BooleanQuery:
		b := *q
		var changed bool
		for _, part := range []*query.Query{&b.Must, &b.Should, &b.MustNot} {
			if *part == nil {
				continue
			}
			if r, ok := fastPhrases(*part); ok {
				*part, changed = r, true
			}
		}
		if !changed {
			return q, false
		}
		return &b, true
	}
	return q, false
}

func fastPhrasesIn(qs []query.Query) ([]query.Query, bool) {
	var out []query.Query
	for i, q := range qs {
		r, ok := fastPhrases(q)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]query.Query(nil), qs...)
		}
		out[i] = r
	}
	return out, out != nil
}

// isAutoFuzzy reports whether a MatchPhraseQuery asks for automatic
// fuzziness (an unexported field of bleve's, set by SetAutoFuzziness).
func isAutoFuzzy(q *query.MatchPhraseQuery) bool {
	f := reflect.ValueOf(q).Elem().FieldByName("autoFuzzy")
	return !f.IsValid() || f.Bool() // unknown: take the safe answer
}

// fastPhraseQuery is a MatchPhraseQuery whose searcher keeps no positions
// (fastPhraseSearcher). It is only ever built by fastPhrases, for one
// search.
type fastPhraseQuery struct {
	*query.MatchPhraseQuery
}

// Searcher analyses the phrase as MatchPhraseQuery.Searcher does and
// builds the conjunction of its terms that bleve's phrase searcher builds
// (the same term searchers, boosts and query norm, so the same scores),
// checked by fastPhraseSearcher. Where that would differ from bleve's
// (several terms at one position, explanations asked for) it is bleve's
// own searcher.
func (q *fastPhraseQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	field := q.FieldVal
	if field == "" {
		field = m.DefaultSearchField()
	}
	analyzerName := q.Analyzer
	if analyzerName == "" {
		analyzerName = m.AnalyzerNameForPath(field)
	}
	analyzer := m.AnalyzerNamed(analyzerName)
	if analyzer == nil || options.Explain {
		return q.MatchPhraseQuery.Searcher(ctx, r, m, options)
	}
	terms := phraseTerms(analyzer.Analyze([]byte(q.MatchPhrase)))
	if terms == nil {
		return q.MatchPhraseQuery.Searcher(ctx, r, m, options)
	}
	options.IncludeTermVectors = true
	var ts []search.Searcher
	closeAll := func() {
		for _, s := range ts {
			_ = s.Close()
		}
	}
	for _, t := range terms {
		if t == "" {
			continue
		}
		s, err := searcher.NewTermSearcher(ctx, r, t, field, q.BoostVal.Value(), options)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("phrase %q: term %q: %w", q.MatchPhrase, t, err)
		}
		ts = append(ts, s)
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, r, ts, options)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("phrase %q: %w", q.MatchPhrase, err)
	}
	s := &fastPhraseSearcher{must: conj, terms: terms}
	s.must.SetQueryNorm(1 / math.Sqrt(s.must.Weight())) // as bleve's PhraseSearcher.computeQueryNorm
	return s, nil
}

// phraseTerms is the phrase's term at each position from its first (""
// where the analyser dropped a word, as bleve's tokenStreamToPhrase), or
// nil when a position has several terms.
func phraseTerms(tokens analysis.TokenStream) []string {
	if len(tokens) == 0 {
		return nil
	}
	first, last := tokens[0].Position, tokens[0].Position
	for _, t := range tokens {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	terms := make([]string, last-first+1)
	for _, t := range tokens {
		i := t.Position - first
		if terms[i] != "" {
			return nil
		}
		terms[i] = string(t.Term)
	}
	return terms
}

// fastPhraseSearcher finds the articles of a phrase among those of the
// conjunction of its terms, by their positions: term i of the phrase at
// position p+i of the same field and array positions as term 0 at p (bleve's
// findPhrasePaths with no slop). Its matches carry the conjunction's score
// and no positions.
type fastPhraseSearcher struct {
	must  search.Searcher
	terms []string // "" for a position the analyser dropped
}

func (s *fastPhraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for {
		m, err := s.must.Next(ctx)
		if m == nil || err != nil {
			return nil, err
		}
		if s.matches(m.FieldTermLocations) {
			m.FieldTermLocations = m.FieldTermLocations[:0]
			return m, nil
		}
		ctx.DocumentMatchPool.Put(m)
	}
}

func (s *fastPhraseSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	m, err := s.must.Advance(ctx, id)
	if m == nil || err != nil {
		return nil, err
	}
	if s.matches(m.FieldTermLocations) {
		m.FieldTermLocations = m.FieldTermLocations[:0]
		return m, nil
	}
	ctx.DocumentMatchPool.Put(m)
	return s.Next(ctx)
}

// matches reports whether the positions ftls of the phrase's terms in one
// article hold the whole phrase.
func (s *fastPhraseSearcher) matches(ftls []search.FieldTermLocation) bool {
	for i := range ftls {
		start := &ftls[i]
		if start.Term != s.terms[0] {
			continue
		}
		if s.follows(ftls, start) {
			return true
		}
	}
	return false
}

// follows reports whether the phrase's other terms follow start.
func (s *fastPhraseSearcher) follows(ftls []search.FieldTermLocation, start *search.FieldTermLocation) bool {
	for k := 1; k < len(s.terms); k++ {
		if s.terms[k] == "" {
			continue
		}
		want := start.Location.Pos + uint64(k)
		found := false
		for j := range ftls {
			l := &ftls[j]
			if l.Term == s.terms[k] && l.Location.Pos == want && l.Field == start.Field &&
				l.Location.ArrayPositions.Equals(start.Location.ArrayPositions) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (s *fastPhraseSearcher) Weight() float64            { return s.must.Weight() }
func (s *fastPhraseSearcher) SetQueryNorm(n float64)     { s.must.SetQueryNorm(n) }
func (s *fastPhraseSearcher) Close() error               { return s.must.Close() }
func (s *fastPhraseSearcher) Min() int                   { return 0 }
func (s *fastPhraseSearcher) Count() uint64              { return s.must.Count() }
func (s *fastPhraseSearcher) Size() int                  { return s.must.Size() + 64 }
func (s *fastPhraseSearcher) DocumentMatchPoolSize() int { return s.must.DocumentMatchPoolSize() + 1 }
