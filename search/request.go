package search

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/index"
)

// Limits of a request. Larger values are bad requests.
const (
	DefaultSize      = 10
	MaxSize          = 100
	MaxFrom          = 10_000 // deep paging costs a sort over from+size hits
	DefaultFacetSize = 10
	MaxFacetSize     = 100
	MaxFilterValues  = 50  // values of one facet filter
	MaxFilterLen     = 500 // bytes of one filter value
)

// BadRequestError is an error in a request: a malformed query or an invalid
// parameter. Its message is meant for the user; the web layer answers it
// with status 400.
type BadRequestError struct {
	Param string // the parameter at fault ("q", "size", ...), if any
	Msg   string
}

func (e *BadRequestError) Error() string {
	if e.Param == "" {
		return e.Msg
	}
	return e.Param + ": " + e.Msg
}

func badRequest(param, format string, args ...any) error {
	return &BadRequestError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// IsBadRequest reports whether err is (or wraps) a *BadRequestError.
func IsBadRequest(err error) bool {
	var br *BadRequestError
	return errors.As(err, &br)
}

// Sort orders of results. The numeric orders use each article's smallest
// value ascending and its largest value descending; articles without a value
// come last. Ties are broken by relevance, then by id.
const (
	SortRelevance     = "relevance"
	SortAmount        = "amount"
	SortAmountDesc    = "-amount"
	SortJobs          = "jobs"
	SortJobsDesc      = "-jobs"
	SortPublished     = "published"
	SortPublishedDesc = "-published"
)

// SortKeys lists the valid values of Request.Sort.
var SortKeys = []string{SortRelevance, SortAmount, SortAmountDesc, SortJobs, SortJobsDesc, SortPublished, SortPublishedDesc}

// Range is an inclusive numeric range; a nil bound is open. An article
// matches when any of its values lies in the range.
type Range struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// Active reports whether r restricts anything.
func (r Range) Active() bool { return r.Min != nil || r.Max != nil }

// Request is one search: a query in bleve's query-string syntax, facet
// filters, numeric ranges, sort order and page.
type Request struct {
	// Q is the query; empty matches every article.
	Q string
	// Filters maps a keyword facet field (index.KeywordFields) to the values
	// an article must have: any one of them (OR within a facet); every facet
	// given must match (AND across facets).
	Filters map[string][]string
	// Amount and Jobs restrict the money amounts and job counts.
	Amount Range
	Jobs   Range
	// Sort is one of SortKeys; empty means relevance.
	Sort string
	// From is the offset of the first hit, Size the number of hits (0 means
	// DefaultSize).
	From, Size int
	// FacetSize is the number of values per term facet (0 means
	// DefaultFacetSize).
	FacetSize int
}

// Validate checks the request and fills defaults. Errors are
// *BadRequestError.
func (r *Request) Validate() error {
	if r.Size == 0 {
		r.Size = DefaultSize
	}
	if r.FacetSize == 0 {
		r.FacetSize = DefaultFacetSize
	}
	if r.Sort == "" {
		r.Sort = SortRelevance
	}
	switch {
	case r.From < 0:
		return badRequest("from", "must be 0 or more, got %d", r.From)
	case r.From > MaxFrom:
		return badRequest("from", "must be at most %d, got %d", MaxFrom, r.From)
	case r.Size < 0 || r.Size > MaxSize:
		return badRequest("size", "must be between 1 and %d, got %d", MaxSize, r.Size)
	case r.FacetSize < 0 || r.FacetSize > MaxFacetSize:
		return badRequest("facet_size", "must be between 1 and %d, got %d", MaxFacetSize, r.FacetSize)
	case !slices.Contains(SortKeys, r.Sort):
		return badRequest("sort", "unknown sort key %q (want one of %s)", r.Sort, strings.Join(SortKeys, ", "))
	}
	if err := checkQueryText(r.Q); err != nil {
		return err
	}
	for field, vals := range r.Filters {
		if !slices.Contains(index.KeywordFields, field) {
			return badRequest(field, "unknown facet (want one of %s)", strings.Join(index.KeywordFields, ", "))
		}
		if len(vals) > MaxFilterValues {
			return badRequest(field, "at most %d values, got %d", MaxFilterValues, len(vals))
		}
		for _, v := range vals {
			if len(v) > MaxFilterLen || !utf8.ValidString(v) {
				return badRequest(field, "value must be valid UTF-8 of at most %d bytes", MaxFilterLen)
			}
		}
	}
	for _, rg := range []struct {
		name string
		r    Range
	}{{"amount", r.Amount}, {"jobs", r.Jobs}} {
		if rg.r.Min != nil && rg.r.Max != nil && *rg.r.Min > *rg.r.Max {
			return badRequest(rg.name+"_min", "is greater than %s_max", rg.name)
		}
	}
	return nil
}

// activeFilters returns the non-empty filter values of field.
func (r *Request) activeFilters(field string) []string {
	var vals []string
	for _, v := range r.Filters[field] {
		if v != "" {
			vals = append(vals, v)
		}
	}
	return vals
}

// ParseRequest reads a Request from URL parameters: q, trust, union,
// person, place, hospital (repeatable), amount_min, amount_max, jobs_min,
// jobs_max, sort, from, size, facet_size. Unknown parameters are ignored;
// a parameter that must be single but is repeated, or a malformed value,
// is a *BadRequestError.
func ParseRequest(v url.Values) (Request, error) {
	var r Request
	var err error
	if r.Q, err = single(v, "q"); err != nil {
		return r, err
	}
	for _, f := range index.KeywordFields {
		if vals, ok := v[f]; ok {
			if r.Filters == nil {
				r.Filters = make(map[string][]string)
			}
			r.Filters[f] = vals
		}
	}
	if r.Amount, err = parseRange(v, "amount"); err != nil {
		return r, err
	}
	if r.Jobs, err = parseRange(v, "jobs"); err != nil {
		return r, err
	}
	if r.Sort, err = single(v, "sort"); err != nil {
		return r, err
	}
	if r.From, err = parseInt(v, "from"); err != nil {
		return r, err
	}
	if r.Size, err = parseInt(v, "size"); err != nil {
		return r, err
	}
	if _, ok := v["size"]; ok && r.Size == 0 {
		return r, badRequest("size", "must be between 1 and %d, got 0", MaxSize)
	}
	if r.FacetSize, err = parseInt(v, "facet_size"); err != nil {
		return r, err
	}
	if _, ok := v["facet_size"]; ok && r.FacetSize == 0 {
		return r, badRequest("facet_size", "must be between 1 and %d, got 0", MaxFacetSize)
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	return r, nil
}

func single(v url.Values, name string) (string, error) {
	vals := v[name]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return vals[0], nil
	}
	return "", badRequest(name, "given %d times, want at most once", len(vals))
}

func parseInt(v url.Values, name string) (int, error) {
	s, err := single(v, name)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest(name, "not a whole number: %q", truncate(s, 40))
	}
	return n, nil
}

func parseRange(v url.Values, name string) (Range, error) {
	var r Range
	for _, end := range []struct {
		suffix string
		dst    **float64
	}{{"_min", &r.Min}, {"_max", &r.Max}} {
		s, err := single(v, name+end.suffix)
		if err != nil {
			return r, err
		}
		if s == "" {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return r, badRequest(name+end.suffix, "not a number: %q", truncate(s, 40))
		}
		*end.dst = &f
	}
	return r, nil
}

// truncate shortens s to at most n bytes (at a rune boundary) for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
