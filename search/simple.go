package search

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Parsed is a query parsed for searching.
type Parsed struct {
	// Query is what the search matches.
	Query query.Query
	// Any is the simple syntax's fallback when no article matches Query:
	// the same clauses, any one of which will do (the best partial
	// matches). Nil when there is none: a query of one clause, with OR or
	// an explicit AND at its top, or in bleve's syntax.
	Any query.Query
	// Entities are the entities words of the query name.
	Entities []api.QueryEntity
}

// Parse parses q in syntax (api.SyntaxSimple or "", or api.SyntaxBleve)
// under the kinds of s. Errors are *api.BadRequestError.
func Parse(s *schema.Schema, q, syntax string) (*Parsed, error) {
	switch syntax {
	case "", api.SyntaxSimple:
		return ParseSimple(s, q)
	case api.SyntaxBleve:
		bq, err := ParseQuery(s, q)
		if err != nil {
			return nil, err
		}
		return &Parsed{Query: bq}, nil
	}
	return nil, api.BadRequest("syntax", "unknown syntax %q (want %s)", api.Truncate(syntax, 40), strings.Join(api.Syntaxes, " or "))
}

// FieldPublished is the simple syntax's field of publication dates
// (published:2024, published:2024-03, published:>=2023).
const FieldPublished = index.FieldPublished

// Typo tolerance of the simple syntax, as Meilisearch's: a word of fewer
// than TypoOneFrom letters must be exact, one of up to TypoTwoFrom-1
// letters may have one typo, a longer one two. A word with a digit is
// always exact.
const (
	TypoOneFrom = 5
	TypoTwoFrom = 9
	// MaxTypoTerms caps the index terms one word's typos expand to: the
	// nearest (fewest edits, then most frequent) are kept.
	MaxTypoTerms = 32
)

// typoBudget returns the typos allowed in a word of n letters.
func typoBudget(n int) int {
	switch {
	case n < TypoOneFrom:
		return 0
	case n < TypoTwoFrom:
		return 1
	}
	return 2
}

// queryAnalyzer is the analyzer of the text fields and _all (see
// index.NewMapping): the simple syntax analyses each word with it to
// find stop words, words of several tokens ("11:30") and the term typos
// are counted on.
var queryAnalyzer = sync.OnceValues(func() (analysis.Analyzer, error) {
	m := index.NewMapping(schema.Default)
	an := m.AnalyzerNamed(en.AnalyzerName)
	if an == nil {
		return nil, api.BadRequest("q", "no analyzer %q", en.AnalyzerName)
	}
	return an, nil
})

// The simple syntax's tokens.
type stokKind uint8

const (
	sWord stokKind = iota
	sPhrase
	sField
	sOpen
	sClose
	sAnd
	sOr
	sNot
)

type stok struct {
	kind   stokKind
	text   string // a word, a phrase's words, a field's value
	field  string // sField: the field's name, lower case
	quoted bool   // sField: the value was a "phrase"
	neg    bool   // written -x
	pos    int    // byte offset in the query
}

// Quotes: an opening quote and the quotes that may close it. Double quotes
// of any style close each other (“...", „...“, «...»); single ones only
// single ones, and not between letters (an apostrophe: ‘Guy’s’).
func isDoubleQuote(r rune) bool { return strings.ContainsRune("\"“”„«»‟", r) }
func isSingleOpen(r rune) bool  { return r == '‘' || r == '‚' || r == '‛' }
func isSingleClose(r rune) bool { return r == '’' || r == '‘' }

