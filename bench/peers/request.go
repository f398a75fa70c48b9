package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// clause is one required part of a query: a word, or a phrase.
type clause struct {
	Words  []string
	Phrase bool
}

// parseQ translates the query forms of the benchmark mix: a word, a
// "quoted phrase", and +a +b (every part required). Other forms of
// cutwatch's query syntax are refused, never guessed.
func parseQ(q string) ([]clause, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if strings.HasPrefix(q, `"`) {
		if len(q) < 2 || !strings.HasSuffix(q, `"`) || strings.Count(q, `"`) != 2 {
			return nil, fmt.Errorf("query %q: only one whole quoted phrase is supported", q)
		}
		words := strings.Fields(q[1 : len(q)-1])
		if len(words) == 0 {
			return nil, fmt.Errorf("query %q: empty phrase", q)
		}
		return []clause{{Words: words, Phrase: true}}, nil
	}
	const special = `"+-:*^()~?/\\`
	parts := strings.Fields(q)
	if len(parts) == 1 && !strings.HasPrefix(parts[0], "+") {
		if strings.ContainsAny(parts[0], special) {
			return nil, fmt.Errorf("query %q: only a word, a phrase or +a +b are supported", q)
		}
		return []clause{{Words: parts}}, nil
	}
	var out []clause
	for _, p := range parts {
		w, ok := strings.CutPrefix(p, "+")
		if !ok || w == "" || strings.ContainsAny(w, special) {
			return nil, fmt.Errorf("query %q: only a word, a phrase or +a +b are supported", q)
		}
		out = append(out, clause{Words: []string{w}})
	}
	return out, nil
}

// filter is one facet's filter of a request: term values (any of them) or
// a numeric range.
type filter struct {
	Facet    int // index into facets
	Values   []string
	Min, Max *float64
}

// facetSpec is one facet of a response, as cutwatch counts it.
type facetSpec struct {
	Name    string
	Field   string // the terms table's field that holds its values
	Numeric bool
	Buckets []string // a numeric facet's bucket keys, in order
}

// facets are the facets of every response, in cutwatch's order.
var facets = func() []facetSpec {
	var out []facetSpec
	for _, name := range schema.Default.FacetNames() {
		k, _ := schema.Default.Lookup(name)
		f := facetSpec{Name: name, Field: k.FacetField(), Numeric: k.Numeric}
		for _, b := range k.Buckets {
			f.Buckets = append(f.Buckets, b.Key)
		}
		out = append(out, f)
	}
	return out
}()

// spec is a request of the mix translated for the SQL engines.
type spec struct {
	Clauses []clause
	Filters []filter
	// SortField is the numeric field to sort by ("" for relevance),
	// SortDesc whether by its largest value descending (else smallest
	// ascending); missing values last, then relevance, then id.
	SortField string
	SortDesc  bool
	Size      int
	FacetSize int
}

// toSpec translates req (as api.ParseRequest makes it).
func toSpec(req api.Request) (spec, error) {
	cs, err := parseQ(req.Q)
	if err != nil {
		return spec{}, err
	}
	s := spec{Clauses: cs, Size: req.Size, FacetSize: req.FacetSize}
	if s.Size == 0 {
		s.Size = api.DefaultSize
	}
	if s.FacetSize == 0 {
		s.FacetSize = api.DefaultFacetSize
	}
	if req.From != 0 {
		return spec{}, errors.New("paging is not supported")
	}
	for i, f := range facets {
		if f.Numeric {
			if r := req.Ranges[f.Name]; r.Active() {
				s.Filters = append(s.Filters, filter{Facet: i, Min: r.Min, Max: r.Max})
			}
		} else if vs := req.ActiveFilters(f.Name); len(vs) > 0 {
			s.Filters = append(s.Filters, filter{Facet: i, Values: vs})
		}
	}
	switch {
	case req.Sort == "" || req.Sort == api.SortRelevance:
	case schema.Default.IsNumeric(strings.TrimPrefix(req.Sort, "-")):
		s.SortField, s.SortDesc = strings.TrimPrefix(req.Sort, "-"), strings.HasPrefix(req.Sort, "-")
	default:
		return spec{}, fmt.Errorf("sort %q is not supported", req.Sort)
	}
	return s, nil
}

// result is a response as every engine gives it.
type result struct {
	Total uint64
	Hits  []hit
	// Facets holds per facet (in facets' order) its top values by count
	// then value, or a numeric facet's count of every bucket in order.
	Facets [][]api.TermCount
}

type hit struct {
	ID      string
	Snippet string
}

// fromAPI converts cutwatch's response.
func fromAPI(r *api.Result) result {
	out := result{Total: r.Total, Facets: make([][]api.TermCount, len(facets))}
	for _, h := range r.Hits {
		out.Hits = append(out.Hits, hit{ID: h.ID, Snippet: h.Snippet})
	}
	for i, f := range facets {
		got, _ := r.Facets.Get(f.Name)
		if f.Numeric {
			for _, rc := range got.Ranges {
				out.Facets[i] = append(out.Facets[i], api.TermCount{Value: rc.Key, Count: rc.Count})
			}
		} else {
			// Counts only: the peers compute no jobs sums
			// (facet_metric), nor histograms.
			for _, tc := range got.Terms {
				out.Facets[i] = append(out.Facets[i], api.TermCount{Value: tc.Value, Count: tc.Count})
			}
		}
	}
	return out
}
