package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"runtime"
	"strconv"
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
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// MaxExpandedTerms caps how many index terms one wildcard, prefix, regexp
// or fuzzy term may expand to. bleve's limit is process-wide
// (searcher.DisjunctionMaxClauseCount) and off by default, so `*` or /.*/
// would otherwise OR together every term of a large index. New sets it
// once, before its Service can search.
const MaxExpandedTerms = 10_000

var clauseCap sync.Once

// DefaultTimeout bounds the time of one Search, FacetValues or Article call
// unless the caller's context ends sooner.
const DefaultTimeout = 2 * time.Second

// snippetLen is the length in bytes of a snippet taken from the start of
// the text when no match can be highlighted.
const snippetLen = 200

// Service answers search requests over a bleve index built by package
// index. It is safe for concurrent use. The index may be a bleve.IndexAlias,
// so that a rebuilt index can be swapped in under a running Service.
//
// A Service caps the searches that run at once (Options.MaxSearches) and,
// when it knows the index's generation (Options.Generation), caches whole
// results and single facets' counts for as long as the index does not
// change, and runs identical concurrent searches once.
type Service struct {
	idx    bleve.Index
	schema *schema.Schema
	facets []facet // in response order: name kinds, then numeric ones
	// hitFields are the stored fields returned with each hit.
	hitFields []string
	// Timeout bounds each call once it runs (DefaultTimeout if 0).
	Timeout time.Duration

	gen      func() uint64
	matchAll func() (uint64, *index.FacetCounts)
	bitmaps  func() (uint64, *index.Bitmaps)
	cache    *cache // nil: no cache
	flight   flight
	limit    *limiter // nil: no cap
	admitted func(context.Context)

	// The stories of near-duplicates read from the index for searches
	// without the bitmaps, and the generation they were read under.
	storiesMu  sync.Mutex
	stories    *bitmaps.Set
	storiesGen uint64

	// ranking weighs what orders hits by relevance; days are the
	// articles' publication days its recency reads.
	ranking Ranking
	days    *dayTables
}

// Options configure a Service. The zero value gives the defaults: the
// Default schema, no cache, at most 2 × GOMAXPROCS searches at once.
type Options struct {
	// Schema is the table of entity kinds the index was built with
	// (schema.Default if nil).
	Schema *schema.Schema

	// Timeout bounds each call once it runs (DefaultTimeout if 0). Time
	// spent waiting for a search slot does not count; it is bounded by
	// QueueWait.
	Timeout time.Duration

	// Generation reports the version of the index's content, such as
	// index.Writer.Generation: it must grow after every change to the
	// index becomes visible to searches and before the write returns, and
	// never go back. It turns the cache on; without it a Service cannot
	// know when the index changes and caches nothing.
	Generation func() uint64
	// MatchAll, if not nil, reports the facet counts over all documents
	// kept up to date by the writer, with their generation, such as
	// index.Writer.MatchAllCounts. With Generation, a facet counted over
	// all documents (empty q and no filter of another facet) is taken from
	// them instead of visiting every document, when they belong to the
	// generation the search runs under; otherwise bleve counts it. This
	// holds with Request.NoCache too: the counts are not a cache of
	// results but part of the index's state.
	MatchAll func() (uint64, *index.FacetCounts)
	// Bitmaps, if not nil, reports the facet values and numbers of every
	// article as bitmaps kept up to date by the writer, with their
	// generation, such as index.Writer.Bitmaps. With Generation, a search
	// under the same generation runs bleve once, for its page of hits and
	// its matches, and filters and counts every facet with the bitmaps
	// (searchBits); otherwise bleve filters and counts.
	Bitmaps func() (uint64, *index.Bitmaps)
	// CacheEntries and CacheBytes bound the cache (DefaultCacheEntries
	// and DefaultCacheBytes if 0). A negative CacheEntries turns it off.
	CacheEntries int
	CacheBytes   int64

	// MaxSearches is how many searches may run at once (2 × GOMAXPROCS if
	// 0; negative: no cap). When they all run, up to MaxQueued more wait
	// for a slot (2 × MaxSearches if 0; negative: none), each at most
	// QueueWait (DefaultQueueWait if 0); the rest fail at once with
	// api.ErrOverloaded. Answers from the cache need no slot.
	MaxSearches int
	MaxQueued   int
	QueueWait   time.Duration
	// HeavyShare is the share of MaxSearches that expensive searches
	// (HeavyQueryCost or more) may hold or wait for at once, at least one
	// (DefaultHeavyShare if 0).
	HeavyShare float64

	// Admitted, if not nil, is called by every search once it holds a
	// slot, before it reads the index. Tests use it to hold searches
	// running; ctx ends when no caller waits for the search any more.
	Admitted func(ctx context.Context)

	// Ranking, if not nil, replaces DefaultRanking: the weights of title
	// matches, entity matches, recency and typos in relevance order.
	Ranking *Ranking
}

