package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	htmlfmt "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// Query is one request of the benchmark mix: its URL parameters, as
// /api/search takes them, and the equivalent bleve request built by hand.
type Query struct {
	Name   string `json:"name"`
	Params string `json:"params"`
	// direct builds the bleve request that answers the same question with
	// one bleve search: same query, filters, page, stored fields,
	// highlighting, facets and sort.
	direct func() *bleve.SearchRequest
}

// corpusStats are the corpus facts the mix is chosen from.
type corpusStats struct {
	docs   int
	df     map[string]int // documents per lower-case word (not stop words)
	unions map[string]int // documents per gold union
	places map[string]int
	trusts map[string]int
	person string // a person of the first article
}

var wordRE = regexp.MustCompile(`[A-Za-z]{4,}`)

// maxStatDocs bounds how many articles are read to choose the mix.
const maxStatDocs = 20_000

// readStats reads up to maxStatDocs articles of the corpus and counts
// document frequencies of words and gold facet values.
func readStats(corpus string) (*corpusStats, error) {
	f, err := os.Open(corpus)
	if err != nil {
		return nil, fmt.Errorf("corpus stats: %w", err)
	}
	defer f.Close()
	st := &corpusStats{df: map[string]int{}, unions: map[string]int{}, places: map[string]int{}, trusts: map[string]int{}}
	stop := stopWords()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, index.MaxJSONLLine)
	for sc.Scan() && st.docs < maxStatDocs {
		var a struct {
			Text string `json:"text"`
		}
		var sum schema.Summary // the article's true entities
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("corpus stats: line %d: %w", st.docs+1, err)
		}
		if err := json.Unmarshal(sc.Bytes(), &sum); err != nil {
			return nil, fmt.Errorf("corpus stats: line %d: %w", st.docs+1, err)
		}
		st.docs++
		seen := map[string]bool{}
		for _, w := range wordRE.FindAllString(a.Text, -1) {
			w = strings.ToLower(w)
			if !seen[w] && !stop[w] {
				seen[w] = true
				st.df[w]++
			}
		}
		for _, u := range sum.Terms(tag.Union) {
			st.unions[u]++
		}
		for _, p := range sum.Terms(tag.Place) {
			st.places[p]++
		}
		for _, t := range sum.Terms(tag.Trust) {
			st.trusts[t]++
		}
		if people := sum.Terms(tag.Person); st.person == "" && len(people) > 0 {
			st.person = people[0]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus stats: %w", err)
	}
	if st.docs == 0 {
		return nil, fmt.Errorf("corpus stats: %s has no articles", corpus)
	}
	return st, nil
}

// stopWords are the words the English analyzer drops: a query of one of
// them matches nothing, so the mix never picks them.
func stopWords() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`about above after again against also being below between both could does doing down during each from further have having here itself just more most myself once only other ours over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom with would your yours yourself`) {
		m[w] = true
	}
	return m
}

