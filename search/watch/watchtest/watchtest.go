// Package watchtest makes random watch searches for the tests and
// benchmarks of watches.
package watchtest

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"unicode"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Source is an article's text and its entities.
type Source struct {
	Text     string
	Entities []tag.Entity
}

// RandomSearches makes n watch searches (query strings of /api/search)
// from the words and entity values of srcs: a word, two words, a phrase,
// +word -word, a fuzzy word or no query, each with facet filters (one or
// two values) and ranges at random.
func RandomSearches(r *rand.Rand, srcs []Source, n int) []string {
	pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
	var words, phrases []string
	terms := map[string][]string{}
	// Words of letters: "2021~1" is not a query.
	clean := func(f string) bool {
		return len(f) > 3 && !strings.ContainsAny(f, "'’£%-/") && !strings.ContainsFunc(f, unicode.IsDigit)
	}
	for _, s := range srcs {
		fs := strings.Fields(strings.Map(func(c rune) rune {
			if strings.ContainsRune(`.,"():;`, c) {
				return ' '
			}
			return c
		}, s.Text))
		for i, f := range fs {
			if clean(f) {
				words = append(words, f)
				if i+1 < len(fs) && clean(fs[i+1]) {
					phrases = append(phrases, f+" "+fs[i+1])
				}
			}
		}
		sum := schema.Default.Summarize(s.Entities)
		for _, name := range schema.Default.TermNames() {
			terms[name] = append(terms[name], sum.Terms(tag.Kind(name))...)
		}
	}
	var out []string
	for range n {
		v := url.Values{}
		switch r.IntN(6) {
		case 0:
			v.Set("q", pick(words))
		case 1:
			v.Set("q", pick(words)+" "+pick(words))
		case 2:
			v.Set("q", `"`+pick(phrases)+`"`)
		case 3:
			v.Set("q", "+"+pick(words)+" -"+pick(words))
		case 4:
			v.Set("q", pick(words)+"~1")
		}
		for _, name := range schema.Default.TermNames() {
			if len(terms[name]) > 0 && r.IntN(4) == 0 {
				v.Add(name, pick(terms[name]))
				if r.IntN(3) == 0 {
					v.Add(name, pick(terms[name]))
				}
			}
		}
		if r.IntN(4) == 0 {
			v.Set("jobs_min", fmt.Sprint(r.IntN(400)))
		}
		if r.IntN(5) == 0 {
			v.Set("amount_max", fmt.Sprint(r.IntN(200_000_000)))
		}
		out = append(out, v.Encode())
	}
	return out
}
