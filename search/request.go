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
	// Facets lists the facets to count, of FacetNames; empty means all of
	// them, and FacetNone alone none. Counting a facet reads a value of
	// every matching article, so a client that shows no facets saves most
	// of the work of a broad search by asking for none.
	Facets []string
	// NoCache makes the search read the index even when the cache has its
	// answer, and leaves the cache alone (health checks).
	NoCache bool
}

// FacetNames are the facets of a search response: the term facets
// (index.KeywordFields) and the range facets amount and jobs.
var FacetNames = func() []string {
	names := make([]string, len(facets))
	for i, f := range facets {
		names[i] = f.name
	}
	return names
}()

// FacetNone as the only element of Request.Facets asks for no facets.
const FacetNone = "none"

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
	for _, name := range r.Facets {
		if name == FacetNone && len(r.Facets) > 1 {
			return badRequest("facets", "%q cannot be combined with facet names", FacetNone)
		}
		if name != FacetNone && !slices.Contains(FacetNames, name) {
			return badRequest("facets", "unknown facet %q (want some of %s, or %s)", truncate(name, 40), strings.Join(FacetNames, ", "), FacetNone)
		}
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
// jobs_max, sort, from, size, facet_size, facets. facets is a
// comma-separated list of FacetNames; "all" (or no facets parameter) asks
// for every facet, "none" (or an empty value) for none. Unknown parameters
// are ignored; a parameter that must be single but is repeated, or a
// malformed value, is a *BadRequestError.
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
	if r.Facets, err = parseFacets(v); err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	return r, nil
}

// parseFacets reads the facets parameter: nil for all facets.
func parseFacets(v url.Values) ([]string, error) {
	if _, ok := v["facets"]; !ok {
		return nil, nil
	}
	s, err := single(v, "facets")
	if err != nil {
		return nil, err
	}
	switch s = strings.TrimSpace(s); s {
	case "all":
		return nil, nil
	case "", FacetNone:
		return []string{FacetNone}, nil
	}
	var names []string
	for _, name := range strings.Split(s, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, nil
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

// wantsFacet reports whether the request asks for the facet name.
func (r *Request) wantsFacet(name string) bool {
	return len(r.Facets) == 0 || slices.Contains(r.Facets, name)
}

// key returns a canonical form of everything in a validated request that
// changes its result, for the cache: the same key means the same answer
// from the same index.
func (r *Request) key() string {
	var b strings.Builder
	r.writeMatchKey(&b, "")
	fmt.Fprintf(&b, "\x00sort=%s\x00from=%d\x00size=%d\x00facet_size=%d\x00facets=", r.Sort, r.From, r.Size, r.FacetSize)
	for _, name := range FacetNames {
		if r.wantsFacet(name) {
			b.WriteString(name)
			b.WriteByte(',')
		}
	}
	return b.String()
}

// facetKey returns a canonical form of what the counts of facet f depend
// on: the query, the filters of the other facets and, for a term facet,
// the facet size. Sort order and page do not change them.
func (r *Request) facetKey(f facet) string {
	var b strings.Builder
	b.WriteString(f.name)
	if f.buckets == nil {
		fmt.Fprintf(&b, "\x00facet_size=%d", r.FacetSize)
	}
	r.writeMatchKey(&b, f.name)
	return b.String()
}

// writeMatchKey writes the query and the filters, except those of the
// facet except, in a canonical form: the query without surrounding space
// when blank, each facet's values sorted and without duplicates or blanks,
// numbers in their shortest form.
func (r *Request) writeMatchKey(b *strings.Builder, except string) {
	q := r.Q
	if strings.TrimSpace(q) == "" {
		q = ""
	}
	b.WriteString("\x00q=")
	b.WriteString(strconv.Quote(q))
	for _, field := range index.KeywordFields {
		if field == except {
			continue
		}
		vals := r.activeFilters(field)
		if len(vals) == 0 {
			continue
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		b.WriteString("\x00" + field + "=")
		for _, v := range vals {
			b.WriteString(strconv.Quote(v))
		}
	}
	for _, rg := range []struct {
		name string
		r    Range
	}{{index.FieldAmount, r.Amount}, {index.FieldJobs, r.Jobs}} {
		if rg.name == except || !rg.r.Active() {
			continue
		}
		b.WriteString("\x00" + rg.name + "=" + bound(rg.r.Min) + ".." + bound(rg.r.Max))
	}
}

func bound(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}
