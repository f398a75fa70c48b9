package search

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Evaluator decides, for many queries and a few articles at a time,
// whether /api/search would find an article, without a search of any
// index: each article's searchable text is taken from the index's own
// analysis of the write (index.Written.Analysed) or, when there is none,
// analysed with the index mapping's analyzers (NewBatch), and each
// query, parsed
// once (Compile), is evaluated against those terms and positions as
// bleve's searchers would: terms, phrases (positions, stop-word gaps),
// boolean must/should/must-not with bleve's rules for clauses that
// analyse to nothing, fuzzy terms (Levenshtein with transpositions, the
// automaton scorch uses), and field-qualified terms on the text fields and
// the name kinds. A query with anything else (wildcards, regexps, numeric
// or date ranges in q, other fields) is not Exact: its caller must ask
// Service.Matches or a Percolator instead. The query's filters and ranges
// (api.Request's facets) are not evaluated here either.
//
// TestEvaluatorMatchesSearch checks it against the live index's search.
type Evaluator struct {
	s *schema.Schema
	m mapping.IndexMapping
	// text are the analysed text fields (title, text), with their
	// analyzers; allField (_all) is their composite.
	text     []textField
	allField string
	// keywords are the name kinds' fields, whose terms are an article's
	// canonical values of the kind.
	keywords map[string]tag.Kind
}

type textField struct {
	name string
	an   analysis.Analyzer
}

// NewEvaluator returns the Evaluator of the index mapping of s
// (index.NewMapping).
func NewEvaluator(s *schema.Schema) (*Evaluator, error) {
	m := index.NewMapping(s)
	e := &Evaluator{s: s, m: m, allField: m.DefaultSearchField(), keywords: map[string]tag.Kind{}}
	for _, f := range []string{index.FieldTitle, index.FieldText} {
		name := m.AnalyzerNameForPath(f)
		an := m.AnalyzerNamed(name)
		if an == nil {
			return nil, fmt.Errorf("evaluator: no analyzer %q for field %s", name, f)
		}
		e.text = append(e.text, textField{name: f, an: an})
	}
	for _, k := range s.Kinds() {
		if !k.Numeric {
			e.keywords[k.Name()] = k.Kind
		}
	}
	return e, nil
}

// Batch is a few articles analysed for evaluating queries against them.
// It is not safe for concurrent use.
type Batch struct {
	e    *Evaluator
	docs []batchDoc
	// post maps a field (a text field, _all, or a name kind) and a term
	// to the articles that hold it, in order.
	post map[string]map[string][]int
	// fuzzy caches the terms of the batch a fuzzy term expands to.
	fuzzy map[fuzzyKey][]string
	every []int // 0 ... len(docs)-1
	dicts map[string]*vellum.FST
	err   error // of the Match under way
}

type batchDoc struct {
	// pos maps each text field's terms to their positions.
	pos map[string]map[string][]int
	sum schema.Summary
}

type fuzzyKey struct {
	field, term string
	fuzz        int
}

// NewBatch analyses the articles ws (their title and text with the
// mapping's analyzers, their entities summarised) for Match, on every
// core. Article i of the batch is ws[i].
func (e *Evaluator) NewBatch(ws []index.Written) (*Batch, error) {
	b := &Batch{e: e, docs: make([]batchDoc, len(ws)), post: map[string]map[string][]int{}, fuzzy: map[fuzzyKey][]string{}, dicts: map[string]*vellum.FST{}}
	workers := min(runtime.GOMAXPROCS(0), len(ws))
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			defer func() {
				if r := recover(); r != nil {
					errs <- fmt.Errorf("evaluator: analysing a batch: panic: %v", r)
				}
			}()
			for i := w; i < len(ws); i += workers {
				b.docs[i] = e.analyse(ws[i])
			}
			errs <- nil
		}()
	}
	var err error
	for range workers {
		err = errors.Join(err, <-errs)
	}
	if err != nil {
		return nil, err
	}
	postings := func(field string) map[string][]int {
		p := b.post[field]
		if p == nil {
			p = map[string][]int{}
			b.post[field] = p
		}
		return p
	}
	all := postings(e.allField)
	for i, d := range b.docs {
		for _, f := range e.text {
			p := postings(f.name)
			for term := range d.pos[f.name] {
				p[term] = append(p[term], i)
				if l := all[term]; len(l) == 0 || l[len(l)-1] != i {
					all[term] = append(l, i)
				}
			}
		}
		for name, k := range e.keywords {
			p := postings(name)
			for _, v := range d.sum.Terms(k) {
				if l := p[v]; len(l) == 0 || l[len(l)-1] != i {
					p[v] = append(l, i)
				}
			}
		}
	}
	return b, nil
}