// lexSimple splits q into tokens.
func lexSimple(s *schema.Schema, q string) ([]stok, error) {
	var out []stok
	i := 0
	sign := byte(0) // a lone - or + before a quote or bracket
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r):
			sign = 0
			i += size
			continue
		case r == '(':
			out = append(out, stok{kind: sOpen, neg: sign == '-', pos: i})
			sign = 0
			i += size
			continue
		case r == ')':
			out = append(out, stok{kind: sClose, pos: i})
			sign = 0
			i += size
			continue
		case isDoubleQuote(r) || isSingleOpen(r):
			text, end := readPhrase(q, i)
			out = append(out, stok{kind: sPhrase, text: text, neg: sign == '-', pos: i})
			sign = 0
			i = end
			continue
		}
		start := i
		for i < len(q) {
			r, size := utf8.DecodeRuneInString(q[i:])
			if unicode.IsSpace(r) || r == '(' || r == ')' || isDoubleQuote(r) {
				break // a quote after field: opens its value
			}
			i += size
		}
		word := q[start:i]
		if word == "-" || word == "+" {
			sign = word[0]
			continue
		}
		t, end, err := bareToken(s, q, word, start, i, sign)
		if err != nil {
			return nil, err
		}
		sign = 0
		i = end
		if t != nil {
			out = append(out, *t)
		}
	}
	return out, nil
}

// readPhrase reads the phrase whose opening quote is at q[i]: its text and
// the offset after its closing quote (or the end of q: an unterminated
// phrase runs to the end, as the user surely meant).
func readPhrase(q string, i int) (string, int) {
	open, size := utf8.DecodeRuneInString(q[i:])
	single := isSingleOpen(open)
	start := i + size
	for j := start; j < len(q); {
		r, n := utf8.DecodeRuneInString(q[j:])
		switch {
		case !single && isDoubleQuote(r):
			return q[start:j], j + n
		case single && isSingleClose(r) && !letterAt(q, j+n):
			return q[start:j], j + n
		}
		j += n
	}
	return q[start:], len(q)
}

func letterAt(q string, i int) bool {
	if i >= len(q) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(q[i:])
	return unicode.IsLetter(r)
}

// bareToken classifies a run of text without spaces: an operator, a
// -negated or +required word, a field (whose quoted value may follow), or
// a word. It returns nil for a token that is only signs.
func bareToken(s *schema.Schema, q, word string, start, end int, sign byte) (*stok, int, error) {
	switch word {
	case "AND", "&&":
		return &stok{kind: sAnd, pos: start}, end, nil
	case "OR", "||":
		return &stok{kind: sOr, pos: start}, end, nil
	case "NOT":
		return &stok{kind: sNot, pos: start}, end, nil
	}
	neg := sign == '-'
	for len(word) > 0 && (word[0] == '-' || word[0] == '+') {
		neg = neg || word[0] == '-'
		word = word[1:]
	}
	if word == "" {
		return nil, end, nil
	}
	if name, value, ok := strings.Cut(word, ":"); ok && name != "" {
		lname := strings.ToLower(name)
		switch {
		case isSimpleField(s, lname) && (value != "" || (end < len(q) && startsQuote(q[end:]))):
			t := &stok{kind: sField, field: lname, text: value, neg: neg, pos: start}
			if value == "" {
				t.text, end = readPhrase(q, end)
				t.quoted = true
			}
			return t, end, nil
		case looksLikeField(name, value):
			return nil, end, api.BadRequest("q", "unknown field %q at offset %d (known fields: %s; a colon elsewhere is plain text; bleve's field syntax needs syntax=%s)",
				api.Truncate(name, 40), start, strings.Join(SimpleFields(s), ", "), api.SyntaxBleve)
		}
	}
	return &stok{kind: sWord, text: word, neg: neg, pos: start}, end, nil
}

func startsQuote(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isDoubleQuote(r) || isSingleOpen(r)
}

