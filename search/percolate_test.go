package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestPercolatorMatchesSearch is the property that makes the Percolator
// safe to use for filters and watches: over random generated articles and
// random requests (words, phrases, negations, name filters, ranges, and
// their mixes), the articles a Percolator over them matches are exactly
// those Service.Search finds in a live index holding the same articles.
func TestPercolatorMatchesSearch(t *testing.T) {
	const articles, requests = 60, 300
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var written []index.Written
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: tg,
		AfterWrite: []func(index.Change){func(c index.Change) { written = append(written, c.Put...) }}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	g, err := gen.New(7)
	if err != nil {
		t.Fatal(err)
	}
	var arts []api.Article
	for i := range articles {
		a := g.Article(i)
		arts = append(arts, api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	p, err := NewPercolator(schema.Default, written)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	svc := New(w.Index(), Options{MaxSearches: -1})

	r := rand.New(rand.NewPCG(1, 2))
	reqs := randomRequests(r, written, requests)
	nonEmpty := 0
	for _, req := range reqs {
		got, err := p.Match(ctx, req)
		if err != nil {
			t.Fatalf("Match(%s): %v", describe(req), err)
		}
		req.Size = api.MaxSize
		req.Facets = []string{api.FacetNone}
		req.NoRelax = true // Match never relaxes
		res, err := svc.Search(ctx, req)
		if err != nil {
			t.Fatalf("Search(%s): %v", describe(req), err)
		}
		var want []string
		for _, h := range res.Hits {
			want = append(want, h.ID)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: percolator %v, search %v", describe(req), got, want)
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	// The property means little if every request matched nothing.
	if nonEmpty < requests/3 {
		t.Errorf("only %d of %d requests matched anything", nonEmpty, requests)
	}
}

// randomRequests makes n requests from the words and entities of ws.
func randomRequests(r *rand.Rand, ws []index.Written, n int) []api.Request {
	pick := func(ss []string) string { return ss[r.IntN(len(ss))] }
	var words, phrases []string
	terms := map[string][]string{}
	var dates []time.Time
	for _, w := range ws {
		if !w.Article.Published.IsZero() {
			dates = append(dates, w.Article.Published)
		}
		fs := strings.Fields(strings.Map(func(c rune) rune {
			if c == '.' || c == ',' || c == '"' || c == '(' || c == ')' || c == ':' || c == ';' {
				return ' '
			}
			return c
		}, w.Article.Text))
		for i, f := range fs {
			if len(f) > 3 && !strings.ContainsAny(f, "'’£%-/") {
				words = append(words, f)
				if i+1 < len(fs) && len(fs[i+1]) > 3 && !strings.ContainsAny(fs[i+1], "'’£%-/") {
					phrases = append(phrases, f+" "+fs[i+1])
				}
			}
			// Three words, stop words too ("cuts to nursing": a gap
			// in the phrase's positions).
			if i+2 < len(fs) && !strings.ContainsAny(f+fs[i+1]+fs[i+2], "'’£%-/") {
				phrases = append(phrases, f+" "+fs[i+1]+" "+fs[i+2])
			}
		}
		sum := schema.Default.Summarize(w.Entities)
		for _, name := range schema.Default.TermNames() {
			terms[name] = append(terms[name], sum.Terms(tag.Kind(name))...)
		}
	}
	var out []api.Request
	for range n {
		var req api.Request
		var q []string
		// A filter value as given, or in another case (the search
		// matches values in any case).
		value := func(name string) string {
			v := pick(terms[name])
			switch r.IntN(4) {
			case 0:
				return strings.ToLower(v)
			case 1:
				return strings.ToUpper(v)
			}
			return v
		}
		switch r.IntN(12) {
		case 0:
			q = append(q, pick(words))
		case 1:
			q = append(q, pick(words), pick(words))
		case 2:
			q = append(q, `"`+pick(phrases)+`"`)
		case 3:
			req.Syntax = api.SyntaxBleve
			q = append(q, "+"+pick(words), "-"+pick(words))
		case 4:
			// A number with ~ is not a fuzzy term but a syntax error.
			req.Syntax = api.SyntaxBleve
			w := pick(words)
			for try := 0; try < 20 && strings.ContainsAny(w, "0123456789"); try++ {
				w = pick(words)
			}
			q = append(q, w+"~1")
		case 5:
			// Typos: a letter changed or two swapped.
			w := []rune(pick(words))
			if i := r.IntN(len(w)); r.IntN(2) == 0 || i+1 >= len(w) {
				w[i] = rune('a' + r.IntN(26))
			} else {
				w[i], w[i+1] = w[i+1], w[i]
			}
			q = append(q, string(w))
		case 6:
			q = append(q, "“"+pick(phrases)+"”", pick([]string{"-", "NOT "})+pick(words))
		case 7:
			q = append(q, pick(words), "OR", pick(words))
		case 8:
			name := pick(schema.Default.TermNames())
			if len(terms[name]) > 0 {
				q = append(q, fmt.Sprintf("%s:%q", name, value(name)))
			}
			q = append(q, pick(words))
		case 9:
			q = append(q, pick([]string{"RCN", "Unsion", "the Rotherham", "Guy's", "GMB", "unison", "Leeds"}), pick(words))
		case 10:
			q = append(q, pick(words)+":", pick(words))
		}
		req.Q = strings.Join(q, " ")
		for _, name := range schema.Default.TermNames() {
			if len(terms[name]) > 0 && r.IntN(4) == 0 {
				if req.Filters == nil {
					req.Filters = map[string][]string{}
				}
				req.Filters[name] = append(req.Filters[name], value(name))
				if r.IntN(3) == 0 {
					req.Filters[name] = append(req.Filters[name], value(name))
				}
			}
		}
		if r.IntN(4) == 0 {
			lo := float64(r.IntN(400))
			req.SetRange("jobs", api.Range{Min: &lo})
		}
		if r.IntN(5) == 0 {
			hi := float64(r.IntN(200_000_000))
			req.SetRange("amount", api.Range{Max: &hi})
		}
		if r.IntN(3) == 0 && len(dates) > 0 {
			randomDates(r, &req, dates)
		}
		out = append(out, req)
	}
	return out
}

func describe(req api.Request) string {
	return fmt.Sprintf("q=%q syntax=%q filters=%v ranges=%v published=%v..%v", req.Q, req.Syntax, req.Filters, req.Ranges, req.PublishedFrom, req.PublishedTo)
}

// randomDates gives req a published_from, a published_to or both, parsed
// by api.ParseRequest from the articles' dates: a whole UTC day (the
// article's own, a day before or after) or an instant, given in UTC or
// with an offset, sometimes the article's exact time.
func randomDates(r *rand.Rand, req *api.Request, dates []time.Time) {
	bound := func() string {
		d := dates[r.IntN(len(dates))]
		if r.IntN(3) == 0 {
			// The article's exact time: the bounds are inclusive.
			return d.In(time.FixedZone("", (r.IntN(27)-12)*3600)).Format(time.RFC3339Nano)
		}
		d = d.AddDate(0, 0, r.IntN(3)-1)
		switch r.IntN(4) {
		case 0, 1:
			return d.UTC().Format(time.DateOnly)
		case 2:
			return d.In(time.FixedZone("", (r.IntN(27)-12)*3600)).Format(time.RFC3339Nano)
		}
		return d.Add(time.Duration(r.IntN(7200)-3600) * time.Second).UTC().Format(time.RFC3339)
	}
	v := url.Values{}
	switch r.IntN(3) {
	case 0:
		v.Set("published_from", bound())
	case 1:
		v.Set("published_to", bound())
	default:
		a, b := bound(), bound()
		v.Set("published_from", a)
		v.Set("published_to", b)
	}
	p, err := api.ParseRequest(schema.Default, v)
	if err != nil { // from after to: keep the lower bound only
		v.Del("published_to")
		if p, err = api.ParseRequest(schema.Default, v); err != nil {
			panic(err)
		}
	}
	req.PublishedFrom, req.PublishedTo = p.PublishedFrom, p.PublishedTo
}
