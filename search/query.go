package search

import (
	"errors"
	"math"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
	vregexp "github.com/blevesearch/vellum/regexp"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// Limits of a query string. They keep a hostile query from holding a core.
const (
	MaxQueryLen     = 4096 // bytes
	MaxQueryDepth   = 16   // nesting of ( ) groups
	MaxQueryClauses = 256  // terms, phrases and groups in all
	MaxFuzziness    = 2    // bleve's own limit
	MaxBoost        = 1e6
	// MaxQueryPatterns bounds the wildcard (prefix*, wild?card) and
	// /regexp/ terms of a query. Each is compiled to an automaton once to
	// check it and again by bleve for every search of the request.
	MaxQueryPatterns = 5
	// MaxRegexpSize bounds the compiled size of one wildcard or regexp, in
	// bytes as vellum estimates it (about 250 instructions; "nurs*" needs
	// 52). vellum's own limit is 10 MB, and building the automaton of a
	// pattern near that limit takes minutes: a*a*a*... of 1,000 bytes, or
	// the 11 bytes /(.?){1000}/, held a core for tens of seconds before
	// failing. Under this limit an automaton builds in at most a few
	// hundred milliseconds, and a larger one is refused before it is built.
	MaxRegexpSize = 10 << 10
)

// checkQueryText checks the parts of a query that need no parsing.
func checkQueryText(q string) error {
	// Depth first: a deeply nested query is also long, and "nested too
	// deep" is the more useful message.
	if d := nestingDepth(q); d > MaxQueryDepth {
		return api.BadRequest("q", "groups nested %d deep, at most %d allowed", d, MaxQueryDepth)
	}
	if len(q) > MaxQueryLen {
		return api.BadRequest("q", "query is %d bytes long, at most %d allowed", len(q), MaxQueryLen)
	}
	if !utf8.ValidString(q) {
		return api.BadRequest("q", "query is not valid UTF-8")
	}
	return nil
}

// nestingDepth returns the deepest nesting of ( ) groups in q, outside
// "phrases" and /regexps/, in one pass.
func nestingDepth(q string) int {
	depth, deepest := 0, 0
	var sc scanner
	for i := 0; i < len(q); i++ {
		if !sc.step(q, i) {
			continue
		}
		switch q[i] {
		case '(':
			depth++
			deepest = max(deepest, depth)
		case ')':
			depth--
		}
	}
	return deepest
}

// scanner tracks whether a position of a query string is inside a quoted
// phrase, a /regexp/ or after a backslash, where brackets are plain text.
type scanner struct {
	inQuote, inRegexp, escape bool
}

// step advances over q[i] and reports whether it is outside phrases,
// regexps and escapes (so that a bracket there is a group).
func (sc *scanner) step(q string, i int) bool {
	ch := q[i]
	switch {
	case sc.escape:
		sc.escape = false
	case ch == '\\':
		sc.escape = true
	case sc.inRegexp:
		if ch == '/' {
			sc.inRegexp = false
		}
	case ch == '"':
		sc.inQuote = !sc.inQuote
	case sc.inQuote:
	case ch == '/' && termStart(q, i):
		sc.inRegexp = true
	default:
		return true
	}
	return false
}

// termStart reports whether q[i] begins a term: at the start of the query
// or after a space, a bracket, a field's colon or a +/- prefix.
func termStart(q string, i int) bool {
	if i == 0 {
		return true
	}
	switch q[i-1] {
	case ' ', '\t', '\n', '(', ':', '+', '-':
		return true
	}
	return false
}

// ParseQuery turns a user query into a bleve query. The syntax is bleve's
// query string (words, "phrases", +must, -not, field:value, field:>n,
// fuzzy~1, prefix*, /regexp/, boost^2) plus grouping with parentheses:
// "+(nurse midwife) -agency" requires one of nurse or midwife. An empty or
// blank query matches everything. Errors are *BadRequestError with a
// message for the user.
//
// Groups are parsed here, not by bleve (whose syntax has none): every run of
// text between parentheses is handed to bleve's parser on its own, so the
// nesting depth is checked before any parser recurses, and a 10,000-deep
// query is refused at depth MaxQueryDepth+1 in linear time.
func ParseQuery(s *schema.Schema, q string) (query.Query, error) {
	if err := checkQueryText(q); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return query.NewMatchAllQuery(), nil
	}
	p := &qparser{s: q}
	bq, err := p.group(0)
	if err != nil {
		return nil, err
	}
	if p.clauses > MaxQueryClauses {
		return nil, api.BadRequest("q", "query has %d clauses, at most %d allowed", p.clauses, MaxQueryClauses)
	}
	if n := countPatterns(bq); n > MaxQueryPatterns {
		return nil, api.BadRequest("q", "query has %d wildcard or regular expression terms, at most %d allowed", n, MaxQueryPatterns)
	}
	if err := validate(bq); err != nil {
		return nil, err
	}
	return rewrite(bq, s.TermNames()), nil
}

