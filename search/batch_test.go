package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// liveBatch writes arts through a real Writer and returns the Service of
// its live index and the written articles.
func liveBatch(t *testing.T, arts []api.Article) (*Service, []index.Written) {
	t.Helper()
	ctx := context.Background()
	var written []index.Written
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: indextest.Tagger(t),
		AfterWrite: []func(index.Change){func(c index.Change) { written = append(written, c.Put...) }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	return New(w.Index(), Options{MaxSearches: -1}), written
}

// searchIDs returns the ids /api/search finds for q, sorted.
func searchIDs(t *testing.T, s *Service, q, syntax string) []string {
	t.Helper()
	res, err := s.Search(context.Background(), api.Request{Q: q, Syntax: syntax, NoRelax: true, Size: api.MaxSize, Facets: []string{api.FacetNone}})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	ids := hitIDs(res)
	slices.Sort(ids)
	return ids
}

// evalIDs returns the ids of the articles of b that c matches (among its
// candidates, as the watches ask), sorted.
func evalIDs(t *testing.T, b *Batch, c *Compiled, ws []index.Written) []string {
	t.Helper()
	var ids []string
	for _, i := range b.Candidates(c) {
		m := c.AnchorsSuffice()
		if !m {
			var err error
			if m, err = b.Match(c, i); err != nil {
				t.Fatal(err)
			}
		}
		if m {
			ids = append(ids, ws[i].Article.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestEvaluator checks the Evaluator's edge cases against what the live
// index's search finds and against the answer written down: stemming,
// case, possessives, stop words in phrases and alone, phrases that would
// span title and text, fuzzy distances (with a transposition), negation
// only, groups, field-qualified terms, and the queries it must leave to
// the exact path.
func TestEvaluator(t *testing.T) {
	arts := []api.Article{
		{ID: "a1", Title: "Nurses' strike", Text: "The trust's board cut 200 nursing jobs at the hospital."},
		{ID: "a2", Title: "Hospital cuts", Text: "Redundancies announced. Midwives and nurses affected."},
		{ID: "a3", Title: "Alpha beta", Text: "gamma delta epsilon"},
		{ID: "a4", Title: "Unison warns", Text: "The union warned of cuts to the service in Leeds."},
	}
	s, ws := liveBatch(t, arts)
	ev, err := NewEvaluator(schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ev.NewBatch(ws)
	if err != nil {
		t.Fatal(err)
	}
	read := slices.Clone(ws)
	for i := range read {
		read[i].Analysed = nil
	}
	rb, err := ev.NewBatch(read)
	if err != nil {
		t.Fatal(err)
	}
	none := []string(nil)
	for _, tc := range []struct {
		q     string
		exact bool
		want  []string
	}{
		{"", true, []string{"a1", "a2", "a3", "a4"}},
		{"   ", true, []string{"a1", "a2", "a3", "a4"}},
		{"nurses", true, []string{"a1", "a2"}},
		{"NURSES", true, []string{"a1", "a2"}},
		{"nurse", true, []string{"a1", "a2"}},
		{"redundancy", true, []string{"a2"}},
		{"trust's", true, []string{"a1"}},
		{"trust", true, []string{"a1"}},
		{`"cuts to the service"`, true, []string{"a4"}},
		{`"cuts the service"`, true, none},            // the gap is one word, not two
		{`"cuts to a service"`, true, []string{"a4"}}, // stop words are gaps, any word fills them
		{`"service cuts"`, true, none},
		{`"alpha beta"`, true, []string{"a3"}},
		{`"beta gamma"`, true, none}, // title's end and text's start are not adjacent
		{`"the"`, true, none},
		{"the", true, none},
		{"+the nurses", true, []string{"a1", "a2"}}, // a clause of stop words is dropped
		{"-nurses", true, []string{"a3", "a4"}},
		{"-the", true, none},
		{"-nurses -union", true, []string{"a3"}},
		{"nurses -midwives", true, []string{"a1"}},
		{"+nurses +midwives", true, []string{"a2"}},
		{"+(nurses midwives) -strike", true, []string{"a2"}},
		{"+(the) nurses", true, []string{"a1", "a2"}},
		{"(nurses -strike) (alpha)", true, []string{"a2", "a3"}},
		{"title:nurses", true, []string{"a1"}},
		{"text:nurses", true, []string{"a1", "a2"}}, // "nursing" stems to "nurs" too
		{"text:alpha", true, none},
		{`title:"alpha beta"`, true, []string{"a3"}},
		{`text:"alpha beta"`, true, none},
		{"_all:gamma", true, []string{"a3"}},
		{"gamme~1", true, []string{"a3"}},
		{"delat~1", true, []string{"a3"}}, // a transposition is one edit
		{"epxsilo~2", true, []string{"a3"}},
		{"epxsilo~1", true, none},
		{"zzzzzz~2", true, none},
		{"+zzzzzz~1 alpha", true, none},
		{"title:gamme~1", true, none},
		{"unison", true, []string{"a4"}},
		{"leeds", true, []string{"a4"}},
		{"200", false, []string{"a1"}}, // a number is also a numeric range
		{"nurs*", false, []string{"a1", "a2"}},
		{"/nurs.*/", false, []string{"a1", "a2"}},
		{`published:>"2020-01-01"`, false, none},
		{"jobs:>100", false, []string{"a1"}},
		{"nurses -jobs:>100", false, []string{"a2"}},
		{"nosuchfield:nurses", false, none},
	} {
		t.Run(tc.q, func(t *testing.T) {
			if got := searchIDs(t, s, tc.q, api.SyntaxBleve); !slices.Equal(got, tc.want) {
				t.Errorf("search finds %v, want %v", got, tc.want)
			}
			c, err := ev.Compile(tc.q, api.SyntaxBleve)
			if err != nil {
				t.Fatal(err)
			}
			if c.Exact() != tc.exact {
				t.Fatalf("Exact() = %v, want %v", c.Exact(), tc.exact)
			}
			if !tc.exact {
				return
			}
			if got := evalIDs(t, b, c, ws); !slices.Equal(got, tc.want) {
				t.Errorf("evaluator matches %v, want %v", got, tc.want)
			}
			if got := evalIDs(t, rb, c, ws); !slices.Equal(got, tc.want) {
				t.Errorf("evaluator (articles read back) matches %v, want %v", got, tc.want)
			}
		})
	}
}

// TestEvaluatorMatchesSearch is the property that makes the Evaluator
// safe for the watches: over random generated articles and random queries
// (words, stop words, phrases, +/-, groups, field-qualified terms, names,
// fuzzy terms of distance 1 and 2, negations alone, and queries it must
// refuse), every query it calls Exact matches exactly the articles that
// Service.Search finds in the live index holding them, and most queries
// are Exact.
func TestEvaluatorMatchesSearch(t *testing.T) {
	const articles, queries = 60, 1500
	g, err := gen.New(7)
	if err != nil {
		t.Fatal(err)
	}
	var arts []api.Article
	for i := range articles {
		a := g.Article(i)
		arts = append(arts, api.Article{ID: a.ID, Title: a.Title, Text: a.Text})
	}
	s, ws := liveBatch(t, arts)
	ev, err := NewEvaluator(schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	// The batch of the write, with the index's analysis of its articles,
	// and one of the same articles read back, analysed by the Evaluator.
	b, err := ev.NewBatch(ws)
	if err != nil {
		t.Fatal(err)
	}
	read := slices.Clone(ws)
	for i := range read {
		if read[i].Analysed == nil {
			t.Fatalf("the write did not give %s's analysis", read[i].Article.ID)
		}
		read[i].Analysed = nil
	}
	rb, err := ev.NewBatch(read)
	if err != nil {
		t.Fatal(err)
	}
	for _, syn := range []struct {
		syntax string
		make   func(*rand.Rand, []index.Written, int) []string
	}{{api.SyntaxBleve, randomQueries}, {api.SyntaxSimple, randomSimpleQueries}} {
		t.Run(syn.syntax, func(t *testing.T) {
			r := rand.New(rand.NewPCG(8, 9))
			exact, nonEmpty := 0, 0
			for _, q := range syn.make(r, ws, queries) {
				c, err := ev.Compile(q, syn.syntax)
				if err != nil {
					t.Fatalf("Compile(%q): %v", q, err)
				}
				if !c.Exact() {
					continue
				}
				exact++
				want := searchIDs(t, s, q, syn.syntax)
				if got := evalIDs(t, b, c, ws); !slices.Equal(got, want) {
					t.Errorf("%q: evaluator %v, search %v", q, got, want)
				}
				if got := evalIDs(t, rb, c, ws); !slices.Equal(got, want) {
					t.Errorf("%q: evaluator (articles read back) %v, search %v", q, got, want)
				}
				if len(want) > 0 {
					nonEmpty++
				}
			}
			if exact < queries*8/10 {
				t.Errorf("only %d of %d queries were exact", exact, queries)
			}
			if nonEmpty < exact/3 {
				t.Errorf("only %d of %d exact queries matched anything", nonEmpty, exact)
			}
		})
	}
}

// randomQueries makes n query strings from the words, phrases and names
// of ws, in every form the Evaluator decides and a few it must refuse.
func randomQueries(r *rand.Rand, ws []index.Written, n int) []string {
	pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
	var words, phrases, names []string
	for _, w := range ws {
		for _, text := range []string{w.Article.Title, w.Article.Text} {
			fs := strings.Fields(strings.Map(func(c rune) rune {
				if strings.ContainsRune(`.,"():;!?[]{}^~*\/+-`, c) {
					return ' '
				}
				return c
			}, text))
			for i, f := range fs {
				if strings.ContainsAny(f, "0123456789") {
					continue
				}
				words = append(words, f)
				if i+2 < len(fs) {
					phrases = append(phrases, strings.Join(fs[i:i+1+r.IntN(3)], " "))
				}
			}
		}
		sum := schema.Default.Summarize(w.Entities)
		for _, name := range schema.Default.TermNames() {
			for _, v := range sum.Terms(tag.Kind(name)) {
				names = append(names, fmt.Sprintf("%s:%q", name, v))
			}
		}
	}
	stop := []string{"the", "of", "and", "to", "a", "in", "is", "it's"}
	clause := func() string {
		switch r.IntN(12) {
		case 0:
			return pick(stop)
		case 1:
			return `"` + pick(phrases) + `"`
		case 2:
			return `"` + pick(stop) + " " + pick(words) + `"`
		case 3:
			return pick([]string{"title:", "text:", "_all:"}) + pick(words)
		case 4:
			return pick([]string{"title:", "text:"}) + `"` + pick(phrases) + `"`
		case 5:
			if len(names) > 0 {
				return pick(names)
			}
			return pick(words)
		case 6:
			return fmt.Sprintf("%s~%d", pick(words), 1+r.IntN(2))
		case 7:
			return strings.ToUpper(pick(words))
		case 8:
			// A word with a letter changed: fuzzy terms that match by an
			// edit rather than exactly.
			w := []rune(pick(words))
			w[r.IntN(len(w))] = rune('a' + r.IntN(26))
			return fmt.Sprintf("%s~%d", string(w), 1+r.IntN(2))
		case 9:
			if r.IntN(4) == 0 {
				return pick([]string{"nurs*", "jobs:>100", "200", "/cut.*/"}) // not exact
			}
			return pick(words)
		}
		return pick(words)
	}
	var out []string
	for range n {
		var parts []string
		for range 1 + r.IntN(3) {
			c := clause()
			switch r.IntN(6) {
			case 0:
				c = "+" + c
			case 1:
				c = "-" + c
			case 2:
				c = "(" + c + " " + clause() + ")"
				if r.IntN(2) == 0 {
					c = pick([]string{"+", "-"}) + c
				}
			}
			parts = append(parts, c)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// randomSimpleQueries makes n queries in the simple syntax from the words,
// phrases and names of ws: plain, capitalised and misspelt words (typo
// tolerance), stop words, phrases in straight and typographic quotes,
// AND, OR, NOT, -word, (groups), name fields in any case (union:unison),
// entity names and aliases (RCN, "the Rotherham"), colons that are plain
// text, and a few clauses the Evaluator must leave to the search
// (numeric and date fields, prefixes).
func randomSimpleQueries(r *rand.Rand, ws []index.Written, n int) []string {
	pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
	var words, phrases, names, values []string
	for _, w := range ws {
		for _, text := range []string{w.Article.Title, w.Article.Text} {
			fs := strings.Fields(strings.Map(func(c rune) rune {
				if strings.ContainsRune(`.,"():;!?[]{}^~*\/+-“”‘’„«»`, c) {
					return ' '
				}
				return c
			}, text))
			for i, f := range fs {
				if f == "AND" || f == "OR" || f == "NOT" {
					continue
				}
				words = append(words, f)
				if i+2 < len(fs) {
					phrases = append(phrases, strings.Join(fs[i:i+1+r.IntN(3)], " "))
				}
			}
		}
		sum := schema.Default.Summarize(w.Entities)
		for _, name := range schema.Default.TermNames() {
			for _, v := range sum.Terms(tag.Kind(name)) {
				names = append(names, fmt.Sprintf("%s:%q", name, v), fmt.Sprintf("%s:%q", name, strings.ToLower(v)))
				values = append(values, v)
			}
		}
	}
	stop := []string{"the", "of", "and", "to", "a", "in", "is", "it's"}
	aliases := []string{"RCN", "rcn", "Unsion", "Unison", "GMB", "the Rotherham", "Guy's", "Barts", "Leeds", "royal college of nursing"}
	typo := func(w string) string {
		rs := []rune(w)
		if len(rs) < 5 {
			return w
		}
		i := 1 + r.IntN(len(rs)-2)
		switch r.IntN(3) {
		case 0: // substitution
			rs[i] = rune('a' + r.IntN(26))
		case 1: // transposition
			rs[i], rs[i+1] = rs[i+1], rs[i]
		default: // deletion
			rs = append(rs[:i], rs[i+1:]...)
		}
		return string(rs)
	}
	quote := func(p string) string {
		switch r.IntN(4) {
		case 0:
			return "“" + p + "”"
		case 1:
			return "„" + p + "“"
		case 2:
			return "«" + p + "»"
		}
		return `"` + p + `"`
	}
	clause := func() string {
		switch r.IntN(14) {
		case 0:
			return pick(stop)
		case 1:
			return quote(pick(phrases))
		case 2:
			return typo(pick(words))
		case 3:
			return typo(typo(pick(words)))
		case 4:
			if len(names) > 0 {
				return pick(names)
			}
		case 5:
			return strings.ToUpper(pick(words))
		case 6:
			return pick(aliases)
		case 7:
			if len(values) > 0 {
				return pick(values)
			}
		case 8:
			return pick(words) + ":"
		case 9:
			if r.IntN(3) == 0 {
				return pick([]string{"nurs*", "jobs:>100", "amount:>1m", "published:2020", "jobs:50..500"}) // not exact
			}
		case 10:
			return strings.ToLower(pick(words))
		}
		return pick(words)
	}
	var out []string
	for range n {
		var parts []string
		for k := range 1 + r.IntN(3) {
			c := clause()
			switch r.IntN(8) {
			case 0:
				c = "-" + c
			case 1:
				c = "NOT " + c
			case 2:
				c = "(" + c + " OR " + clause() + ")"
			case 3:
				c = "(" + c + " " + clause() + ")"
				if r.IntN(2) == 0 {
					c = "-" + c
				}
			}
			if k > 0 {
				switch r.IntN(6) {
				case 0:
					c = "OR " + c
				case 1:
					c = "AND " + c
				}
			}
			parts = append(parts, c)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}
