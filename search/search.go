package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	htmlfmt "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

// MaxExpandedTerms caps how many index terms one wildcard, prefix, regexp
// or fuzzy term may expand to. bleve's limit is process-wide
// (searcher.DisjunctionMaxClauseCount) and off by default, so `*` or /.*/
// would otherwise OR together every term of a large index.
const MaxExpandedTerms = 10_000

func init() {
	searcher.DisjunctionMaxClauseCount = MaxExpandedTerms
}

// DefaultTimeout bounds the time of one Search, FacetValues or Article call
// unless the caller's context ends sooner.
const DefaultTimeout = 2 * time.Second

// snippetLen is the length in bytes of a snippet taken from the start of
// the text when no match can be highlighted.
const snippetLen = 200

// ErrNotFound is returned (wrapped) by Article for an unknown id.
var ErrNotFound = errors.New("not found")

// ErrTimeout is returned (wrapped) when a search does not finish within the
// service's timeout.
var ErrTimeout = errors.New("search took too long")

// Service answers search requests over a bleve index built by package
// index. It is safe for concurrent use. The index may be a bleve.IndexAlias,
// so that a rebuilt index can be swapped in under a running Service.
type Service struct {
	idx bleve.Index
	// Timeout bounds each call (DefaultTimeout if 0).
	Timeout time.Duration
}

// NewService returns a Service over idx.
func NewService(idx bleve.Index) *Service {
	return &Service{idx: idx, Timeout: DefaultTimeout}
}

// Result is the answer to a Request.
type Result struct {
	Total  uint64  `json:"total"`
	TookMS float64 `json:"took_ms"`
	Hits   []Hit   `json:"hits"`
	Facets Facets  `json:"facets"`
}

// Hit is one matching article.
type Hit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
	// Snippet is HTML: escaped text with <mark> around the matched words.
	Snippet string `json:"snippet"`
	// The article's canonical entity values (trusts, unions, amounts_gbp,
	// jobs, people, places, hospitals).
	tag.Summary
}

// Facets holds the facet counts of a search. Each facet's counts follow the
// query and the filters of the other facets, but not the facet's own filter
// (disjunctive faceting), so a client that picked one value still sees how
// many articles each other value would give.
type Facets struct {
	Trust    []TermCount  `json:"trust"`
	Union    []TermCount  `json:"union"`
	Person   []TermCount  `json:"person"`
	Place    []TermCount  `json:"place"`
	Hospital []TermCount  `json:"hospital"`
	Amount   []RangeCount `json:"amount"`
	Jobs     []RangeCount `json:"jobs"`
}

// Terms returns the counts of the term facet of field.
func (f *Facets) Terms(field string) []TermCount {
	if p := f.termsPtr(field); p != nil {
		return *p
	}
	return nil
}

func (f *Facets) termsPtr(field string) *[]TermCount {
	switch field {
	case index.FieldTrust:
		return &f.Trust
	case index.FieldUnion:
		return &f.Union
	case index.FieldPerson:
		return &f.Person
	case index.FieldPlace:
		return &f.Place
	case index.FieldHospital:
		return &f.Hospital
	}
	return nil
}

// TermCount is the number of matching articles with one facet value.
type TermCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// RangeCount is the number of matching articles with a value in one bucket
// of a numeric facet. Min and Max are inclusive; null is open.
type RangeCount struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Min   *int64 `json:"min"`
	Max   *int64 `json:"max"`
	Count int    `json:"count"`
}

// hitFields are the stored fields returned with each hit.
var hitFields = []string{index.FieldTitle, index.FieldTrust, index.FieldUnion, index.FieldPerson,
	index.FieldPlace, index.FieldHospital, index.FieldAmount, index.FieldJobs}

// facet describes one facet of a search response.
type facet struct {
	name    string         // request filter / response key
	field   string         // index field counted
	buckets []index.Bucket // for range facets
}