// rewrite adapts what bleve's parser builds to the cutwatch mapping, in
// place:
//   - prefix* and wild?card terms are not analysed by bleve, but text is
//     indexed in lower case, so "Pontefr*" is searched as "pontefr*";
//   - a "phrase" on a keyword field (trust:"NHS North East") is the field's
//     whole value, which needs no positions: it becomes an exact match.
func rewrite(q query.Query, keywords []string) query.Query {
	switch q := q.(type) {
	case *query.BooleanQuery:
		q.Must = rewriteOpt(q.Must, keywords)
		q.Should = rewriteOpt(q.Should, keywords)
		q.MustNot = rewriteOpt(q.MustNot, keywords)
	case *query.ConjunctionQuery:
		for i, sub := range q.Conjuncts {
			q.Conjuncts[i] = rewrite(sub, keywords)
		}
	case *query.DisjunctionQuery:
		for i, sub := range q.Disjuncts {
			q.Disjuncts[i] = rewrite(sub, keywords)
		}
	case *query.WildcardQuery:
		if !slices.Contains(keywords, q.FieldVal) {
			q.Wildcard = strings.ToLower(q.Wildcard)
		}
	case *query.PrefixQuery:
		if !slices.Contains(keywords, q.FieldVal) {
			q.Prefix = strings.ToLower(q.Prefix)
		}
	case *query.MatchPhraseQuery:
		if slices.Contains(keywords, q.FieldVal) {
			m := query.NewMatchQuery(q.MatchPhrase)
			m.SetField(q.FieldVal)
			m.BoostVal = q.BoostVal
			return m
		}
	}
	return q
}

func rewriteOpt(q query.Query, keywords []string) query.Query {
	if q == nil {
		return nil
	}
	return rewrite(q, keywords)
}

// qparser splits a query into groups and bleve query-string runs.
type qparser struct {
	s       string
	i       int
	clauses int
}

type clauses struct {
	must, should, mustNot []query.Query
}

func (c *clauses) add(prefix byte, q query.Query) {
	switch prefix {
	case '+':
		c.must = append(c.must, q)
	case '-':
		c.mustNot = append(c.mustNot, q)
	default:
		c.should = append(c.should, q)
	}
}

func (c *clauses) empty() bool {
	return len(c.must)+len(c.should)+len(c.mustNot) == 0
}

// group parses up to the ')' closing a group at depth (or the end of the
// query at depth 0) and returns the group's query.
func (p *qparser) group(depth int) (*query.BooleanQuery, error) {
	var c clauses
	start := p.i
	openedAt := p.i - 1
	var sc scanner
	for p.i < len(p.s) {
		ch := p.s[p.i]
		switch {
		case !sc.step(p.s, p.i):
		case ch == '(':
			run := p.s[start:p.i]
			prefix := byte(0)
			if n := len(run); n > 0 && (run[n-1] == '+' || run[n-1] == '-') && (n == 1 || run[n-2] == ' ') {
				prefix, run = run[n-1], run[:n-1]
			}
			if strings.HasSuffix(run, ":") {
				return nil, api.BadRequest("q", "a field cannot be applied to a group at offset %d: write field:a field:b instead of field:(a b)", p.i)
			}
			if err := p.run(run, &c); err != nil {
				return nil, err
			}
			if depth+1 > MaxQueryDepth {
				return nil, api.BadRequest("q", "groups nested more than %d deep", MaxQueryDepth)
			}
			p.i++
			sub, err := p.group(depth + 1)
			if err != nil {
				return nil, err
			}
			p.clauses++
			c.add(prefix, sub)
			start = p.i
			continue
		case ch == ')':
			if depth == 0 {
				return nil, api.BadRequest("q", "unbalanced ')' at offset %d", p.i)
			}
			if err := p.run(p.s[start:p.i], &c); err != nil {
				return nil, err
			}
			if c.empty() {
				return nil, api.BadRequest("q", "empty group at offset %d", openedAt)
			}
			p.i++
			return query.NewBooleanQueryForQueryString(c.must, c.should, c.mustNot), nil
		}
		p.i++
	}
	if sc.inQuote {
		return nil, api.BadRequest("q", "unterminated quote: a phrase needs a closing \"")
	}
	if sc.inRegexp {
		return nil, api.BadRequest("q", "unterminated regular expression: it needs a closing /")
	}
	if depth > 0 {
		return nil, api.BadRequest("q", "unbalanced '(' at offset %d: missing ')'", openedAt)
	}
	if sc.escape {
		return nil, api.BadRequest("q", "query ends with a lone backslash")
	}
	if err := p.run(p.s[start:], &c); err != nil {
		return nil, err
	}
	if c.empty() {
		return nil, api.BadRequest("q", "query has no terms")
	}
	return query.NewBooleanQueryForQueryString(c.must, c.should, c.mustNot), nil
}