// NewService returns a Service over idx with the default Options.
func NewService(idx bleve.Index) *Service {
	return New(idx, Options{})
}

// New returns a Service over idx configured by opts.
func New(idx bleve.Index, opts Options) *Service {
	clauseCap.Do(func() { searcher.DisjunctionMaxClauseCount = MaxExpandedTerms })
	s := &Service{idx: idx, schema: opts.Schema, Timeout: opts.Timeout, gen: opts.Generation, admitted: opts.Admitted,
		ranking: DefaultRanking, days: newDayTables()}
	if opts.Ranking != nil {
		s.ranking = *opts.Ranking
	}
	if s.schema == nil {
		s.schema = schema.Default
	}
	s.facets = facetsOf(s.schema)
	s.hitFields = append([]string{index.FieldTitle, index.FieldPublished, index.FieldHeadline}, index.StoredFields(s.schema)...)
	if opts.Generation != nil {
		s.matchAll = opts.MatchAll
		s.bitmaps = opts.Bitmaps
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if opts.Generation != nil && opts.CacheEntries >= 0 {
		entries, bytes := opts.CacheEntries, opts.CacheBytes
		if entries == 0 {
			entries = DefaultCacheEntries
		}
		if bytes <= 0 {
			bytes = DefaultCacheBytes
		}
		s.cache = newCache(entries, bytes)
	}
	if opts.MaxSearches >= 0 {
		n := opts.MaxSearches
		if n == 0 {
			n = 2 * runtime.GOMAXPROCS(0)
		}
		q := opts.MaxQueued
		if q == 0 {
			q = 2 * n
		}
		wait := opts.QueueWait
		if wait <= 0 {
			wait = DefaultQueueWait
		}
		share := opts.HeavyShare
		if share <= 0 || share > 1 {
			share = DefaultHeavyShare
		}
		s.limit = newLimiter(n, q, wait, share)
	}
	return s
}

// Schema returns the entity kinds of the index the Service searches.
func (s *Service) Schema() *schema.Schema { return s.schema }

// CacheStats returns the counters of the cache (zero without a cache).
func (s *Service) CacheStats() api.CacheStats {
	if s.cache == nil {
		return api.CacheStats{}
	}
	return s.cache.stats()
}

// AdmissionStats returns the limits and counters of admission control
// (zero without a cap).
func (s *Service) AdmissionStats() api.AdmissionStats { return s.limit.stats() }

// cached returns the value of key: from the cache when it holds it for
// the index's current generation, or else computed by fn, once for all
// the callers that ask for the same key of the same generation at the
// same time, and then cached. fn runs once admitted (holding a search
// slot) and within the service's timeout; gen and useCache tell it
// whether it may use the cache too. Without a cache, or with bypass, fn
// simply runs.
func (s *Service) cached(ctx context.Context, key string, bypass bool, fn func(ctx context.Context, gen uint64, useCache bool) (any, int64, error)) (any, error) {
	return s.cachedAs(ctx, key, bypass, false, fn)
}

// cachedAs is cached for a search that is expensive (heavy) or not.
func (s *Service) cachedAs(ctx context.Context, key string, bypass, heavy bool, fn func(ctx context.Context, gen uint64, useCache bool) (any, int64, error)) (any, error) {
	if s.cache == nil || bypass {
		return s.admit(ctx, heavy, func(ctx context.Context) (any, error) {
			v, _, err := fn(ctx, 0, false)
			return v, err
		})
	}
	gen := s.gen()
	if v, ok := s.cache.get(key, gen); ok {
		s.cache.hits.Add(1)
		return v, nil
	}
	s.cache.misses.Add(1)
	v, shared, err := s.flight.do(ctx, strconv.FormatUint(gen, 10)+"\x00"+key, func(ctx context.Context) (any, error) {
		return s.admit(ctx, heavy, func(ctx context.Context) (any, error) {
			v, size, err := fn(ctx, gen, true)
			if err == nil {
				s.cache.put(key, gen, v, size)
			}
			return v, err
		})
	})
	if shared {
		s.cache.shared.Add(1)
	}
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w (limit %s)", api.ErrTimeout, s.timeout())
	}
	return v, err
}