// nearest returns the key of m whose count is closest to target, ties
// broken alphabetically, so the choice is deterministic.
func nearest(m map[string]int, target float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestD := "", -1.0
	for _, k := range keys {
		d := float64(m[k]) - target
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// buildMix chooses the benchmark requests from the corpus itself: a common
// word (in about 40% of articles), a rare one (in 2 or 3), a phrase that is
// common and a person's name as a rare phrase, a two-word AND of
// mid-frequency words, one and two facet filters (broad and selective),
// numeric ranges, and the empty query with every facet.
func buildMix(st *corpusStats) []Query {
	n := float64(st.docs)
	common := nearest(st.df, 0.4*n)
	rare := nearest(st.df, 2)
	midA := nearest(st.df, 0.1*n)
	dfA := st.df[midA]
	delete(st.df, midA)
	midB := nearest(st.df, 0.1*n)
	st.df[midA] = dfA
	union := nearest(st.unions, n) // the most frequent
	place := nearest(st.places, n)
	trust := nearest(st.trusts, 1)

	match := func(w string) query.Query { return query.NewMatchQuery(w) }
	term := func(field, v string) query.Query {
		q := query.NewTermQuery(v)
		q.SetField(field)
		return q
	}
	and := func(qs ...query.Query) query.Query { return query.NewConjunctionQuery(qs) }
	num := func(field string, lo, hi *float64) query.Query {
		t := true
		q := query.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
		q.SetField(field)
		return q
	}
	f := func(v float64) *float64 { return &v }
	p := url.QueryEscape
	param := func(k tag.Kind, v string) string { return string(k) + "=" + p(v) }
	sortJobsDesc := bsearch.SortOrder{&bsearch.SortField{Field: string(tag.Jobs), Desc: true, Type: bsearch.SortFieldAsNumber,
		Mode: bsearch.SortFieldMax, Missing: bsearch.SortFieldMissingLast}, &bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}}

	mix := []Query{
		{Name: "common word", Params: "q=" + p(common), direct: req(match(common), nil)},
		{Name: "rare word", Params: "q=" + p(rare), direct: req(match(rare), nil)},
		{Name: "phrase (common)", Params: "q=" + p(`"compulsory redundancies"`), direct: req(query.NewMatchPhraseQuery("compulsory redundancies"), nil)},
		{Name: "phrase (person)", Params: "q=" + p(`"`+st.person+`"`), direct: req(query.NewMatchPhraseQuery(st.person), nil)},
		{Name: "two-word AND", Params: "q=" + p("+"+midA+" +"+midB), direct: req(and(match(midA), match(midB)), nil)},
		{Name: "1 facet (broad)", Params: param(tag.Union, union), direct: req(term(string(tag.Union), union), nil)},
		{Name: "1 facet (selective)", Params: param(tag.Trust, trust), direct: req(term(string(tag.Trust), trust), nil)},
		{Name: "word + 2 facets", Params: "q=" + p(midA) + "&" + param(tag.Union, union) + "&" + param(tag.Place, place),
			direct: req(and(match(midA), term(string(tag.Union), union), term(string(tag.Place), place)), nil)},
		{Name: "amount range", Params: "amount_min=50000000", direct: req(num(string(tag.Amount), f(50_000_000), nil), nil)},
		{Name: "jobs range, by -jobs", Params: "jobs_min=100&jobs_max=600&sort=-jobs",
			direct: req(num(string(tag.Jobs), f(100), f(600)), sortJobsDesc)},
		{Name: "match all + all facets", Params: "q=", direct: req(query.NewMatchAllQuery(), nil)},
		// Issue 16's aggregations over every article: bleve alone has no
		// sum per period or per value, so its request counts the same
		// facets and articles without them.
		{Name: "histogram + facet sums (all)", Params: "histogram=month&facet_metric=jobs", direct: req(query.NewMatchAllQuery(), nil)},
	}
	return mix
}

// hitFields are the stored fields a search returns with each hit (those
// search.Service asks for).
var hitFields = append([]string{index.FieldTitle}, index.StoredFields(schema.Default)...)

// req returns a builder of the bleve request for q: the default page, the
// stored fields, text highlighting, and every facet of the schema.
func req(q query.Query, order bsearch.SortOrder) func() *bleve.SearchRequest {
	return func() *bleve.SearchRequest {
		sr := bleve.NewSearchRequestOptions(q, api.DefaultSize, 0, false)
		sr.Fields = hitFields
		sr.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
		sr.Highlight.AddField(index.FieldText)
		for _, k := range schema.Default.Kinds() {
			size := api.DefaultFacetSize
			if k.Numeric {
				size = len(k.Buckets)
			}
			sr.AddFacet(k.Name(), bleve.NewFacetRequest(k.FacetField(), size))
		}
		if order != nil {
			sr.SortByCustom(order)
		}
		return sr
	}
}

// Latency holds percentiles of request latencies, in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		return float64(s[int(p*float64(len(s)-1)+0.5)].Nanoseconds()) / 1e6
	}
	return Latency{N: len(s), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// QueryResult is the latency of one request of the mix, in-process through
// search.Service and as the equivalent single bleve search.
type QueryResult struct {
	Name    string  `json:"name"`
	Params  string  `json:"params"`
	Matches uint64  `json:"matches"`
	Share   float64 `json:"share"` // Matches / documents
	Service Latency `json:"service"`
	Direct  Latency `json:"direct"`
	// Cached is the latency of the same request answered from the cache
	// of a Service that has seen it before and whose index has not
	// changed since.
	Cached Latency `json:"cached"`
}

// runQueries runs every request of mix rounds times (after one warm-up
// round), one at a time, and returns per-request latencies and those of
// the whole mix (without the cache). bleve alone, the service without a
// cache and the service with one run in passes of their own, each after a
// garbage collection, so that the service's latencies, as when served,
// include the collection of its own garbage only, not of bleve's reference
// searches (which allocate far more).
func runQueries(ctx context.Context, idx bleve.Index, svc, cached *search.Service, mix []Query, rounds int) ([]QueryResult, Latency, Latency, error) {
	docs, err := idx.DocCount()
	if err != nil {
		return nil, Latency{}, Latency{}, fmt.Errorf("query: %w", err)
	}
	reqs := make([]api.Request, len(mix))
	for i, q := range mix {
		v, err := url.ParseQuery(q.Params)
		if err != nil {
			return nil, Latency{}, Latency{}, fmt.Errorf("query %s: %w", q.Name, err)
		}
		if reqs[i], err = api.ParseRequest(schema.Default, v); err != nil {
			return nil, Latency{}, Latency{}, fmt.Errorf("query %s: %w", q.Name, err)
		}
	}
	out := make([]QueryResult, len(mix))
	totals := make([][3]uint64, len(mix)) // of bleve, the service, the cached service
	// pass runs the mix rounds+1 times with search, the first round to
	// warm up, and returns each request's latencies.
	pass := func(name string, k int, search func(i int) (uint64, error)) ([][]time.Duration, error) {
		runtime.GC()
		lat := make([][]time.Duration, len(mix))
		for round := 0; round <= rounds; round++ {
			for i, q := range mix {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				start := time.Now()
				total, err := search(i)
				d := time.Since(start)
				if err != nil {
					return nil, fmt.Errorf("query %s via %s: %w", q.Name, name, err)
				}
				if round == 0 {
					totals[i][k] = total
					continue // warm-up
				}
				lat[i] = append(lat[i], d)
			}
		}
		return lat, nil
	}
	dirLat, err := pass("bleve", 0, func(i int) (uint64, error) {
		res, err := idx.SearchInContext(ctx, mix[i].direct())
		if err != nil {
			return 0, err
		}
		return res.Total, nil
	})
	if err != nil {
		return nil, Latency{}, Latency{}, err
	}
	viaService := func(svc *search.Service) func(i int) (uint64, error) {
		return func(i int) (uint64, error) {
			res, err := svc.Search(ctx, reqs[i])
			if err != nil {
				return 0, err
			}
			return res.Total, nil
		}
	}
	svcLat, err := pass("search", 1, viaService(svc))
	if err != nil {
		return nil, Latency{}, Latency{}, err
	}
	cacheLat, err := pass("search with a cache", 2, viaService(cached))
	if err != nil {
		return nil, Latency{}, Latency{}, err
	}
	var allS, allD []time.Duration
	for i, q := range mix {
		if t := totals[i]; t[0] != t[1] || t[1] != t[2] {
			return nil, Latency{}, Latency{}, fmt.Errorf("query %s: search finds %d articles, bleve %d: the requests are not equivalent", q.Name, t[1], t[0])
		}
		out[i] = QueryResult{Name: q.Name, Params: q.Params, Matches: totals[i][1], Share: float64(totals[i][1]) / float64(max(docs, 1))}
		out[i].Service, out[i].Direct, out[i].Cached = latency(svcLat[i]), latency(dirLat[i]), latency(cacheLat[i])
		allS, allD = append(allS, svcLat[i]...), append(allD, dirLat[i]...)
	}
	return out, latency(allS), latency(allD), nil
}

// Mix returns the requests of the benchmark mix chosen from the corpus at
// path, as the query phase runs them: one definition of the mix for
// cutwatch bench and for the side-by-side comparison with other engines
// (bench/peers).
func Mix(corpus string) ([]Query, error) {
	st, err := readStats(corpus)
	if err != nil {
		return nil, err
	}
	return buildMix(st), nil
}

// Percentiles returns the percentiles of ds in milliseconds, as every
// phase of the benchmark reports them.
func Percentiles(ds []time.Duration) Latency { return latency(ds) }