// looksLikeField reports whether name:value was meant as a field: a name
// of lower-case letters, digits and underscores starting with a letter,
// and a value right after the colon that is no URL's //. "unions:Unison"
// and "amounts_gbp:>1" do; "Unison: jobs", "NHS:cuts" and "11:30" do not.
func looksLikeField(name, value string) bool {
	if value == "" || strings.HasPrefix(value, "//") {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// SimpleFields returns the field names of the simple syntax under s: the
// kinds (trust:, union:, ..., jobs:, amount:) and published:.
func SimpleFields(s *schema.Schema) []string {
	return append(s.Names(false, false), FieldPublished)
}

func isSimpleField(s *schema.Schema, name string) bool {
	return name == FieldPublished || s.IsTerm(name) || s.IsNumeric(name)
}

// sitem is one clause of an AND list.
type sitem struct {
	q   query.Query // nil: a clause of stop words only, dropped
	neg bool
	// word is the text of a plain positive word (no field, no prefix),
	// which may be part of an entity's name.
	word  string
	plain bool
}

// simpleParser parses the tokens of a simple query.
type simpleParser struct {
	s        *schema.Schema
	an       analysis.Analyzer
	toks     []stok
	i        int
	clauses  int
	patterns int
	entities []api.QueryEntity
	// explicitAnd: the query's top level has an AND.
	explicitAnd bool
}

// ParseSimple parses q in the simple syntax (see api.SyntaxSimple and
// README, "Query language"): every word required, AND, OR, NOT, -word,
// "phrases" in straight or typographic quotes, (groups), field:value for
// the fields of SimpleFields, prefix*, typo tolerance, and entity names.
// An empty or blank query matches everything.
func ParseSimple(s *schema.Schema, q string) (*Parsed, error) {
	if err := checkQueryText(q); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return &Parsed{Query: query.NewMatchAllQuery()}, nil
	}
	an, err := queryAnalyzer()
	if err != nil {
		return nil, err
	}
	toks, err := lexSimple(s, q)
	if err != nil {
		return nil, err
	}
	p := &simpleParser{s: s, an: an, toks: toks}
	groups, err := p.orList(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, api.BadRequest("q", "unbalanced ')' at offset %d", p.toks[p.i].pos)
	}
	if p.clauses > MaxQueryClauses {
		return nil, api.BadRequest("q", "query has %d clauses, at most %d allowed", p.clauses, MaxQueryClauses)
	}
	if p.patterns > MaxQueryPatterns {
		return nil, api.BadRequest("q", "query has %d wildcard or regular expression terms, at most %d allowed", p.patterns, MaxQueryPatterns)
	}
	out := &Parsed{Entities: p.entities}
	if len(groups) == 1 {
		out.Query = allOf(groups[0])
		if !p.explicitAnd {
			out.Any = anyOf(groups[0])
		}
	} else {
		out.Query = eitherOf(groups)
	}
	if out.Query == nil {
		// Only stop words: nothing to find.
		out.Query, out.Any = query.NewMatchNoneQuery(), nil
	}
	return out, nil
}

// orList parses AND lists separated by OR, up to a ')' (at depth > 0) or
// the end.
func (p *simpleParser) orList(depth int) ([][]sitem, error) {
	var groups [][]sitem
	for {
		items, err := p.andList(depth)
		if err != nil {
			return nil, err
		}
		groups = append(groups, items)
		if p.i < len(p.toks) && p.toks[p.i].kind == sOr {
			p.i++
			continue
		}
		return groups, nil
	}
}

// andList parses clauses up to an OR, a ')' or the end, and joins the
// runs of plain words that name entities.
func (p *simpleParser) andList(depth int) ([]sitem, error) {
	var items []sitem
	neg := false
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		switch t.kind {
		case sOr:
			return p.names(items)
		case sClose:
			if depth == 0 {
				return nil, api.BadRequest("q", "unbalanced ')' at offset %d", t.pos)
			}
			return p.names(items)
		case sAnd:
			// "a AND b" asks for both: no fallback to either.
			p.explicitAnd = p.explicitAnd || depth == 0
			p.i++
			continue
		case sNot:
			neg = !neg
			p.i++
			continue
		case sOpen:
			if depth+1 > MaxQueryDepth {
				return nil, api.BadRequest("q", "groups nested more than %d deep", MaxQueryDepth)
			}
			p.i++
			groups, err := p.orList(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.toks) || p.toks[p.i].kind != sClose {
				return nil, api.BadRequest("q", "unbalanced '(' at offset %d: missing ')'", t.pos)
			}
			p.i++
			p.clauses++
			var q query.Query
			if len(groups) == 1 {
				q = allOf(groups[0])
			} else {
				q = eitherOf(groups)
			}
			items = append(items, sitem{q: q, neg: neg != t.neg})
			neg = false
			continue
		}
		p.i++
		p.clauses++
		it, err := p.clause(t)
		if err != nil {
			return nil, err
		}
		it.neg = neg != t.neg
		it.plain = it.plain && !it.neg
		items = append(items, it)
		neg = false
	}
	if depth > 0 {
		return nil, api.BadRequest("q", "unbalanced '(': missing ')'")
	}
	return p.names(items)
}

