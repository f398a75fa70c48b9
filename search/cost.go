package search

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/search/api"
)

// The cost of a query is an estimate of the work of the terms it expands
// to, in units of one plain term. A wildcard, regexp or prefix is costed
// by its literal start: "nurs*" reads the terms under one short branch of
// the dictionary, "*a*" all of them; a fuzzy term visits every term within
// its edit distance; a phrase reads positions. The estimate needs no index.
const (
	// MaxQueryCost is the most one search may cost: beyond it the query is
	// a bad request that says what made it costly. Five wildcards that
	// start with a pattern (/.*x.*/), 250 fuzzy terms or 250 phrases are
	// far beyond; any query of plain terms and a few patterns, phrases or
	// fuzzy terms is within.
	MaxQueryCost = 300
	// HeavyQueryCost is the cost from which a search counts as expensive:
	// expensive searches take at most a share of the search slots
	// (Options.HeavyShare), so that they cannot crowd out the cheap ones.
	HeavyQueryCost = 50

	costTerm         = 1
	costTypo         = 3 // a word of the search box, typos allowed (typoQuery)
	costFuzzy1       = 10
	costFuzzy2       = 40
	costPhrase       = 5   // plus one per word
	costPatternShort = 50  // a pattern whose literal start is 1 or 2 characters
	costPatternOpen  = 100 // a pattern that starts with a wildcard or a class
	costPatternLong  = 10  // a pattern with a literal start of 3 or more characters
)

// queryCost returns the estimated cost of q and, for the message of a
// refusal, the kind of term that cost most.
func queryCost(q query.Query) (cost int, worst string) {
	var worstCost int
	note := func(c int, kind string) int {
		if c > worstCost {
			worstCost, worst = c, kind
		}
		return c
	}
	var walk func(q query.Query) int
	walk = func(q query.Query) int {
		switch q := q.(type) {
		case *query.BooleanQuery:
			n := 0
			for _, sub := range []query.Query{q.Must, q.Should, q.MustNot, q.Filter} {
				if sub != nil {
					n += walk(sub)
				}
			}
			return n
		case *query.ConjunctionQuery:
			n := 0
			for _, sub := range q.Conjuncts {
				n += walk(sub)
			}
			return n
		case *query.DisjunctionQuery:
			n := 0
			for _, sub := range q.Disjuncts {
				n += walk(sub)
			}
			return n
		case *query.MatchQuery:
			switch {
			case q.Fuzziness >= 2:
				return note(costFuzzy2, "fuzzy term (word~2)")
			case q.Fuzziness == 1:
				return note(costFuzzy1, "fuzzy term (word~1)")
			}
			return costTerm
		case *query.FuzzyQuery:
			if q.Fuzziness >= 2 {
				return note(costFuzzy2, "fuzzy term (word~2)")
			}
			return note(costFuzzy1, "fuzzy term (word~1)")
		case *query.MatchPhraseQuery:
			return note(costPhrase+len(strings.Fields(q.MatchPhrase)), "phrase")
		case *query.PrefixQuery:
			return note(patternCost(q.Prefix), "prefix term")
		case *query.WildcardQuery:
			return note(patternCost(literalStart(q.Wildcard, "*?")), "wildcard term")
		case *query.RegexpQuery:
			return note(patternCost(literalStart(q.Regexp, `.*+?()[]{}|\^$`)), "regular expression")
		case *typoQuery:
			if q.Fuzziness > 0 {
				// Bounded: at most maxTypoScan dictionary entries read
				// and MaxTypoTerms terms searched.
				return note(costTypo, "word with typo tolerance")
			}
		}
		return costTerm
	}
	return walk(q), worst
}

// literalStart returns the start of pattern before its first special
// character.
func literalStart(pattern, special string) string {
	if i := strings.IndexAny(pattern, special); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// patternCost is the cost of a pattern whose literal start is lit.
func patternCost(lit string) int {
	switch n := utf8.RuneCountInString(lit); {
	case n == 0:
		return costPatternOpen
	case n < 3:
		return costPatternShort
	}
	return costPatternLong
}

// checkCost refuses a query that costs more than MaxQueryCost and tells
// whether it is expensive.
func checkCost(q query.Query) (heavy bool, err error) {
	cost, worst := queryCost(q)
	if cost > MaxQueryCost {
		return true, api.BadRequest("q", "query too costly: it would cost about %d units, at most %d allowed (a plain word costs 1, a word of 5 letters or more (typos allowed) 3, a phrase 5 and 1 a word, word~1 10, word~2 40, a wildcard, prefix or regular expression 10 when it starts with 3 or more letters, 50 with 1 or 2, 100 with none; the most costly part here is a %s)", cost, MaxQueryCost, worst)
	}
	return cost >= HeavyQueryCost, nil
}