// analyse returns the terms and positions of w's text fields, as the
// index has them, and its entities summarised. The index's own analysis
// of the write (w.Analysed) is used when there is one.
func (e *Evaluator) analyse(w index.Written) batchDoc {
	d := batchDoc{pos: make(map[string]map[string][]int, len(e.text)), sum: e.s.Summarize(w.Entities)}
	for _, f := range e.text {
		if tfs, ok := w.Analysed[f.name]; ok && withPositions(tfs) {
			terms := make(map[string][]int, len(tfs))
			for term, tf := range tfs {
				ps := make([]int, len(tf.Locations))
				for j, l := range tf.Locations {
					ps[j] = l.Position
				}
				terms[term] = ps
			}
			d.pos[f.name] = terms
			continue
		}
		val := w.Article.Title
		if f.name == index.FieldText {
			val = w.Article.Text
		}
		toks := f.an.Analyze([]byte(val))
		terms := make(map[string][]int, len(toks)/2)
		for _, t := range toks {
			term := string(t.Term)
			terms[term] = append(terms[term], t.Position)
		}
		d.pos[f.name] = terms
	}
	return d
}

// withPositions reports whether tfs has the positions of its terms (the
// field keeps term vectors).
func withPositions(tfs bindex.TokenFrequencies) bool {
	for _, tf := range tfs {
		if len(tf.Locations) != tf.Frequency() {
			return false
		}
	}
	return true
}

// Summary is article i's entities summarised.
func (b *Batch) Summary(i int) schema.Summary { return b.docs[i].sum }

// Compiled is a query compiled for Batch.Match.
type Compiled struct {
	root node // nil: matches nothing
	// exact is false when the query has a part the Evaluator cannot
	// decide.
	exact bool
	// anchors, when anchored, are terms one of which an article must
	// hold (in the field given) to be matched.
	anchors  []anchor
	anchored bool
	// suffice: holding an anchor is matching (a term, or terms any of
	// which will do).
	suffice bool
}

type anchor struct{ field, term string }

// Exact reports whether Match decides c exactly; when not, the caller
// must use Service.Matches or a Percolator.
func (c *Compiled) Exact() bool { return c.exact }

// Compile parses q in syntax as Service.Search does (Parse) and compiles
// it: the whole query, never the simple syntax's fallback (as Matches). A
// malformed query is an *api.BadRequestError.
func (e *Evaluator) Compile(q, syntax string) (*Compiled, error) {
	p, err := Parse(e.s, q, syntax)
	if err != nil {
		return nil, err
	}
	c := &Compiled{exact: true}
	c.root = e.compile(p.Query, c)
	if c.exact && c.root != nil {
		c.anchors, c.anchored = c.root.anchors()
		c.suffice = termsOnly(c.root)
	}
	return c, nil
}

// termsOnly reports whether n is a term or a disjunction of terms.
func termsOnly(n node) bool {
	switch n := n.(type) {
	case termNode:
		return true
	case orNode:
		for _, s := range n {
			if !termsOnly(s) {
				return false
			}
		}
		return true
	}
	return false
}