var facets = []facet{
	{name: index.FieldTrust, field: index.FieldTrust},
	{name: index.FieldUnion, field: index.FieldUnion},
	{name: index.FieldPerson, field: index.FieldPerson},
	{name: index.FieldPlace, field: index.FieldPlace},
	{name: index.FieldHospital, field: index.FieldHospital},
	{name: index.FieldAmount, field: index.FieldAmountRange, buckets: index.AmountBuckets},
	{name: index.FieldJobs, field: index.FieldJobsRange, buckets: index.JobsBuckets},
}

// filterQuery returns the filter of facet f in req, or nil when inactive.
// Filters match without scoring weight (boost 0), so they narrow the
// results without reordering them.
func filterQuery(req *Request, f facet) query.Query {
	var q query.Query
	switch f.name {
	case index.FieldAmount, index.FieldJobs:
		r := req.Amount
		if f.name == index.FieldJobs {
			r = req.Jobs
		}
		if !r.Active() {
			return nil
		}
		t := true
		nq := query.NewNumericRangeInclusiveQuery(r.Min, r.Max, &t, &t)
		nq.SetField(f.name)
		nq.SetBoost(0)
		q = nq
	default:
		vals := req.activeFilters(f.name)
		if len(vals) == 0 {
			return nil
		}
		terms := make([]query.Query, len(vals))
		for i, v := range vals {
			tq := query.NewTermQuery(v)
			tq.SetField(f.name)
			tq.SetBoost(0)
			terms[i] = tq
		}
		if len(terms) == 1 {
			return terms[0]
		}
		dq := query.NewDisjunctionQuery(terms)
		dq.SetBoost(0)
		q = dq
	}
	return q
}

// combine is the user query restricted to articles that pass every given
// filter. The filters go in bleve's unscored Filter clause, so they narrow
// the results without changing any score or order. The user query is
// wrapped in a (non query-string) conjunction so that a query analysing to
// nothing, such as a lone stop word, still matches nothing: bleve drops a
// bare match-none Must clause, which would let the filters match alone.
func combine(user query.Query, filters []query.Query) query.Query {
	if len(filters) == 0 {
		return user
	}
	bq := query.NewBooleanQuery([]query.Query{query.NewConjunctionQuery([]query.Query{user})}, nil, nil)
	if len(filters) == 1 {
		bq.AddFilter(filters[0])
	} else {
		bq.AddFilter(query.NewConjunctionQuery(filters))
	}
	return bq
}

func facetRequest(req *Request, f facet) *bleve.FacetRequest {
	size := req.FacetSize
	if f.buckets != nil {
		size = len(f.buckets)
	}
	return bleve.NewFacetRequest(f.field, size)
}

func sortOrder(key string) search.SortOrder {
	byScore := &search.SortScore{Desc: true}
	byID := &search.SortDocID{}
	num := func(field string, desc bool) search.SortOrder {
		mode := search.SortFieldMin
		if desc {
			mode = search.SortFieldMax
		}
		return search.SortOrder{&search.SortField{Field: field, Desc: desc, Type: search.SortFieldAsNumber,
			Mode: mode, Missing: search.SortFieldMissingLast}, byScore, byID}
	}
	switch key {
	case SortAmount:
		return num(index.FieldAmount, false)
	case SortAmountDesc:
		return num(index.FieldAmount, true)
	case SortJobs:
		return num(index.FieldJobs, false)
	case SortJobsDesc:
		return num(index.FieldJobs, true)
	case SortPublished, SortPublishedDesc:
		desc := key == SortPublishedDesc
		return search.SortOrder{&search.SortField{Field: index.FieldPublished, Desc: desc, Type: search.SortFieldAsDate,
			Missing: search.SortFieldMissingLast}, byScore, byID}
	}
	return search.SortOrder{byScore, byID}
}