// admit runs fn once a search slot is free (for an expensive search,
// within their share of the slots), within the service's timeout.
func (s *Service) admit(ctx context.Context, heavy bool, fn func(context.Context) (any, error)) (any, error) {
	if s.limit != nil {
		acquire := s.limit.acquire
		if heavy {
			acquire = s.limit.acquireHeavy
		}
		release, err := acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	if s.admitted != nil {
		s.admitted(context.WithValue(ctx, heavyKey{}, heavy))
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	return fn(ctx)
}

// facet describes one facet of a search response.
type facet struct {
	name    string          // request filter / response key
	field   string          // index field counted
	numeric bool            // filtered by a range, counted per bucket
	buckets []schema.Bucket // for numeric facets
}

// facetsOf returns the facets of the kinds of s in response order.
func facetsOf(s *schema.Schema) []facet {
	var out []facet
	for _, name := range s.FacetNames() {
		k, _ := s.Lookup(name)
		out = append(out, facet{name: name, field: k.FacetField(), numeric: k.Numeric, buckets: k.Buckets})
	}
	return out
}

// filterQuery returns the filter of facet f in req, or nil when inactive.
// Filters match without scoring weight (boost 0), so they narrow the
// results without reordering them.
func filterQuery(req *api.Request, f facet) query.Query {
	if f.numeric {
		r := req.Ranges[f.name]
		if !r.Active() {
			return nil
		}
		t := true
		nq := query.NewNumericRangeInclusiveQuery(r.Min, r.Max, &t, &t)
		nq.SetField(f.name)
		nq.SetBoost(0)
		return nq
	}
	vals := req.ActiveFilters(f.name)
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
	return dq
}

// onlyIDs restricts user to the articles with the given ids (none: no
// restriction), without changing scores: the ids go in an unscored Filter
// clause, as the facet filters do (see combine).
func onlyIDs(user query.Query, ids []string) query.Query {
	if len(ids) == 0 {
		return user
	}
	dq := query.NewDocIDQuery(ids)
	dq.SetBoost(0)
	return combine(user, []query.Query{dq}, nil)
}

// combine is the user query restricted to articles that pass every given
// filter and do not match hide (nil: none). The filters go in bleve's
// unscored Filter clause and hide in its MustNot clause, so they narrow
// the results without changing any score or order. The user query is
// wrapped in a (non query-string) conjunction so that a query analysing to
// nothing, such as a lone stop word, still matches nothing: bleve drops a
// bare match-none Must clause, which would let the filters match alone.
func combine(user query.Query, filters []query.Query, hide query.Query) query.Query {
	if len(filters) == 0 && hide == nil {
		return user
	}
	var mustNot []query.Query
	if hide != nil {
		mustNot = []query.Query{hide}
	}
	bq := query.NewBooleanQuery([]query.Query{query.NewConjunctionQuery([]query.Query{user})}, nil, mustNot)
	if len(filters) == 0 {
		return bq
	}
	if len(filters) == 1 {
		bq.AddFilter(filters[0])
	} else {
		bq.AddFilter(query.NewConjunctionQuery(filters))
	}
	return bq
}

func facetRequest(req *api.Request, f facet) *bleve.FacetRequest {
	size := req.FacetSize
	if f.numeric {
		size = len(f.buckets)
	}
	return bleve.NewFacetRequest(f.field, size)
}

// sortOrder returns bleve's order for a sort key of api.SortKeys, equal
// values ordered by id with byID (bleve's search.SortDocID, or a
// Recording's ByID, which needs no stored id).
func (s *Service) sortOrder(key string, byID search.SearchSort) search.SortOrder {
	byScore := &search.SortScore{Desc: true}
	switch key {
	case api.SortRelevance:
		return search.SortOrder{byScore, byID}
	case api.SortPublished, api.SortPublishedDesc:
		desc := key == api.SortPublishedDesc
		return search.SortOrder{&search.SortField{Field: index.FieldPublished, Desc: desc, Type: search.SortFieldAsDate,
			Missing: search.SortFieldMissingLast}, byScore, byID}
	}
	field, desc := strings.CutPrefix(key, "-")
	mode := search.SortFieldMin
	if desc {
		mode = search.SortFieldMax
	}
	return search.SortOrder{&search.SortField{Field: field, Desc: desc, Type: search.SortFieldAsNumber,
		Mode: mode, Missing: search.SortFieldMissingLast}, byScore, byID}
}

// syntaxAny marks, in cache keys, the counts of a simple query's
// fallback (Parsed.Any), which no request can ask for by itself.
const syntaxAny = "\x00any"

// Search runs req: the hits of the requested page with snippets, the total,
// and the facet counts. Errors in the request are *api.BadRequestError; a
// search that outlives the timeout fails with api.ErrTimeout, one refused
// by admission control with api.ErrOverloaded.
func (s *Service) Search(ctx context.Context, req api.Request) (*api.Result, error) {
	start := time.Now()
	if err := req.Validate(s.schema); err != nil {
		return nil, err
	}
	parsed, err := Parse(s.schema, req.Q, req.Syntax)
	if err != nil {
		return nil, err
	}
	if err := s.canonicalFilters(&req); err != nil {
		return nil, err
	}
	heavy, err := checkCost(parsed.Query)
	if err != nil {
		return nil, err
	}
	user := onlyIDs(s.ranked(&req, parsed.Query), req.IDs)
	v, err := s.cachedAs(ctx, "search\x00"+requestKey(s.schema, &req), req.NoCache, heavy, func(ctx context.Context, gen uint64, useCache bool) (any, int64, error) {
		res, err := s.search(ctx, &req, user, gen, useCache)
		if err != nil {
			return nil, 0, err
		}
		if res.Total == 0 && parsed.Any != nil && !req.NoRelax {
			// No article has every word: the best partial matches, under
			// keys of their own (syntaxAny) in the facet cache.
			relaxed := req
			relaxed.Syntax = syntaxAny
			if res, err = s.search(ctx, &relaxed, onlyIDs(s.ranked(&req, parsed.Any), req.IDs), gen, useCache); err != nil {
				return nil, 0, err
			}
			res.Relaxed = true
		}
		res.Entities = parsed.Entities
		return res, resultSize(res), nil
	})
	if err != nil {
		return nil, err
	}
	res := *v.(*api.Result) // the cached Result is shared: copy before setting the time
	res.TookMS = math.Round(float64(time.Since(start).Microseconds())) / 1000
	return &res, nil
}

// ranked is q with the weights of the Service's Ranking in its clauses
// when req orders by relevance; under another sort, q as parsed (its
// scores only break ties of the sort, which a ranking must not reorder).
func (s *Service) ranked(req *api.Request, q query.Query) query.Query {
	if !s.ranks(req) {
		return q
	}
	return s.ranking.weighed(q, req.Syntax != api.SyntaxBleve)
}

func (s *Service) ranks(req *api.Request) bool {
	return req.Sort == "" || req.Sort == api.SortRelevance
}

// rankTop is the query of a search of user that orders its hits, whole
// (user with its filters, or recorded): scored with the Ranking's title
// clauses and recency bonus when req orders by relevance and user is not
// the match-all query (whose hits the bitmaps order by id, unscored).
func (s *Service) rankTop(req *api.Request, user, whole query.Query) query.Query {
	if _, all := user.(*query.MatchAllQuery); all || !s.ranks(req) {
		return whole
	}
	return s.ranking.wrap(whole, req.Syntax != api.SyntaxBleve, s.days)
}

// search runs req against the index. With useCache, it takes the counts
// of facets from the cache when they are there for generation gen, and
// caches the ones it counts: a facet's counts depend only on the query,
// the other facets' filters and the facet size, so they are shared by
// every page and sort order of a search, and by the next search of a user
// who ticks a value of that facet.
func (s *Service) search(ctx context.Context, req *api.Request, user query.Query, gen uint64, useCache bool) (*api.Result, error) {
	if bits := s.bitmapsFor(gen, useCache); bits != nil {
		if res, ok, err := s.searchBits(ctx, req, user, gen, useCache, bits); ok {
			return res, err
		}
	}
	// Without the bitmaps, the stories are read from the index, and the
	// copies left out by their ids (hideCopies).
	stories, err := s.readStories(ctx)
	if err != nil {
		return nil, err
	}
	hide := hideOf(stories, req)
	filters, all := s.filters(req)
	dq := dateQuery(req)
	main := bleve.NewSearchRequestOptions(s.rankTop(req, user, combine(user, all, hide)), req.Size, req.From, false)
	main.Fields = s.hitFields
	main.Highlight = bleve.NewHighlightWithStyle(htmlfmt.Name)
	main.Highlight.AddField(index.FieldText)
	main.SortByCustom(s.sortOrder(req.Sort, &search.SortDocID{}))

	// Facets without an active filter are counted by the main search. A
	// facet with a filter gets its own count-only search over the query and
	// the other facets' filters. Counts found in the cache need neither.
	type counted struct {
		f   facet
		key string
		req *bleve.SearchRequest // nil: counted by the main search
		res *bleve.SearchResult
		err error
	}
	got := map[string]api.Facet{}
	var todo []*counted
	var snap *index.FacetCounts
	if hide == nil { // the counts count every article
		snap = s.matchAllCounts(req, gen, useCache)
	}
	for i, f := range s.facets {
		if !req.WantsFacet(f.name) {
			continue
		}
		key := "facet\x00" + facetKey(s.schema, req, f)
		if useCache {
			if v, ok := s.cache.get(key, gen); ok {
				s.cache.facetHits.Add(1)
				got[f.name] = v.(api.Facet)
				continue
			}
			s.cache.facetMisses.Add(1)
		}
		if snap != nil && onlyFilter(filters, i) {
			fc := countsFrom(snap, f, req.FacetSize)
			if useCache {
				s.cache.put(key, gen, fc, facetSize(fc))
			}
			got[f.name] = fc
			continue
		}
		c := &counted{f: f, key: key}
		todo = append(todo, c)
		if filters[i] == nil {
			main.AddFacet(f.name, facetRequest(req, f))
			continue
		}
		var others []query.Query
		for j, fq := range filters {
			if j != i && fq != nil {
				others = append(others, fq)
			}
		}
		if dq != nil {
			others = append(others, dq)
		}
		c.req = bleve.NewSearchRequestOptions(combine(user, others, hide), 0, 0, false)
		c.req.Score = "none"
		c.req.AddFacet(f.name, facetRequest(req, f))
	}

	var wg sync.WaitGroup
	for _, c := range todo {
		if c.req == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.res, c.err = s.run(ctx, c.req)
		}()
	}
	res, err := s.run(ctx, main)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for _, c := range todo {
		if c.err != nil {
			return nil, c.err
		}
	}

	result := &api.Result{Total: res.Total, Hits: make([]api.Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		result.Hits = append(result.Hits, s.toHit(h))
	}
	if err := s.fillSnippets(ctx, result.Hits); err != nil {
		return nil, err
	}
	if _, err := s.fillAlsoIn(ctx, stories, result.Hits); err != nil {
		return nil, err
	}
	for _, c := range todo {
		from := res
		if c.req != nil {
			from = c.res
		}
		fc := countsOf(c.f, from.Facets[c.f.name])
		if useCache {
			s.cache.put(c.key, gen, fc, facetSize(fc))
		}
		got[c.f.name] = fc
	}
	result.Facets = api.Facets{}
	for _, f := range s.facets {
		if fc, ok := got[f.name]; ok {
			result.Facets = append(result.Facets, fc)
		}
	}
	if req.Aggregates() {
		if err := s.aggregateBleve(ctx, req, user, result); err != nil {
			return nil, err
		}
	}
	return result, nil
}

// filters returns the filter of each facet of req (nil where inactive), in
// the order of s.facets, and the active ones with req's publication dates
// (which narrow every facet's counts too, but are no facet).
func (s *Service) filters(req *api.Request) (each, active []query.Query) {
	each = make([]query.Query, len(s.facets))
	for i, f := range s.facets {
		each[i] = filterQuery(req, f)
		if each[i] != nil {
			active = append(active, each[i])
		}
	}
	if dq := dateQuery(req); dq != nil {
		active = append(active, dq)
	}
	return each, active
}

// matchAllCounts returns the writer's match-all facet counts when req's
// query is empty (match-all) and they belong to the generation the search
// runs under: gen when it uses the cache, else the generation now, read
// before the search reads the index. Otherwise it returns nil.
func (s *Service) matchAllCounts(req *api.Request, gen uint64, useCache bool) *index.FacetCounts {
	if s.matchAll == nil || strings.TrimSpace(req.Q) != "" || len(req.IDs) > 0 || req.Dated() {
		return nil
	}
	if !useCache {
		gen = s.gen()
	}
	g, c := s.matchAll()
	if c == nil || g != gen {
		return nil
	}
	return c
}

// onlyFilter reports whether no filter other than the i-th is active, so
// that facet i (counted without its own filter) counts over the query
// alone.
func onlyFilter(filters []query.Query, i int) bool {
	for j, f := range filters {
		if j != i && f != nil {
			return false
		}
	}
	return true
}

// countsFrom builds the counts of facet f from match-all counts c, equal
// to what countsOf makes of bleve's facet over a match-all query: the size
// top values of a name facet, every bucket of a numeric one.
func countsFrom(c *index.FacetCounts, f facet, size int) api.Facet {
	if !f.numeric {
		top := c.Top(f.field, size)
		terms := make([]api.TermCount, len(top))
		for i, t := range top {
			terms[i] = api.TermCount{Value: t.Term, Count: t.Count}
		}
		return api.Facet{Name: f.name, Terms: terms}
	}
	ranges := make([]api.RangeCount, len(f.buckets))
	for i, b := range f.buckets {
		ranges[i] = api.RangeCount{Key: b.Key, Label: b.Label, Min: b.Min, Max: b.Max, Count: c.Count(f.field, b.Key)}
	}
	return api.Facet{Name: f.name, Ranges: ranges}
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
			return nil, api.BadRequest("q", "a wildcard, prefix, regular expression or fuzzy term matches more than %d different words: make it more specific", MaxExpandedTerms)
		}
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w (limit %s)", api.ErrTimeout, s.timeout())
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

// countsOf turns bleve's result for facet f into its counts. Term counts
// are never nil, so that JSON shows [] for a facet without values.
func countsOf(f facet, fr *search.FacetResult) api.Facet {
	counts := map[string]int{}
	terms := []api.TermCount{}
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			counts[t.Term] = t.Count
			terms = append(terms, api.TermCount{Value: t.Term, Count: t.Count})
		}
	}
	if !f.numeric {
		return api.Facet{Name: f.name, Terms: terms}
	}
	ranges := make([]api.RangeCount, len(f.buckets))
	for i, b := range f.buckets {
		ranges[i] = api.RangeCount{Key: b.Key, Label: b.Label, Min: b.Min, Max: b.Max, Count: counts[b.Key]}
	}
	return api.Facet{Name: f.name, Ranges: ranges}
}