// clause builds the query of one word, phrase or field.
func (p *simpleParser) clause(t stok) (sitem, error) {
	switch t.kind {
	case sPhrase:
		return sitem{q: p.phrase(t.text)}, nil
	case sField:
		q, err := p.field(t)
		return sitem{q: q}, err
	}
	w := t.text
	if strings.HasSuffix(w, "*") && strings.TrimRight(w, "*") != "" {
		p.patterns++
		pq := query.NewPrefixQuery(strings.ToLower(strings.TrimRight(w, "*")))
		return sitem{q: pq}, nil
	}
	return sitem{q: p.word(w), word: w, plain: true}, nil
}

// word is the query of one typed word: nothing for a stop word, a phrase
// for a word of several tokens ("11:30", "NHS-funded"), else its term with
// the typos its length allows.
func (p *simpleParser) word(w string) query.Query {
	toks := p.an.Analyze([]byte(w))
	switch len(toks) {
	case 0:
		return nil
	case 1:
		term := string(toks[0].Term)
		fuzz := 0
		if !strings.ContainsAny(w, "0123456789") {
			fuzz = min(typoBudget(utf8.RuneCountInString(w)), typoBudget(utf8.RuneCountInString(term)))
		}
		return &typoQuery{Term: term, Fuzziness: fuzz}
	}
	return p.phrase(w)
}

// phrase is the query of a "phrase": nil when it is only stop words.
func (p *simpleParser) phrase(text string) query.Query {
	if len(p.an.Analyze([]byte(text))) == 0 {
		return nil
	}
	return query.NewMatchPhraseQuery(text)
}

// field builds the query of a field:value clause.
func (p *simpleParser) field(t stok) (query.Query, error) {
	switch {
	case t.field == FieldPublished:
		return publishedQuery(t.text)
	case p.s.IsNumeric(t.field):
		k, _ := p.s.Lookup(t.field)
		return numericQuery(k, t.text)
	}
	if strings.TrimSpace(t.text) == "" {
		return nil, api.BadRequest("q", "%s: needs a value", t.field)
	}
	// The value as written, in any case and accents, and the entities of
	// this kind it names in full ("union:RCN").
	qs := []query.Query{&valueQuery{Field: t.field, Value: t.text}}
	words := strings.Fields(t.text)
	names, err := tag.QueryNames(words)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if string(n.Kind) == t.field && n.Start == 0 && n.End == len(words) && api.Fold(n.Value) != api.Fold(t.text) {
			qs = append(qs, &entityQuery{Field: t.field, Value: n.Value, Boost: 1})
		}
	}
	if len(qs) == 1 {
		return qs[0], nil
	}
	return query.NewDisjunctionQuery(qs), nil
}