// Search runs req: the hits of the requested page with snippets, the total,
// and the facet counts. Errors in the request are *BadRequestError; a search
// that outlives the timeout fails with ErrTimeout.
func (s *Service) Search(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	if err := req.Validate(); err != nil {
		return nil, err
	}
	user, err := ParseQuery(req.Q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()

	filters := make([]query.Query, len(facets))
	var all []query.Query
	for i, f := range facets {
		filters[i] = filterQuery(&req, f)
		if filters[i] != nil {
			all = append(all, filters[i])
		}
	}

	main := bleve.NewSearchRequestOptions(combine(user, all), req.Size, req.From, false)
	main.Fields = hitFields
	main.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
	main.Highlight.AddField(index.FieldText)
	main.SortByCustom(sortOrder(req.Sort))

	// Facets without an active filter are counted by the main search. A
	// facet with a filter gets its own count-only search over the query and
	// the other facets' filters.
	type extra struct {
		f   facet
		req *bleve.SearchRequest
		res *bleve.SearchResult
		err error
	}
	var extras []*extra
	for i, f := range facets {
		if filters[i] == nil {
			main.AddFacet(f.name, facetRequest(&req, f))
			continue
		}
		var others []query.Query
		for j, fq := range filters {
			if j != i && fq != nil {
				others = append(others, fq)
			}
		}
		sr := bleve.NewSearchRequestOptions(combine(user, others), 0, 0, false)
		sr.Score = "none"
		sr.AddFacet(f.name, facetRequest(&req, f))
		extras = append(extras, &extra{f: f, req: sr})
	}

	var wg sync.WaitGroup
	for _, e := range extras {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.res, e.err = s.run(ctx, e.req)
		}()
	}
	res, err := s.run(ctx, main)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for _, e := range extras {
		if e.err != nil {
			return nil, e.err
		}
	}

	out := &Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, toHit(h))
	}
	if err := s.fillSnippets(ctx, out.Hits, res.Hits); err != nil {
		return nil, err
	}
	for _, f := range facets {
		fr := res.Facets[f.name]
		for _, e := range extras {
			if e.f.name == f.name {
				fr = e.res.Facets[f.name]
			}
		}
		setFacet(&out.Facets, f, fr)
	}
	out.TookMS = math.Round(float64(time.Since(start).Microseconds())) / 1000
	return out, nil
}

// run executes one bleve search within ctx and maps its errors.
func (s *Service) run(ctx context.Context, sr *bleve.SearchRequest) (*bleve.SearchResult, error) {
	res, err := s.idx.SearchInContext(ctx, sr)
	if err == nil && res.Status != nil && res.Status.Failed > 0 {
		for _, e := range res.Status.Errors {
			err = e
			break
		}
	}
	if err != nil {
		if strings.Contains(err.Error(), "TooManyClauses") {
			return nil, badRequest("q", "a wildcard, prefix, regular expression or fuzzy term matches more than %d different words: make it more specific", MaxExpandedTerms)
		}
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w (limit %s)", ErrTimeout, s.timeout())
		}
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

func (s *Service) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

func setFacet(out *Facets, f facet, fr *search.FacetResult) {
	counts := map[string]int{}
	var terms []TermCount
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			counts[t.Term] = t.Count
			terms = append(terms, TermCount{Value: t.Term, Count: t.Count})
		}
	}
	if f.buckets == nil {
		if terms == nil {
			terms = []TermCount{}
		}
		*out.termsPtr(f.name) = terms
		return
	}
	ranges := make([]RangeCount, len(f.buckets))
	for i, b := range f.buckets {
		ranges[i] = RangeCount{Key: b.Key, Label: b.Label, Min: b.Min, Max: b.Max, Count: counts[b.Key]}
	}
	if f.name == index.FieldAmount {
		out.Amount = ranges
	} else {
		out.Jobs = ranges
	}
}