func (s *Service) toHit(h *search.DocumentMatch) api.Hit {
	score := h.Score
	if math.IsNaN(score) || math.IsInf(score, 0) {
		score = 0
	}
	hit := api.Hit{
		ID:     h.ID,
		Title:  index.FirstString(h.Fields[index.FieldTitle]),
		Score:  score,
		Values: index.SummaryOf(s.schema, h.Fields),
	}
	if p := index.ArticleOf(h.ID, h.Fields).Published; !p.IsZero() {
		hit.Published = &p
	}
	if frags := h.Fragments[index.FieldText]; len(frags) > 0 {
		hit.Snippet = tidyFragment(frags[0])
	}
	hit.Headline = storedHeadline(h.Fields)
	return hit
}

// headlineUnknown marks a hit whose article has no stored headline (an
// index made before FieldHeadline): fillSnippets makes it from the stored
// text and entities.
var headlineUnknown = &tag.HeadlineCut{}

// storedHeadline is the headline cut stored with a hit's article: nil when
// it names no trust, headlineUnknown when none is stored or it cannot be
// read.
func storedHeadline(fields map[string]any) *tag.HeadlineCut {
	v := index.FirstString(fields[index.FieldHeadline])
	if v == "" {
		return headlineUnknown
	}
	var h *tag.HeadlineCut
	if json.Unmarshal([]byte(v), &h) != nil {
		return headlineUnknown
	}
	return h
}

