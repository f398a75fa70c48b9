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
	if err := req.Validate(p.svc.schema); err != nil {
		return nil, err
	}
	user, err := ParseQuery(p.svc.schema, req.Q)
	if err != nil {
		return nil, err
	}
	if p.n == 0 {
		return nil, nil
	}
	_, filters := p.svc.filters(&req)
	sr := bleve.NewSearchRequestOptions(combine(user, filters, nil), p.n, 0, false)
	sr.Score = "none"
	ctx, cancel := context.WithTimeout(ctx, p.svc.timeout())
	defer cancel()
	res, err := p.svc.run(ctx, sr)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	slices.Sort(ids)
	return ids, nil
}

// Close frees the index in memory.
func (p *Percolator) Close() error {
	if err := p.idx.Close(); err != nil {
		return fmt.Errorf("close percolator: %w", err)
	}
	return nil
}