// AnchorsSuffice reports whether c matches every article Candidates
// returns (c is a term, or terms any of which will do), so that Match
// need not be asked.
func (c *Compiled) AnchorsSuffice() bool { return c.suffice }

// Candidates returns the articles of b that c may match, in order: those
// that hold one of its anchors, or all of them. The slice may be b's
// own: do not modify it.
func (b *Batch) Candidates(c *Compiled) []int {
	if c.root == nil {
		return nil
	}
	if !c.anchored {
		if len(b.every) != len(b.docs) {
			b.every = make([]int, len(b.docs))
			for i := range b.every {
				b.every[i] = i
			}
		}
		return b.every
	}
	if len(c.anchors) == 1 {
		return b.post[c.anchors[0].field][c.anchors[0].term]
	}
	var out []int
	for _, a := range c.anchors {
		out = append(out, b.post[a.field][a.term]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Holding returns the articles of b that hold one of terms in field (a
// text field, _all, or a name kind's field, whose terms are its canonical
// values), in order. The slice may be b's own: do not modify it.
func (b *Batch) Holding(field string, terms []string) []int {
	if len(terms) == 1 {
		return b.post[field][terms[0]]
	}
	var out []int
	for _, t := range terms {
		out = append(out, b.post[field][t]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HoldingFolded returns the articles of b with a value of the name kind
// field that folds (api.Fold) to one of folded, in order: the articles a
// filter by those values keeps, as the search matches filters.
func (b *Batch) HoldingFolded(field string, folded []string) []int {
	var terms []string
	for t := range b.post[field] {
		if slices.Contains(folded, api.Fold(t)) {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil
	}
	return b.Holding(field, terms)
}

// Match reports whether c (Exact) matches article i of b.
func (b *Batch) Match(c *Compiled, i int) (bool, error) {
	if c.root == nil {
		return false, nil
	}
	b.err = nil
	m := c.root.match(b, i)
	if b.err != nil {
		return false, b.err
	}
	return m, nil
}

// node is a compiled query: match reports whether it matches article i.
type node interface {
	match(b *Batch, i int) bool
	// anchors returns terms one of which an article must hold to be
	// matched, if there are such.
	anchors() ([]anchor, bool)
}

// compile compiles q; nil means bleve's MatchNone searcher (a query that
// analyses to no terms), which boolean queries in query-string mode drop.
// A part it cannot decide sets c.exact to false.
func (e *Evaluator) compile(q query.Query, c *Compiled) node {
	switch q := q.(type) {
	case *query.MatchAllQuery:
		return allNode{}
	case *query.MatchNoneQuery:
		return nil
	case *query.BooleanQuery:
		if q.Filter != nil {
			c.exact = false
			return nil
		}
		var n boolNode
		if q.Must != nil {
			n.must = e.compile(q.Must, c)
		}
		if q.Should != nil {
			if d, ok := q.Should.(*query.DisjunctionQuery); !ok || d.Min != 0 {
				// With a must clause, bleve requires the should clauses
				// only when their minimum is above 0; ParseQuery makes 0.
				c.exact = false
				return nil
			}
			n.should = e.compile(q.Should, c)
		}
		if q.MustNot != nil {
			n.mustNot = e.compile(q.MustNot, c)
		}
		switch {
		case n.must == nil && n.should == nil && n.mustNot == nil:
			return nil
		case n.mustNot == nil && n.should == nil:
			return n.must
		case n.mustNot == nil && n.must == nil:
			return n.should
		}
		return n
	case *query.ConjunctionQuery:
		// The conjunctions and disjunctions of a parsed query are all in
		// query-string mode (ParseQuery builds them with
		// NewBooleanQueryForQueryString), which skips MatchNone clauses.
		n := e.compileEach(q.Conjuncts, c)
		if len(n) < 2 {
			return single(n)
		}
		return andNode(n)
	case *query.DisjunctionQuery:
		if q.Min > 1 {
			c.exact = false
			return nil
		}
		n := e.compileEach(q.Disjuncts, c)
		if len(n) < 2 {
			return single(n)
		}
		return orNode(n)
	case *query.MatchQuery:
		field, an, ok := e.queryField(q.FieldVal, q.Analyzer)
		if !ok || q.Prefix != 0 || q.Fuzziness < 0 || q.Fuzziness > MaxFuzziness {
			c.exact = false
			return nil
		}
		toks := an.Analyze([]byte(q.Match))
		if len(toks) == 0 {
			return nil
		}
		terms := make([]node, len(toks))
		for i, t := range toks {
			if q.Fuzziness > 0 {
				f, err := newFuzzyNode(field, string(t.Term), q.Fuzziness)
				if err != nil {
					c.exact = false
					return nil
				}
				terms[i] = f
			} else {
				terms[i] = termNode{field: field, term: string(t.Term)}
			}
		}
		if len(terms) == 1 {
			return terms[0]
		}
		if q.Operator == query.MatchQueryOperatorAnd {
			return andNode(terms)
		}
		return orNode(terms)
	case *typoQuery:
		field, _, ok := e.queryField(q.Field, "")
		if !ok || q.Fuzziness < 0 || q.Fuzziness > MaxFuzziness {
			c.exact = false
			return nil
		}
		if q.Fuzziness == 0 {
			return termNode{field: field, term: q.Term}
		}
		f, err := newFuzzyNode(field, q.Term, q.Fuzziness)
		if err != nil {
			c.exact = false
			return nil
		}
		f.capped = true
		return f
	case *entityQuery:
		if !e.keywordKind(q.Field) {
			c.exact = false
			return nil
		}
		return termNode{field: q.Field, term: q.Value}
	case *valueQuery:
		if !e.keywordKind(q.Field) {
			c.exact = false
			return nil
		}
		if api.Fold(q.Value) == "" {
			return nil
		}
		return foldNode{field: q.Field, fold: api.Fold(q.Value)}
	case *query.MatchPhraseQuery:
		field, an, ok := e.queryField(q.FieldVal, q.Analyzer)
		if !ok || q.Fuzziness != 0 || e.keywordKind(field) {
			c.exact = false
			return nil
		}
		toks := an.Analyze([]byte(q.MatchPhrase))
		if len(toks) == 0 {
			return nil
		}
		// As bleve's tokenStreamToPhrase: a slot per position from the
		// first token's, empty where the analyzer dropped a word.
		first, last := toks[0].Position, toks[0].Position
		for _, t := range toks {
			first, last = min(first, t.Position), max(last, t.Position)
		}
		slots := make([][]string, last-first+1)
		for _, t := range toks {
			slots[t.Position-first] = append(slots[t.Position-first], string(t.Term))
		}
		return phraseNode{field: field, slots: slots}
	}
	c.exact = false
	return nil
}

// queryField resolves a query's field and analyzer as bleve's MatchQuery
// does, and reports whether the Evaluator knows the field's terms.
func (e *Evaluator) queryField(field, analyzer string) (string, analysis.Analyzer, bool) {
	if field == "" {
		field = e.m.DefaultSearchField()
	}
	known := field == e.allField || e.keywordKind(field)
	for _, f := range e.text {
		known = known || f.name == field
	}
	if !known {
		return "", nil, false
	}
	if analyzer == "" {
		analyzer = e.m.AnalyzerNameForPath(field)
	}
	an := e.m.AnalyzerNamed(analyzer)
	return field, an, an != nil
}

func (e *Evaluator) keywordKind(field string) bool {
	_, ok := e.keywords[field]
	return ok
}

// has reports whether article i holds term in field.
func (b *Batch) has(field, term string, i int) bool {
	_, ok := slices.BinarySearch(b.post[field][term], i)
	return ok
}

type allNode struct{}

func (allNode) match(*Batch, int) bool    { return true }
func (allNode) anchors() ([]anchor, bool) { return nil, false }

type termNode struct{ field, term string }

func (n termNode) match(b *Batch, i int) bool { return b.has(n.field, n.term, i) }
func (n termNode) anchors() ([]anchor, bool) {
	return []anchor{{n.field, n.term}}, true
}

// fuzzyNode is a term with its Levenshtein automaton: it matches the
// articles holding a term of the field within its distance, as bleve's
// fuzzy searcher over scorch (with transpositions, no prefix).
type fuzzyNode struct {
	field, term string
	fuzz        int
	dfa         *levenshtein.DFA
	// capped: a typo term of the simple syntax, which the search
	// expands to the MaxTypoTerms nearest terms of the index, and the
	// Evaluator to those of the batch (the same terms unless the index
	// has more than that many within reach).
	capped bool
}

var levBuilders = sync.OnceValues(func() ([2]*levenshtein.LevenshteinAutomatonBuilder, error) {
	var out [2]*levenshtein.LevenshteinAutomatonBuilder
	for i := range out {
		lb, err := levenshtein.NewLevenshteinAutomatonBuilder(uint8(i+1), true)
		if err != nil {
			return out, err
		}
		out[i] = lb
	}
	return out, nil
})

func newFuzzyNode(field, term string, fuzz int) (*fuzzyNode, error) {
	lbs, err := levBuilders()
	if err != nil {
		return nil, err
	}
	dfa, err := lbs[fuzz-1].BuildDfa(term, uint8(fuzz))
	if err != nil {
		return nil, err
	}
	return &fuzzyNode{field: field, term: term, fuzz: fuzz, dfa: dfa}, nil
}

// expand returns the terms of the batch's field within n's distance: the
// terms its automaton accepts in an FST of the field's terms, as scorch
// finds them in a segment's dictionary. n's field must be known.
func (b *Batch) expand(n *fuzzyNode) ([]string, error) {
	k := fuzzyKey{n.field, n.term, n.fuzz}
	if ts, ok := b.fuzzy[k]; ok {
		return ts, nil
	}
	fst, err := b.dict(n.field)
	if err != nil {
		return nil, err
	}
	var ts []string
	it, err := fst.Search(n.dfa, nil, nil)
	for err == nil {
		t, _ := it.Current()
		ts = append(ts, string(t))
		err = it.Next()
	}
	if !errors.Is(err, vellum.ErrIteratorDone) {
		return nil, fmt.Errorf("evaluator: fuzzy %q: %w", n.term, err)
	}
	b.fuzzy[k] = ts
	return ts, nil
}

// dict returns the FST of the terms of field in the batch, made on first
// use.
func (b *Batch) dict(field string) (*vellum.FST, error) {
	if f, ok := b.dicts[field]; ok {
		return f, nil
	}
	terms := make([]string, 0, len(b.post[field]))
	for t := range b.post[field] {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	var buf bytes.Buffer
	bld, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, fmt.Errorf("evaluator: terms of %s: %w", field, err)
	}
	for _, t := range terms {
		if err := bld.Insert([]byte(t), 0); err != nil {
			return nil, fmt.Errorf("evaluator: terms of %s: %w", field, err)
		}
	}
	if err := bld.Close(); err != nil {
		return nil, fmt.Errorf("evaluator: terms of %s: %w", field, err)
	}
	f, err := vellum.Load(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("evaluator: terms of %s: %w", field, err)
	}
	b.dicts[field] = f
	return f, nil
}

func (n *fuzzyNode) match(b *Batch, i int) bool {
	if n.capped && b.has(n.field, n.term, i) {
		return true
	}
	ts, err := b.expand(n)
	if err != nil {
		b.err = err // Match returns it
		return false
	}
	for _, t := range ts {
		if b.has(n.field, t, i) {
			return true
		}
	}
	return false
}

func (n *fuzzyNode) anchors() ([]anchor, bool) { return nil, false }

// foldNode matches the articles with a value of a name kind that folds
// to fold (api.Fold), as valueQuery does.
type foldNode struct{ field, fold string }

func (n foldNode) match(b *Batch, i int) bool {
	for _, v := range b.docs[i].sum.Terms(b.e.keywords[n.field]) {
		if api.Fold(v) == n.fold {
			return true
		}
	}
	return false
}

func (foldNode) anchors() ([]anchor, bool) { return nil, false }

// phraseNode matches the articles with its terms at consecutive positions
// (a slot may hold several terms, or none: a word the analyzer dropped)
// within one text field; on _all, within title or within text, as bleve
// checks a phrase's positions per field.
type phraseNode struct {
	field string
	slots [][]string
}

func (n phraseNode) match(b *Batch, i int) bool {
	for _, f := range b.e.text {
		if n.field == f.name || n.field == b.e.allField {
			if n.matchIn(b.docs[i].pos[f.name]) {
				return true
			}
		}
	}
	return false
}

func (n phraseNode) matchIn(pos map[string][]int) bool {
	for _, t := range n.slots[0] {
	start:
		for _, p := range pos[t] {
			for j := 1; j < len(n.slots); j++ {
				if len(n.slots[j]) == 0 {
					continue
				}
				if !slices.ContainsFunc(n.slots[j], func(t string) bool { return slices.Contains(pos[t], p+j) }) {
					continue start
				}
			}
			return true
		}
	}
	return false
}

func (n phraseNode) anchors() ([]anchor, bool) {
	out := make([]anchor, len(n.slots[0]))
	for i, t := range n.slots[0] {
		out[i] = anchor{n.field, t}
	}
	return out, true
}

type andNode []node

func (n andNode) match(b *Batch, i int) bool {
	for _, s := range n {
		if !s.match(b, i) {
			return false
		}
	}
	return true
}

// anchors of a conjunction are those of any of its anchored clauses: the
// fewest.
func (n andNode) anchors() ([]anchor, bool) {
	var best []anchor
	found := false
	for _, s := range n {
		if as, ok := s.anchors(); ok && (!found || len(as) < len(best)) {
			best, found = as, true
		}
	}
	return best, found
}

type orNode []node

func (n orNode) match(b *Batch, i int) bool {
	for _, s := range n {
		if s.match(b, i) {
			return true
		}
	}
	return false
}

func (n orNode) anchors() ([]anchor, bool) {
	var out []anchor
	for _, s := range n {
		as, ok := s.anchors()
		if !ok {
			return nil, false
		}
		out = append(out, as...)
	}
	return out, true
}

// boolNode is bleve's BooleanSearcher: the articles of must (or, without
// must, of should; without either, every article) that mustNot does not
// match. Should clauses are optional beside must (their minimum is 0).
type boolNode struct{ must, should, mustNot node }

func (n boolNode) match(b *Batch, i int) bool {
	switch {
	case n.must != nil:
		if !n.must.match(b, i) {
			return false
		}
	case n.should != nil:
		if !n.should.match(b, i) {
			return false
		}
	}
	return n.mustNot == nil || !n.mustNot.match(b, i)
}

func (n boolNode) anchors() ([]anchor, bool) {
	switch {
	case n.must != nil:
		return n.must.anchors()
	case n.should != nil:
		return n.should.anchors()
	}
	return nil, false
}

// compileEach compiles each of subs, leaving out those that match nothing
// to decide (nil).
func (e *Evaluator) compileEach(subs []query.Query, c *Compiled) []node {
	var out []node
	for _, sub := range subs {
		if n := e.compile(sub, c); n != nil {
			out = append(out, n)
		}
	}
	return out
}

// single returns the one clause of n, or nil for none.
func single(n []node) node {
	if len(n) == 0 {
		return nil
	}
	return n[0]
}