// names replaces each run of plain words of items that names entities
// with one clause: the words, or an article tagged with one of the
// entities.
func (p *simpleParser) names(items []sitem) ([]sitem, error) {
	var out []sitem
	for i := 0; i < len(items); {
		if !items[i].plain {
			out = append(out, items[i])
			i++
			continue
		}
		j := i
		for j < len(items) && items[j].plain {
			j++
		}
		run := items[i:j]
		words := make([]string, len(run))
		for k, it := range run {
			words[k] = it.word
		}
		found, err := tag.QueryNames(words)
		if err != nil {
			return nil, err
		}
		k := 0
		for len(found) > 0 {
			start, end := found[0].Start, found[0].End
			out = append(out, run[k:start]...)
			var same []tag.QueryName
			for len(found) > 0 && found[0].Start == start {
				same = append(same, found[0])
				found = found[1:]
			}
			out = append(out, p.named(run[start:end], words[start:end], same))
			k = end
		}
		out = append(out, run[k:]...)
		i = j
	}
	return out, nil
}

// named is the clause of words that name entities: the words' own
// clauses, or the entities' tags.
func (p *simpleParser) named(run []sitem, words []string, names []tag.QueryName) sitem {
	var own []query.Query
	for _, it := range run {
		if it.q != nil {
			own = append(own, it.q)
		}
	}
	var alts []query.Query
	switch len(own) {
	case 0:
	case 1:
		alts = append(alts, own[0])
	default:
		alts = append(alts, query.NewConjunctionQuery(own))
	}
	text := strings.Join(words, " ")
	for _, n := range names {
		alts = append(alts, &entityQuery{Field: string(n.Kind), Value: n.Value, Boost: 1})
		p.clauses++
		e := api.QueryEntity{Kind: string(n.Kind), Value: n.Value, Text: text}
		if !slices.Contains(p.entities, e) {
			p.entities = append(p.entities, e)
		}
	}
	return sitem{q: query.NewDisjunctionQuery(alts)}
}

// allOf is the query of an AND list: every positive clause, none of the
// negated ones. Nil when it has no clause left.
func allOf(items []sitem) query.Query {
	pos, neg := split(items)
	switch {
	case len(pos) == 0 && len(neg) == 0:
		return nil
	case len(neg) == 0 && len(pos) == 1:
		return pos[0]
	case len(neg) == 0:
		return query.NewConjunctionQuery(pos)
	case len(pos) == 0:
		return query.NewBooleanQuery(nil, nil, []query.Query{query.NewDisjunctionQuery(neg)})
	}
	return query.NewBooleanQuery([]query.Query{query.NewConjunctionQuery(pos)}, nil, []query.Query{query.NewDisjunctionQuery(neg)})
}

// anyOf is the fallback of an AND list of two positive clauses or more:
// any of them, none of the negated ones.
func anyOf(items []sitem) query.Query {
	pos, neg := split(items)
	if len(pos) < 2 {
		return nil
	}
	any := query.NewDisjunctionQuery(pos)
	if len(neg) == 0 {
		return any
	}
	return query.NewBooleanQuery([]query.Query{any}, nil, []query.Query{query.NewDisjunctionQuery(neg)})
}

