package search

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Article is a whole stored article with its canonical entity values and
// its entity mentions with byte offsets into Text.
type Article struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Text      string     `json:"text"`
	URL       string     `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// The article's canonical entity values.
	tag.Summary
	Entities []tag.Entity `json:"entities"`
}

// Article returns the article with the given id, or an error wrapping
// ErrNotFound.
func (s *Service) Article(ctx context.Context, id string) (*Article, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{id}), 1, 0, false)
	sr.Fields = []string{"*"}
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 {
		return nil, fmt.Errorf("article %q: %w", truncate(id, 100), ErrNotFound)
	}
	f := res.Hits[0].Fields
	a := &Article{
		ID:       res.Hits[0].ID,
		Title:    firstString(f[index.FieldTitle]),
		Text:     firstString(f[index.FieldText]),
		URL:      firstString(f[index.FieldURL]),
		Summary:  summaryOf(f),
		Entities: []tag.Entity{},
	}
	if p := firstString(f[index.FieldPublished]); p != "" {
		if t, err := time.Parse(time.RFC3339Nano, p); err == nil {
			a.Published = &t
		}
	}
	if e := firstString(f[index.FieldEntities]); e != "" {
		if err := json.Unmarshal([]byte(e), &a.Entities); err != nil {
			return nil, fmt.Errorf("article %q: decode stored entities: %w", id, err)
		}
	}
	return a, nil
}

// Limits of FacetValues.
const (
	DefaultFacetValues = 20
	MaxFacetValues     = 1000
	MaxPrefixLen       = 200
)

// FacetValues returns the values of a term facet (trust, union, person,
// place, hospital) over all articles with their article counts, most
// frequent first, keeping only values with a word that starts with prefix
// (ignoring case). size 0 means DefaultFacetValues. An unknown field or a bad size is
// a *BadRequestError. The slice may be shared with other callers and the
// cache: treat it as read-only.
func (s *Service) FacetValues(ctx context.Context, field, prefix string, size int) ([]TermCount, error) {
	if !slices.Contains(index.KeywordFields, field) {
		return nil, badRequest("field", "unknown facet %q (want one of %s)", truncate(field, 40), strings.Join(index.KeywordFields, ", "))
	}
	if size == 0 {
		size = DefaultFacetValues
	}
	if size < 0 || size > MaxFacetValues {
		return nil, badRequest("size", "must be between 1 and %d, got %d", MaxFacetValues, size)
	}
	if len(prefix) > MaxPrefixLen {
		return nil, badRequest("prefix", "at most %d bytes", MaxPrefixLen)
	}
	if err := checkQueryText(prefix); err != nil {
		return nil, badRequest("prefix", "not valid UTF-8")
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
		out := []TermCount{}
		if r := res.Facets[field]; r != nil && r.Terms != nil {
			for _, t := range r.Terms.Terms() {
				out = append(out, TermCount{Value: t.Term, Count: t.Count})
			}
		}
		return out, facetCounts{terms: out}.size(), nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]TermCount), nil
}
