// Package watchtest makes random watch searches for the tests and
// benchmarks of watches.
package watchtest

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
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
// two values) and ranges at random. The benchmarks' mix.
func RandomSearches(r *rand.Rand, srcs []Source, n int) []string {
	return randomSearches(r, srcs, n, false)
}

// WideSearches are RandomSearches with more forms of query among them:
// field-qualified words and phrases, names in the query, stop words
// alone and in phrases, fuzzy words at distance 2 or one edit away,
// negations alone, groups, upper case, and a few the watches cannot
// evaluate without a search (prefix*, numbers).
func WideSearches(r *rand.Rand, srcs []Source, n int) []string {
	return randomSearches(r, srcs, n, true)
}

func randomSearches(r *rand.Rand, srcs []Source, n int, wide bool) []string {
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
	stop := []string{"the", "of", "and", "to", "a", "in"}
	var names []string
	for _, name := range schema.Default.TermNames() {
		for _, v := range terms[name] {
			names = append(names, fmt.Sprintf("%s:%q", name, v))
		}
	}
	forms := 6
	if wide {
		forms = 17
	}
	var out []string
	for range n {
		v := url.Values{}
		switch r.IntN(forms) {
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
		case 6:
			v.Set("q", pick([]string{"title:", "text:"})+pick(words)+" "+pick(words))
		case 7:
			v.Set("q", pick([]string{"title:", "text:", ""})+`"`+pick(stop)+" "+pick(phrases)+`"`)
		case 8:
			if len(names) > 0 {
				v.Set("q", "+"+pick(names)+" "+pick(words))
			}
		case 9:
			v.Set("q", "+"+pick(stop)+" "+pick(words)+" -"+pick(stop))
		case 10:
			w := []rune(pick(words))
			w[r.IntN(len(w))] = rune('a' + r.IntN(26))
			v.Set("q", fmt.Sprintf("%s~%d", string(w), 1+r.IntN(2)))
		case 11:
			v.Set("q", "-"+pick(words))
		case 12:
			v.Set("q", "+("+pick(words)+" "+pick(words)+") -"+pick(words))
		case 13:
			v.Set("q", strings.ToUpper(pick(words))+" "+pick(words)+"~2")
		case 14:
			v.Set("q", pick(words)[:3]+"* "+pick([]string{"200", "2021", "nurse*"}))
		case 15:
			// The simple syntax's typos, operators and fields in any case.
			w := []rune(pick(words))
			w[r.IntN(len(w))] = rune('a' + r.IntN(26))
			q := string(w) + pick([]string{" OR ", " ", " NOT "}) + pick(words)
			if len(names) > 0 && r.IntN(2) == 0 {
				q += " " + strings.ToLower(pick(names))
			}
			v.Set("q", q)
			v.Set("syntax", "simple")
		}
		// bleve's syntax for the forms that use it (+, ~, title:, ...),
		// and half the time for the others, which both syntaxes read.
		if q := v.Get("q"); v.Get("syntax") == "" && (strings.ContainsAny(q, "+~*") || strings.Contains(q, "title:") || strings.Contains(q, "text:") || r.IntN(2) == 0) {
			v.Set("syntax", "bleve")
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
		if wide {
			// Publication dates within bench/gen's years, from before to.
			from := time.Date(2008+r.IntN(19), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			if r.IntN(4) == 0 {
				v.Set("published_from", from.Format(time.DateOnly))
			}
			if r.IntN(4) == 0 {
				v.Set("published_to", from.AddDate(r.IntN(8), 0, 0).Format(time.DateOnly))
			}
		}
		out = append(out, v.Encode())
	}
	return out
}
