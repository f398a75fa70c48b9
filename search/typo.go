package search

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// typoQuery matches an analysed term of a text field (_all when Field is
// empty) exactly or, with Fuzziness above 0, within that many edits
// (insertions, deletions, substitutions, transpositions of adjacent
// letters), as bleve's fuzzy query does on scorch. Unlike bleve's, it
// keeps the MaxTypoTerms nearest index terms rather than failing past a
// limit, and it scores a term reached by typos well below the exact term
// (1/(1+Step·d) for d edits: with Step 3, a quarter for one edit, a
// seventh for two), so that exact matches rank first. With Title above 0
// (Ranking.Title) and no Field, under a rankQuery, the same terms in the
// title are a title clause: Title times their score there is added to a
// hit whose title has one.
type typoQuery struct {
	Field     string
	Term      string
	Fuzziness int
	// Step and Title are set by Ranking.weighed (0: defaultTypoStep, no
	// title weight).
	Step  uint8
	Title float64
}

// typoWeight is the edit distance handed to bleve's boosted multi-term
// searcher for a term d edits away under step: it scores each term by
// 1/(1+that).
func typoWeight(step, d uint8) uint8 {
	if step == 0 {
		step = defaultTypoStep
	}
	return step * d
}

// maxTypoScan bounds the dictionary entries one typo term reads.
const maxTypoScan = 1024

func (q *typoQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	field := q.Field
	if field == "" {
		field = m.DefaultSearchField()
	}
	terms := []string{q.Term}
	weights := []uint8{0}
	if q.Fuzziness > 0 {
		cands, err := typoCandidates(r, field, q.Term, q.Fuzziness)
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			terms = append(terms, c.Term)
			weights = append(weights, typoWeight(q.Step, c.EditDistance))
		}
	}
	all, err := termsSearcher(ctx, r, terms, weights, field, 1, opts)
	if err != nil || q.Title <= 0 || q.Field != "" {
		return all, err
	}
	// Under a rankQuery: the same terms in the title, a clause whose score
	// is added to the matches it has (the same matches).
	if tc := titleClausesOf(ctx, opts); tc != nil {
		title, err := titleSearcher(ctx, r, terms, weights, q.Title, opts)
		if err != nil {
			_ = all.Close()
			return nil, err
		}
		tc.add(title)
	}
	return all, nil
}

// titleSearcher matches any of terms that is in some article's title,
// each scored with boost over 1 + its weight; nil when no title has any.
// Which terms the titles have is asked of the title's dictionaries (a
// look-up in each segment's term index), and only those get a searcher:
// a typo term is rarely in a title, and every term searcher reads
// postings.
func titleSearcher(ctx context.Context, r bindex.IndexReader, terms []string, weights []uint8, boost float64, opts search.SearcherOptions) (search.Searcher, error) {
	var dict bindex.FieldDictContains
	if c, ok := r.(bindex.IndexReaderContains); ok {
		var err error
		if dict, err = c.FieldDictContains(index.FieldTitle); err != nil {
			return nil, fmt.Errorf("title terms: %w", err)
		}
	}
	var ss []search.Searcher
	for i, t := range terms {
		if dict != nil {
			if has, err := dict.Contains([]byte(t)); err != nil || !has {
				if err != nil {
					for _, s := range ss {
						_ = s.Close()
					}
					return nil, fmt.Errorf("title terms: %w", err)
				}
				continue
			}
		}
		s, err := searcher.NewTermSearcher(ctx, r, t, index.FieldTitle, boost/float64(1+weights[i]), opts)
		if err != nil {
			for _, s := range ss {
				_ = s.Close()
			}
			return nil, err
		}
		if s.Count() == 0 {
			_ = s.Close()
			continue
		}
		ss = append(ss, s)
	}
	switch len(ss) {
	case 0:
		return nil, nil
	case 1:
		return ss[0], nil
	}
	return searcher.NewDisjunctionSearcher(ctx, r, ss, 0, opts)
}