func toHit(h *search.DocumentMatch) Hit {
	score := h.Score
	if math.IsNaN(score) || math.IsInf(score, 0) {
		score = 0
	}
	hit := Hit{
		ID:      h.ID,
		Title:   firstString(h.Fields[index.FieldTitle]),
		Score:   score,
		Summary: summaryOf(h.Fields),
	}
	if frags := h.Fragments[index.FieldText]; len(frags) > 0 {
		hit.Snippet = tidyFragment(frags[0])
	}
	return hit
}

// tidyFragment drops the partial words that bleve's fragmenter leaves at a
// cut fragment's ends ("…ike Slade said" becomes "…Slade said"), unless the
// partial word holds a match.
func tidyFragment(f string) string {
	const ellipsis = "…"
	if rest, ok := strings.CutPrefix(f, ellipsis); ok {
		if i := strings.IndexAny(rest, " \n\t"); i > 0 && !strings.Contains(rest[:i], "<") && !strings.ContainsAny(rest[:1], " \n\t") {
			f = ellipsis + strings.TrimLeft(rest[i:], " \n\t")
		}
	}
	if rest, ok := strings.CutSuffix(f, ellipsis); ok {
		if i := strings.LastIndexAny(rest, " \n\t"); i > 0 && i < len(rest)-1 && !strings.Contains(rest[i:], ">") {
			f = strings.TrimRight(rest[:i], " \n\t") + ellipsis
		}
	}
	return f
}

// fillSnippets gives hits without a highlighted fragment (a match-all
// query, or a match only in the title or a filter) the start of their text.
func (s *Service) fillSnippets(ctx context.Context, hits []Hit, matches search.DocumentMatchCollection) error {
	var ids []string
	for _, h := range hits {
		if h.Snippet == "" {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{index.FieldText}
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		return err
	}
	texts := make(map[string]string, len(res.Hits))
	for _, m := range res.Hits {
		texts[m.ID] = firstString(m.Fields[index.FieldText])
	}
	for i := range hits {
		if hits[i].Snippet == "" {
			hits[i].Snippet = leadSnippet(texts[hits[i].ID])
		}
	}
	return nil
}

// leadSnippet is the escaped start of text, cut at a word boundary.
func leadSnippet(text string) string {
	if len(text) <= snippetLen {
		return html.EscapeString(text)
	}
	cut := strings.LastIndexFunc(text[:snippetLen], unicode.IsSpace)
	if cut <= 0 {
		cut = snippetLen
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
	}
	return html.EscapeString(strings.TrimRightFunc(text[:cut], unicode.IsSpace)) + "…"
}

// summaryOf reads an article's canonical entity values from its stored
// fields. Every list is non-nil, so JSON shows [] rather than null.
func summaryOf(f map[string]any) tag.Summary {
	return tag.Summary{
		Trusts:     stringsOf(f[index.FieldTrust]),
		Unions:     stringsOf(f[index.FieldUnion]),
		AmountsGBP: ints(f[index.FieldAmount]),
		Jobs:       ints(f[index.FieldJobs]),
		People:     stringsOf(f[index.FieldPerson]),
		Places:     stringsOf(f[index.FieldPlace]),
		Hospitals:  stringsOf(f[index.FieldHospital]),
	}
}

// firstString returns a stored text field value (the first if several).
func firstString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// strings_ returns a stored multi-valued text field; bleve returns a single
// value as a string and several as a slice.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

// ints returns a stored multi-valued numeric field as whole numbers.
func ints(v any) []int64 {
	switch v := v.(type) {
	case float64:
		return []int64{int64(v)}
	case []any:
		out := make([]int64, 0, len(v))
		for _, x := range v {
			if f, ok := x.(float64); ok {
				out = append(out, int64(f))
			}
		}
		return out
	}
	return []int64{}
}

// DocCount returns the number of articles in the index.
func (s *Service) DocCount() (uint64, error) {
	n, err := s.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return n, nil
}