// headlineOf is the headline cut of an article from its stored text and
// entities (the same events GET /api/articles/:id gives), or nil when it
// names no trust or its entities cannot be read.
func headlineOf(text, entsJSON string) *tag.HeadlineCut {
	var ents []tag.Entity
	if entsJSON == "" || json.Unmarshal([]byte(entsJSON), &ents) != nil {
		return nil
	}
	return tag.ArticleHeadline(text, ents, tag.Events(text, ents))
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
// query, or a match only in the title or a filter) the start of their text,
// and hits without a stored headline (an index made before FieldHeadline)
// the headline made from their text and entities.
func (s *Service) fillSnippets(ctx context.Context, hits []api.Hit) error {
	var ids []string
	for _, h := range hits {
		if h.Snippet == "" || h.Headline == headlineUnknown {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{index.FieldText, index.FieldEntities}
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		for i := range hits {
			if hits[i].Headline == headlineUnknown {
				hits[i].Headline = nil
			}
		}
		return err
	}
	type stored struct{ text, ents string }
	found := make(map[string]stored, len(res.Hits))
	for _, m := range res.Hits {
		found[m.ID] = stored{index.FirstString(m.Fields[index.FieldText]), index.FirstString(m.Fields[index.FieldEntities])}
	}
	for i := range hits {
		f := found[hits[i].ID]
		if hits[i].Snippet == "" {
			hits[i].Snippet = leadSnippet(f.text)
		}
		if hits[i].Headline == headlineUnknown {
			hits[i].Headline = headlineOf(f.text, f.ents)
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

// DocCount returns the number of articles in the index.
func (s *Service) DocCount() (uint64, error) {
	n, err := s.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return n, nil
}

// OnWriter returns o with what a Service over w's index needs from the
// Writer — its schema, generation, match-all counts and bitmaps — as
// `cutwatch serve` runs it.
func OnWriter(w *index.Writer, o Options) Options {
	o.Schema = w.Schema()
	o.Generation = w.Generation
	o.MatchAll = w.MatchAllCounts
	o.Bitmaps = w.Bitmaps
	return o
}