// termsSearcher matches any of terms in field, each scored with boost
// over 1 + its weight (a term alone: a term searcher).
func termsSearcher(ctx context.Context, r bindex.IndexReader, terms []string, weights []uint8, field string, boost float64, opts search.SearcherOptions) (search.Searcher, error) {
	if len(terms) == 1 {
		return searcher.NewTermSearcher(ctx, r, terms[0], field, boost/float64(1+weights[0]), opts)
	}
	return searcher.NewMultiTermSearcherBoosted(ctx, r, terms, field, boost, weights, opts, false)
}

// typoCandidates returns the terms of field within fuzz edits of term,
// other than term itself: the MaxTypoTerms nearest, then most frequent.
func typoCandidates(r bindex.IndexReader, field, term string, fuzz int) (out []bindex.DictEntry, err error) {
	var fd bindex.FieldDict
	fuzzy, auto := r.(bindex.IndexReaderFuzzy)
	if auto {
		fd, _, err = fuzzy.FieldDictFuzzyAutomaton(field, term, fuzz, "")
	} else {
		fd, err = r.FieldDict(field)
	}
	if err != nil {
		return nil, fmt.Errorf("typos of %q: %w", term, err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	scanned := 0
	for scanned < maxTypoScan || !auto {
		e, err := fd.Next()
		if err != nil {
			return nil, fmt.Errorf("typos of %q: %w", term, err)
		}
		if e == nil {
			break
		}
		scanned++
		if e.Term == term {
			continue
		}
		d := int(e.EditDistance)
		if !auto {
			if d = tag.OSADistance(term, e.Term, fuzz); d > fuzz {
				continue
			}
		}
		out = append(out, bindex.DictEntry{Term: e.Term, Count: e.Count, EditDistance: uint8(d)})
	}
	slices.SortFunc(out, func(a, b bindex.DictEntry) int {
		switch {
		case a.EditDistance != b.EditDistance:
			return int(a.EditDistance) - int(b.EditDistance)
		case a.Count != b.Count:
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Term, b.Term)
	})
	return out[:min(len(out), MaxTypoTerms)], nil
}

// valueQuery matches the articles with a value of a name kind's keyword
// field that is Value in any case and accents (api.Fold): union:unison
// finds Unison. On scorch it walks the field's dictionary with an
// automaton of the value's case and accent variants; elsewhere (an index
// in memory) it reads the whole dictionary.
type valueQuery struct {
	Field, Value string
	// Boost is set by Ranking.weighed (0: 1).
	Boost float64
}

func (q *valueQuery) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	terms, err := foldTerms(r, q.Field, q.Value)
	if err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	boost := q.Boost
	if boost == 0 {
		boost = 1
	}
	return keywordSearcher(ctx, r, q.Field, terms, boost, opts)
}

// foldTerms returns the terms of field that fold as value does.
func foldTerms(r bindex.IndexReader, field, value string) (out []string, err error) {
	want := api.Fold(value)
	if want == "" {
		return nil, nil
	}
	var fd bindex.FieldDict
	if rx, ok := r.(bindex.IndexReaderRegexp); ok {
		fd, err = rx.FieldDictRegexp(field, foldPattern(want))
	} else {
		fd, err = r.FieldDict(field)
	}
	if err != nil {
		return nil, fmt.Errorf("values of %s like %q: %w", field, api.Truncate(value, 40), err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for {
		e, err := fd.Next()
		if err != nil {
			return nil, fmt.Errorf("values of %s like %q: %w", field, api.Truncate(value, 40), err)
		}
		if e == nil {
			return out, nil
		}
		if api.Fold(e.Term) == want {
			out = append(out, e.Term)
		}
	}
}

// foldVariants maps a folded letter to the Latin letters that fold to it
// ('e' -> e E é É è ...), and the apostrophe to its typographic forms.
var foldVariants = sync.OnceValue(func() map[rune][]rune {
	out := map[rune][]rune{}
	for c := rune(0x20); c <= 0x24f; c++ {
		f := api.Fold(string(c))
		if utf8.RuneCountInString(f) != 1 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(f)
		if r != c {
			out[r] = append(out[r], c)
		}
	}
	out['\''] = append(out['\''], '\u2019', '\u2018', '\u02bc')
	return out
})

// foldPattern is a regular expression of the strings that may fold to
// folded (a superset: spaces are single; foldTerms checks each term).
func foldPattern(folded string) string {
	var b strings.Builder
	vars := foldVariants()
	for _, r := range folded {
		alts := vars[r]
		if len(alts) == 0 {
			b.WriteString(regexp.QuoteMeta(string(r)))
			continue
		}
		b.WriteByte('[')
		for _, c := range append([]rune{r}, alts...) {
			if strings.ContainsRune(`\]^-[`, c) {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
		}
		b.WriteByte(']')
	}
	return b.String()
}

// EntityFieldLength is the length in terms of the field an entity's match
// is scored as if its word were found in: a name kind's keyword field
// keeps no norms (index.NewMapping's SkipFreqNorm), so bleve scores a
// term there as NaN; entityScorer scores it as one occurrence, in a field
// of about an article's length, of a term as rare as the value.
const EntityFieldLength = 400

// entityQuery matches the articles tagged with a name kind's value (its
// canonical value, exactly) and scores each as a text match of a word as
// rare as the value (entityScorer): "RCN" finds the articles tagged with
// the Royal College of Nursing as strongly as those that say "RCN".
type entityQuery struct {
	Field, Value string
	Boost        float64
}

func (q *entityQuery) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	return keywordSearcher(ctx, r, q.Field, []string{q.Value}, q.Boost, opts)
}

// keywordSearcher matches the articles with any of terms in the keyword
// field, each scored by entityScorer.
func keywordSearcher(ctx context.Context, r bindex.IndexReader, field string, terms []string, boost float64, opts search.SearcherOptions) (search.Searcher, error) {
	total, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("count documents: %w", err)
	}
	plain := opts
	plain.Score = "none"
	plain.IncludeTermVectors = false
	ss := make([]search.Searcher, 0, len(terms))
	for _, t := range terms {
		s, err := searcher.NewTermSearcher(ctx, r, t, field, 1, plain)
		if err != nil {
			for _, s := range ss {
				_ = s.Close()
			}
			return nil, err
		}
		// queryWeight 1 until a composite searcher sets the query's
		// norm, as bleve's term scorer.
		ss = append(ss, &entityScorer{Searcher: s, boost: boost, idf: 1 + math.Log(float64(total)/float64(s.Count()+1)), queryWeight: 1, score: opts.Score != "none"})
	}
	if len(ss) == 1 {
		return ss[0], nil
	}
	return searcher.NewDisjunctionSearcher(ctx, r, ss, 0, opts)
}

// entityScorer scores the matches of a term searcher as bleve's tf-idf
// scores one occurrence of a term of inverse document frequency idf in a
// field of EntityFieldLength terms, with the query's norm.
type entityScorer struct {
	search.Searcher
	boost, idf  float64
	queryWeight float64
	score       bool
}

func (s *entityScorer) Weight() float64 {
	w := s.boost * s.idf
	return w * w
}

func (s *entityScorer) SetQueryNorm(n float64) { s.queryWeight = s.boost * s.idf * n }

func (s *entityScorer) scored(dm *search.DocumentMatch) *search.DocumentMatch {
	if dm != nil && s.score {
		dm.Score = s.idf * s.queryWeight / math.Sqrt(EntityFieldLength)
	}
	return dm
}

func (s *entityScorer) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	return s.scored(dm), err
}

func (s *entityScorer) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	return s.scored(dm), err
}