// run parses a stretch of query text without groups with bleve's parser and
// adds its clauses to c.
func (p *qparser) run(s string, c *clauses) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parsed, err := query.NewQueryStringQuery(s).Parse()
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		return api.BadRequest("q", "cannot parse %q: %s", api.Truncate(strings.TrimSpace(s), 80), msg)
	}
	bq, ok := parsed.(*query.BooleanQuery)
	if !ok {
		p.clauses++
		c.should = append(c.should, parsed)
		return nil
	}
	if m, ok := bq.Must.(*query.ConjunctionQuery); ok {
		p.clauses += len(m.Conjuncts)
		c.must = append(c.must, m.Conjuncts...)
	}
	if s, ok := bq.Should.(*query.DisjunctionQuery); ok {
		p.clauses += len(s.Disjuncts)
		c.should = append(c.should, s.Disjuncts...)
	}
	if n, ok := bq.MustNot.(*query.DisjunctionQuery); ok {
		p.clauses += len(n.Disjuncts)
		c.mustNot = append(c.mustNot, n.Disjuncts...)
	}
	return nil
}

// wildcardToRegexp mirrors bleve's conversion of a wildcard to a regexp.
var wildcardToRegexp = strings.NewReplacer(
	"+", `\+`, "(", `\(`, ")", `\)`, "^", `\^`, "$", `\$`, ".", `\.`,
	"{", `\{`, "}", `\}`, "[", `\[`, "]", `\]`, `|`, `\|`, `\`, `\\`,
	"*", ".*", "?", ".")

// validate checks what bleve would only reject (or mishandle) when the
// search runs: fuzziness beyond its limit, invalid or too large regular
// expressions, and boosts that would make scores NaN or infinite.
func validate(q query.Query) error {
	checkBoost := func(b *query.Boost) error {
		if b == nil {
			return nil
		}
		v := b.Value()
		if math.IsNaN(v) || v < 0 || v > MaxBoost {
			return api.BadRequest("q", "boost must be between 0 and %g", MaxBoost)
		}
		return nil
	}
	switch q := q.(type) {
	case *query.BooleanQuery:
		for _, sub := range []query.Query{q.Must, q.Should, q.MustNot, q.Filter} {
			if sub != nil {
				if err := validate(sub); err != nil {
					return err
				}
			}
		}
		return checkBoost(q.BoostVal)
	case *query.ConjunctionQuery:
		for _, sub := range q.Conjuncts {
			if err := validate(sub); err != nil {
				return err
			}
		}
		return checkBoost(q.BoostVal)
	case *query.DisjunctionQuery:
		for _, sub := range q.Disjuncts {
			if err := validate(sub); err != nil {
				return err
			}
		}
		return checkBoost(q.BoostVal)
	case *query.MatchQuery:
		if q.Fuzziness < 0 || q.Fuzziness > MaxFuzziness {
			return api.BadRequest("q", "fuzziness must be between 0 and %d (e.g. word~1)", MaxFuzziness)
		}
		return checkBoost(q.BoostVal)
	case *query.MatchPhraseQuery:
		return checkBoost(q.BoostVal)
	case *query.NumericRangeQuery:
		for _, v := range []*float64{q.Min, q.Max} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return api.BadRequest("q", "range bound must be a finite number")
			}
		}
		return checkBoost(q.BoostVal)
	case *query.WildcardQuery:
		if err := checkRegexp(wildcardToRegexp.Replace(q.Wildcard)); err != nil {
			return err
		}
		return checkBoost(q.BoostVal)
	case *query.RegexpQuery:
		if err := checkRegexp(q.Regexp); err != nil {
			return err
		}
		return checkBoost(q.BoostVal)
	case *query.DateRangeStringQuery:
		return checkBoost(q.BoostVal)
	}
	return nil
}

// countPatterns returns the number of wildcard and regexp terms in q.
func countPatterns(q query.Query) int {
	n := 0
	switch q := q.(type) {
	case *query.BooleanQuery:
		for _, sub := range []query.Query{q.Must, q.Should, q.MustNot, q.Filter} {
			if sub != nil {
				n += countPatterns(sub)
			}
		}
	case *query.ConjunctionQuery:
		for _, sub := range q.Conjuncts {
			n += countPatterns(sub)
		}
	case *query.DisjunctionQuery:
		for _, sub := range q.Disjuncts {
			n += countPatterns(sub)
		}
	case *query.WildcardQuery, *query.RegexpQuery:
		n = 1
	}
	return n
}

// checkRegexp compiles pattern the way bleve's index does (Go syntax, then
// a vellum automaton), but with the much smaller size limit MaxRegexpSize.
func checkRegexp(pattern string) error {
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return api.BadRequest("q", "invalid regular expression: %v", err)
	}
	if _, err := vregexp.NewParsedWithLimit(pattern, parsed, MaxRegexpSize); err != nil {
		if errors.Is(err, vregexp.ErrCompiledTooBig) {
			return api.BadRequest("q", "wildcard or regular expression %q is too complex", api.Truncate(pattern, 60))
		}
		return api.BadRequest("q", "unsupported regular expression %q: %v", api.Truncate(pattern, 60), err)
	}
	return nil
}
