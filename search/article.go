package search

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Article returns the article with the given id, with its canonical
// values and entities, or an error wrapping api.ErrNotFound. It is read
// under admission control (a huge article's entities and events take
// time) and cached until the index changes, like a search; the article
// returned may be shared with other callers: treat it as read-only.
func (s *Service) Article(ctx context.Context, id string) (*api.TaggedArticle, error) {
	v, err := s.cached(ctx, "article\x00"+id, false, func(ctx context.Context, _ uint64, _ bool) (any, int64, error) {
		a, err := s.article(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		size := int64(len(a.Text)+len(a.Title)+len(a.URL)) + int64(len(a.Entities))*96 + int64(len(a.CutEvents))*128 + 512
		return a, size, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*api.TaggedArticle), nil
}

// article reads the article with the given id from the index.
func (s *Service) article(ctx context.Context, id string) (*api.TaggedArticle, error) {
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{id}), 1, 0, false)
	sr.Fields = []string{"*"}
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("article %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	}
	f := res.Hits[0].Fields
	src := index.ArticleOf(res.Hits[0].ID, f)
	a := &api.TaggedArticle{
		ID:       src.ID,
		Title:    src.Title,
		Text:     src.Text,
		URL:      src.URL,
		Values:   index.SummaryOf(s.schema, f),
		Entities: []tag.Entity{},
	}
	if !src.Published.IsZero() {
		a.Published = &src.Published
	}
	if e := index.FirstString(f[index.FieldEntities]); e != "" {
		if err := json.Unmarshal([]byte(e), &a.Entities); err != nil {
			return nil, fmt.Errorf("article %q: decode stored entities: %w", id, err)
		}
		if a.Entities == nil { // stored as null: an article that names nothing
			a.Entities = []tag.Entity{}
		}
	}
	// Its story of near-duplicates, from the Writer's bitmaps when they
	// are current, else read from the index.
	var set *bitmaps.Set
	if bits := s.bitmapsFor(0, false); bits != nil {
		set = bits.Set
	} else if set, err = s.readStories(ctx); err != nil {
		return nil, fmt.Errorf("article %q: %w", id, err)
	}
	hit := []api.Hit{{ID: a.ID}}
	if _, err := s.fillAlsoIn(ctx, set, hit); err != nil {
		return nil, fmt.Errorf("article %q: %w", id, err)
	}
	a.AlsoIn = hit[0].AlsoIn
	// the events are made from the stored text and entities, so an index
	// written before they existed has them too
	a.CutEvents = tag.Events(a.Text, a.Entities)
	if a.CutEvents == nil {
		a.CutEvents = []tag.CutEvent{}
	}
	a.Headline = tag.ArticleHeadline(a.Text, a.Entities, a.CutEvents)
	a.EntityCount, a.CutEventCount = len(a.Entities), len(a.CutEvents)
	return a, nil
}

// FacetValues returns the values of a term facet (trust, union, person,
// place, hospital) over all articles with their article counts, most
// frequent first, keeping only values with a word that starts with prefix
// (ignoring case). size 0 means api.DefaultFacetValues. An unknown field or a bad size is
// a *BadRequestError. The slice may be shared with other callers and the
// cache: treat it as read-only.
func (s *Service) FacetValues(ctx context.Context, field, prefix string, size int) ([]api.TermCount, error) {
	if terms := s.schema.TermNames(); !slices.Contains(terms, field) {
		return nil, api.BadRequest("field", "unknown facet %q (want one of %s)", api.Truncate(field, 40), strings.Join(terms, ", "))
	}
	if size == 0 {
		size = api.DefaultFacetValues
	}
	if size < 0 || size > api.MaxFacetValues {
		return nil, api.BadRequest("size", "must be between 1 and %d, got %d", api.MaxFacetValues, size)
	}
	if len(prefix) > api.MaxPrefixLen {
		return nil, api.BadRequest("prefix", "at most %d bytes", api.MaxPrefixLen)
	}
	if !utf8.ValidString(prefix) {
		// The prefix is plain text matched literally (QuoteMeta), not a
		// query: brackets and other syntax are fine.
		return nil, api.BadRequest("prefix", "not valid UTF-8")
	}
	key := "values\x00" + field + "\x00" + strconv.Itoa(size) + "\x00" + prefix
	v, err := s.cached(ctx, key, false, func(ctx context.Context, _ uint64, _ bool) (any, int64, error) {
		fr := bleve.NewFacetRequest(field, size)
		if prefix != "" {
			// Any word may start the match, so "nurs" offers "Royal College
			// of Nursing" as well as names that start with it.
			fr.SetRegexFilter(`(?i)(^|[\s(/-])` + regexp.QuoteMeta(prefix))
		}
		sr := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 0, 0, false)
		sr.Score = "none"
		sr.AddFacet(field, fr)
		res, err := s.run(ctx, sr)
		if err != nil {
			return nil, 0, err
		}
		out := []api.TermCount{}
		if r := res.Facets[field]; r != nil && r.Terms != nil {
			for _, t := range r.Terms.Terms() {
				out = append(out, api.TermCount{Value: t.Term, Count: t.Count})
			}
		}
		return out, facetSize(api.Facet{Terms: out}), nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]api.TermCount), nil
}
