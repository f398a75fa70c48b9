package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// Percolator matches search requests against a few articles, exactly as
// Service.Search matches them in the live index: the same query parser,
// analyzer, filters and ranges, over an index in memory that holds only
// those articles, mapped as the live one (index.MemIndex). A feed source's
// relevance filter and the watches of saved searches use it on every
// write, rather than one search of the whole index per request. Each
// article is matched on its own, as with collapse=false: whether it is a
// copy of another article's story (and so left out of collapsed searches)
// is not the filter's question. It is not safe for concurrent use.
type Percolator struct {
	svc *Service
	idx bleve.Index
	n   int
}

// NewPercolator returns a Percolator over the articles ws of the kinds of
// s. Close it when done.
func NewPercolator(s *schema.Schema, ws []index.Written) (*Percolator, error) {
	idx, err := index.MemIndex(s, ws)
	if err != nil {
		return nil, err
	}
	return &Percolator{svc: New(idx, Options{Schema: s, MaxSearches: -1}), idx: idx, n: len(ws)}, nil
}

// Match returns the ids of the articles that req matches, sorted. Its
// page, sort and facets are not used. A malformed request is an
// *api.BadRequestError, as from Search.
func (p *Percolator) Match(ctx context.Context, req api.Request) ([]string, error) {
	return p.svc.Matches(ctx, req, nil, p.n)
}

// Matches returns the ids of at most limit articles that req matches
// (among req.IDs when it names some, and among ids when not empty: any
// number of them, unlike req.IDs), sorted: the articles Search would
// find, without scores, snippets, facets, cache or admission control.
// Its page, sort and facets are not used, and it never relaxes a simple
// query that no article matches whole (the fallback of Search, which
// would make a watch of "a b" fire for every article with a or b). A
// malformed request is an *api.BadRequestError, as from Search. The watches match each write's
// new articles with it, restricted to their ids, in the live index.
func (s *Service) Matches(ctx context.Context, req api.Request, ids []string, limit int) ([]string, error) {
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
	user := parsed.Query
	if limit <= 0 {
		return nil, nil
	}
	if bits := s.bitmapsFor(0, false); bits != nil {
		return s.matchesBits(ctx, &req, user, ids, limit, bits)
	}
	user = onlyIDs(onlyIDs(user, req.IDs), ids)
	_, filters := s.filters(&req)
	sr := bleve.NewSearchRequestOptions(combine(user, filters, nil), limit, 0, false)
	sr.Score = "none"
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	res, err := s.run(ctx, sr)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	slices.Sort(out)
	return out, nil
}

// Close frees the index in memory.
func (p *Percolator) Close() error {
	if err := p.idx.Close(); err != nil {
		return fmt.Errorf("close percolator: %w", err)
	}
	return nil
}