// eitherOf is the query of AND lists joined by OR.
func eitherOf(groups [][]sitem) query.Query {
	var qs []query.Query
	for _, g := range groups {
		if q := allOf(g); q != nil {
			qs = append(qs, q)
		}
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func split(items []sitem) (pos, neg []query.Query) {
	for _, it := range items {
		switch {
		case it.q == nil:
		case it.neg:
			neg = append(neg, it.q)
		default:
			pos = append(pos, it.q)
		}
	}
	return pos, neg
}

// numericQuery is the query of jobs:>500, amount:>1m, amount:£2.5bn,
// jobs:100..500: a comparison (>, >=, <, <=, =, or none: equal) with a
// number (commas allowed; for money a £ and a k, m or bn suffix), or an
// inclusive range a..b.
func numericQuery(k schema.Kind, v string) (query.Query, error) {
	bad := func() error {
		return api.BadRequest("q", "%s: want a number, a comparison such as %s:>500 or a range such as %s:100..500, got %q", k.Name(), k.Name(), k.Name(), api.Truncate(v, 40))
	}
	money := k.Format == schema.FormatMoney
	if lo, hi, ok := strings.Cut(v, ".."); ok {
		a, okA := parseNumber(lo, money)
		b, okB := parseNumber(hi, money)
		if !okA || !okB || a > b {
			return nil, bad()
		}
		return numRange(k.Name(), &a, &b, true, true), nil
	}
	op := ""
	for _, o := range []string{">=", "<=", ">", "<", "="} {
		if rest, ok := strings.CutPrefix(v, o); ok {
			op, v = o, rest
			break
		}
	}
	n, ok := parseNumber(v, money)
	if !ok {
		return nil, bad()
	}
	switch op {
	case ">":
		return numRange(k.Name(), &n, nil, false, false), nil
	case ">=":
		return numRange(k.Name(), &n, nil, true, false), nil
	case "<":
		return numRange(k.Name(), nil, &n, false, false), nil
	case "<=":
		return numRange(k.Name(), nil, &n, false, true), nil
	}
	return numRange(k.Name(), &n, &n, true, true), nil
}

func numRange(field string, lo, hi *float64, loIn, hiIn bool) query.Query {
	q := query.NewNumericRangeInclusiveQuery(lo, hi, &loIn, &hiIn)
	q.SetField(field)
	return q
}

// parseNumber reads 1,200 or 2.5; with money, also £ before it and k, m
// or bn after it (thousand, million, billion). It refuses what is not a
// finite number.
func parseNumber(s string, money bool) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	mult := 1.0
	if money {
		s = strings.TrimPrefix(s, "£")
		low := strings.ToLower(s)
		for _, u := range []struct {
			suffix string
			mult   float64
		}{{"bn", 1e9}, {"b", 1e9}, {"m", 1e6}, {"k", 1e3}} {
			if strings.HasSuffix(low, u.suffix) {
				s, mult = s[:len(s)-len(u.suffix)], u.mult
				break
			}
		}
	}
	if s == "" || strings.ContainsAny(s, "eEpPxX_") { // no 1e400, no hex
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f*mult, 0) {
		return 0, false
	}
	return f * mult, true
}

// publishedQuery is the query of published:2024, published:2024-03,
// published:2024-03-15 (that year, month or day, UTC), with >, >=, < or
// <= before it (after or before that period), or a..b (from the start of
// a to the end of b).
func publishedQuery(v string) (query.Query, error) {
	bad := func() error {
		return api.BadRequest("q", "published: want a year, month or day (2024, 2024-03, 2024-03-15), a comparison such as published:>=2023, or a range such as published:2020..2022, got %q", api.Truncate(v, 40))
	}
	if lo, hi, ok := strings.Cut(v, ".."); ok {
		a, _, okA := period(lo)
		_, b, okB := period(hi)
		if !okA || !okB || !a.Before(b) {
			return nil, bad()
		}
		return dateRange(a, b), nil
	}
	op := ""
	for _, o := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(v, o); ok {
			op, v = o, rest
			break
		}
	}
	start, end, ok := period(v)
	if !ok {
		return nil, bad()
	}
	var zero time.Time
	switch op {
	case ">":
		return dateRange(end, zero), nil
	case ">=":
		return dateRange(start, zero), nil
	case "<":
		return dateRange(zero, start), nil
	case "<=":
		return dateRange(zero, end), nil
	}
	return dateRange(start, end), nil
}

// period is the UTC year, month or day v names: [start, end).
func period(v string) (time.Time, time.Time, bool) {
	for _, f := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{time.DateOnly, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	} {
		if len(v) != len(f.layout) {
			continue
		}
		if t, err := time.Parse(f.layout, v); err == nil {
			return t, f.next(t), true
		}
	}
	return time.Time{}, time.Time{}, false
}

// dateRange matches publication times in [start, end); a zero bound is
// open.
func dateRange(start, end time.Time) query.Query {
	in, out := true, false
	q := query.NewDateRangeInclusiveQuery(start, end, &in, &out)
	q.SetField(FieldPublished)
	return q
}
