package api

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/index/schema"
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

// BadRequest returns a *BadRequestError about param.
func BadRequest(param, format string, args ...any) error {
	return &BadRequestError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// IsBadRequest reports whether err is (or wraps) a *BadRequestError.
func IsBadRequest(err error) bool {
	var br *BadRequestError
	return errors.As(err, &br)
}

// Sort orders of results besides those of the numeric kinds (see
// SortKeys). The numeric orders use each article's smallest value
// ascending and its largest value descending; articles without a value come
// last. Ties are broken by relevance, then by id.
const (
	SortRelevance     = "relevance"
	SortPublished     = "published"
	SortPublishedDesc = "-published"
)

// SortKeys lists the valid values of Request.Sort under s: relevance,
// each numeric kind ascending (its name) and descending (-name), and the
// publication date.
func SortKeys(s *schema.Schema) []string {
	keys := []string{SortRelevance}
	for _, n := range s.NumericNames() {
		keys = append(keys, n, "-"+n)
	}
	return append(keys, SortPublished, SortPublishedDesc)
}

// isSortKey reports whether key is one of SortKeys(s).
func isSortKey(s *schema.Schema, key string) bool {
	switch key {
	case SortRelevance, SortPublished, SortPublishedDesc:
		return true
	}
	return s.IsNumeric(strings.TrimPrefix(key, "-"))
}

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
	// Syntax is the language of Q: SyntaxSimple (or "", the default) or
	// SyntaxBleve.
	Syntax string
	// NoRelax (the parameter relax=false) turns off the fallback of the
	// simple syntax: when no article has every word, Search answers the
	// articles with any of them, best first, and says so
	// (Result.Relaxed). Matches, the Percolator and the watches never
	// relax.
	NoRelax bool
	// Filters maps a name kind (schema.Schema.TermNames) to the values an
	// article must have: any one of them (OR within a facet); every facet
	// given must match (AND across facets).
	Filters map[string][]string
	// Ranges maps a numeric kind (schema.Schema.NumericNames) to the
	// range its values must meet.
	Ranges map[string]Range
	// Sort is one of SortKeys; empty means relevance.
	Sort string
	// From is the offset of the first hit, Size the number of hits (0 means
	// DefaultSize).
	From, Size int
	// FacetSize is the number of values per term facet (0 means
	// DefaultFacetSize).
	FacetSize int
	// Facets lists the facets to count (schema.Schema.FacetNames); empty
	// means all of them, and FacetNone alone none. Counting a facet reads
	// a value of every matching article, so a client that shows no facets
	// saves most of the work of a broad search by asking for none.
	Facets []string
	// IDs, when not empty, restrict the search to the articles with
	// these ids (the id parameter, repeatable): to ask whether one
	// search finds one article.
	IDs []string
	// PublishedFrom and PublishedTo, when not zero, restrict the search to
	// the articles published within them (inclusive instants, UTC; an
	// article without a date is then left out). ParseRequest makes a date
	// YYYY-MM-DD the whole UTC day.
	PublishedFrom, PublishedTo time.Time
	// Histogram, when not empty, asks for the matching articles counted
	// per period (one of HistogramIntervals) with the sum of their jobs
	// (Result.Histogram).
	Histogram string
	// FacetMetric, when not empty (FacetMetricJobs), gives each value of a
	// term facet the sum of the jobs of its articles too.
	FacetMetric string
	// FacetSort, when FacetSortJobs (with FacetMetric), orders each term
	// facet's values by their jobs sum, largest first (then by count, then
	// by value), and keeps the FacetSize largest: "trusts by jobs at
	// risk" in one request. Empty: by count, as always.
	FacetSort string
	// NoCache makes the search read the index even when the cache has its
	// answer, and leaves the cache alone (health checks).
	NoCache bool
	// NoCollapse (the parameter collapse=false) shows every article.
	// By default a story of near-duplicates (an agency story run by many
	// papers) is one hit, its first article, with the others in its
	// AlsoIn, and the total and facet counts count it once.
	NoCollapse bool
}

// Dated reports whether r restricts the publication date.
func (r *Request) Dated() bool { return !r.PublishedFrom.IsZero() || !r.PublishedTo.IsZero() }

// InDates reports whether an article published at t (zero: no date)
// passes r's publication dates: every article when r has none, else one
// with a date within them, inclusive.
func (r *Request) InDates(t time.Time) bool {
	if !r.Dated() {
		return true
	}
	if t.IsZero() {
		return false
	}
	n := t.UnixNano()
	return (r.PublishedFrom.IsZero() || n >= r.PublishedFrom.UnixNano()) && (r.PublishedTo.IsZero() || n <= r.PublishedTo.UnixNano())
}

// Aggregates reports whether r asks for a histogram or facet sums.
func (r *Request) Aggregates() bool { return r.Histogram != "" || r.FacetMetric != "" }

// FacetNone as the only element of Request.Facets asks for no facets.
const FacetNone = "none"

// Clone returns a copy of r that shares no maps, slices or pointers with
// it.
func (r Request) Clone() Request {
	c := r
	if r.Filters != nil {
		c.Filters = make(map[string][]string, len(r.Filters))
		for k, v := range r.Filters {
			c.Filters[k] = slices.Clone(v)
		}
	}
	if r.Ranges != nil {
		c.Ranges = make(map[string]Range, len(r.Ranges))
		for k, v := range r.Ranges {
			c.Ranges[k] = v.clone()
		}
	}
	c.Facets = slices.Clone(r.Facets)
	c.IDs = slices.Clone(r.IDs)
	return c
}

func (r Range) clone() Range {
	var c Range
	if r.Min != nil {
		v := *r.Min
		c.Min = &v
	}
	if r.Max != nil {
		v := *r.Max
		c.Max = &v
	}
	return c
}

// SetRange sets the range of the numeric kind name (an inactive range
// removes it).
func (r *Request) SetRange(name string, rg Range) {
	if !rg.Active() {
		delete(r.Ranges, name)
		return
	}
	if r.Ranges == nil {
		r.Ranges = map[string]Range{}
	}
	r.Ranges[name] = rg
}

// ActiveFilters returns the non-empty filter values of field.
func (r *Request) ActiveFilters(field string) []string {
	var vals []string
	for _, v := range r.Filters[field] {
		if v != "" {
			vals = append(vals, v)
		}
	}
	return vals
}

// WantsFacet reports whether the request asks for the facet name.
func (r *Request) WantsFacet(name string) bool {
	return len(r.Facets) == 0 || slices.Contains(r.Facets, name)
}

// Validate checks the request's parameters against the kinds of s and
// fills defaults. Errors are *BadRequestError. The query itself is checked
// by the search engine that parses it.
func (r *Request) Validate(s *schema.Schema) error {
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
	case r.Syntax != "" && !slices.Contains(Syntaxes, r.Syntax):
		return BadRequest("syntax", "unknown syntax %q (want %s)", Truncate(r.Syntax, 40), strings.Join(Syntaxes, " or "))
	case r.From < 0:
		return BadRequest("from", "must be 0 or more, got %d", r.From)
	case r.From > MaxFrom:
		return BadRequest("from", "must be at most %d, got %d", MaxFrom, r.From)
	case r.Size < 0 || r.Size > MaxSize:
		return BadRequest("size", "must be between 1 and %d, got %d", MaxSize, r.Size)
	case r.FacetSize < 0 || r.FacetSize > MaxFacetSize:
		return BadRequest("facet_size", "must be between 1 and %d, got %d", MaxFacetSize, r.FacetSize)
	case !isSortKey(s, r.Sort):
		return BadRequest("sort", "unknown sort key %q (want one of %s)", r.Sort, strings.Join(SortKeys(s), ", "))
	}
	for _, name := range r.Facets {
		if name == FacetNone && len(r.Facets) > 1 {
			return BadRequest("facets", "%q cannot be combined with facet names", FacetNone)
		}
		if name != FacetNone && !s.IsTerm(name) && !s.IsNumeric(name) {
			return BadRequest("facets", "unknown facet %q (want some of %s, or %s)", Truncate(name, 40), strings.Join(s.FacetNames(), ", "), FacetNone)
		}
	}
	for field, vals := range r.Filters {
		if !s.IsTerm(field) {
			return BadRequest(field, "unknown facet (want one of %s)", strings.Join(s.TermNames(), ", "))
		}
		if len(vals) > MaxFilterValues {
			return BadRequest(field, "at most %d values, got %d", MaxFilterValues, len(vals))
		}
		for _, v := range vals {
			if len(v) > MaxFilterLen || !utf8.ValidString(v) {
				return BadRequest(field, "value must be valid UTF-8 of at most %d bytes", MaxFilterLen)
			}
		}
	}
	if len(r.IDs) > MaxFilterValues {
		return BadRequest("id", "at most %d values, got %d", MaxFilterValues, len(r.IDs))
	}
	for _, id := range r.IDs {
		if id == "" || len(id) > MaxFilterLen || !utf8.ValidString(id) {
			return BadRequest("id", "value must be valid UTF-8 of 1 to %d bytes", MaxFilterLen)
		}
	}
	if !r.PublishedFrom.IsZero() && !r.PublishedTo.IsZero() && r.PublishedFrom.After(r.PublishedTo) {
		return BadRequest("published_from", "is after published_to")
	}
	if r.Histogram != "" && !slices.Contains(HistogramIntervals, r.Histogram) {
		return BadRequest("histogram", "unknown interval %q (want one of %s)", Truncate(r.Histogram, 40), strings.Join(HistogramIntervals, ", "))
	}
	if r.FacetMetric != "" && r.FacetMetric != FacetMetricJobs {
		return BadRequest("facet_metric", "unknown metric %q (want %s)", Truncate(r.FacetMetric, 40), FacetMetricJobs)
	}
	switch {
	case r.FacetSort != "" && r.FacetSort != FacetSortCount && r.FacetSort != FacetSortJobs:
		return BadRequest("facet_sort", "unknown order %q (want %s or %s)", Truncate(r.FacetSort, 40), FacetSortCount, FacetSortJobs)
	case r.FacetSort == FacetSortJobs && r.FacetMetric != FacetMetricJobs:
		return BadRequest("facet_sort", "%s needs facet_metric=%s", FacetSortJobs, FacetMetricJobs)
	}
	for name, rg := range r.Ranges {
		if !s.IsNumeric(name) {
			return BadRequest(name+"_min", "unknown range (want one of %s)", strings.Join(s.NumericNames(), ", "))
		}
		if rg.Min != nil && rg.Max != nil && *rg.Min > *rg.Max {
			return BadRequest(name+"_min", "is greater than %s_max", name)
		}
	}
	return nil
}

// ParseRequest reads a Request from URL parameters under the kinds of s:
// q, syntax (simple or bleve), relax (true or false), a filter per name
// kind (trust, union, ...; repeatable), id (repeatable: only the articles
// with these ids), <kind>_min and <kind>_max per numeric kind
// (amount_min, jobs_max, ...), sort, from, size, facet_size, facets,
// collapse, published_from and published_to (YYYY-MM-DD, the whole UTC
// day, or an RFC 3339 time; inclusive), histogram (month, quarter or
// year) and facet_metric (jobs). facets is a comma-separated list of facet
// names; "all" (or no facets parameter) asks for every facet, "none" (or
// an empty value) for none. collapse is true (the default) or false.
// Unknown parameters are ignored here: the web handlers refuse them
// (CheckParams with RequestParams), and saved watches made before that
// keep working. A parameter that must be single but is repeated, or a
// malformed value, is a *BadRequestError.
func ParseRequest(s *schema.Schema, v url.Values) (Request, error) {
	var r Request
	var err error
	if r.Q, err = single(v, "q"); err != nil {
		return r, err
	}
	if r.Syntax, err = single(v, "syntax"); err != nil {
		return r, err
	}
	if r.Syntax == SyntaxSimple {
		r.Syntax = "" // the default, one form
	}
	_, relaxGiven := v["relax"]
	switch c, err := single(v, "relax"); {
	case err != nil:
		return r, err
	case c == "false":
		r.NoRelax = true
	case relaxGiven && c != "true":
		return r, BadRequest("relax", "want true or false, got %q", Truncate(c, 40))
	}
	for _, f := range s.TermNames() {
		if vals, ok := v[f]; ok {
			if r.Filters == nil {
				r.Filters = make(map[string][]string)
			}
			r.Filters[f] = vals
		}
	}
	for _, name := range s.NumericNames() {
		rg, err := parseRange(v, name)
		if err != nil {
			return r, err
		}
		r.SetRange(name, rg)
	}
	r.IDs = v["id"]
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
		return r, BadRequest("size", "must be between 1 and %d, got 0", MaxSize)
	}
	if r.FacetSize, err = parseInt(v, "facet_size"); err != nil {
		return r, err
	}
	if _, ok := v["facet_size"]; ok && r.FacetSize == 0 {
		return r, BadRequest("facet_size", "must be between 1 and %d, got 0", MaxFacetSize)
	}
	if r.Facets, err = parseFacets(v); err != nil {
		return r, err
	}
	_, given := v["collapse"]
	switch c, err := single(v, "collapse"); {
	case err != nil:
		return r, err
	case c == "false":
		r.NoCollapse = true
	case given && c != "true":
		return r, BadRequest("collapse", "want true or false, got %q", Truncate(c, 40))
	}
	if r.PublishedFrom, err = parseDateBound(v, "published_from", false); err != nil {
		return r, err
	}
	if r.PublishedTo, err = parseDateBound(v, "published_to", true); err != nil {
		return r, err
	}
	if r.Histogram, err = single(v, "histogram"); err != nil {
		return r, err
	}
	if r.FacetMetric, err = single(v, "facet_metric"); err != nil {
		return r, err
	}
	if r.FacetSort, err = single(v, "facet_sort"); err != nil {
		return r, err
	}
	if r.FacetSort == FacetSortCount {
		r.FacetSort = "" // the default, one form
	}
	if err := r.Validate(s); err != nil {
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
	if len(names) == 0 {
		// Only commas and blanks (",,,"): no names, as an empty value.
		return []string{FacetNone}, nil
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
	return "", BadRequest(name, "given %d times, want at most once", len(vals))
}

func parseInt(v url.Values, name string) (int, error) {
	s, err := single(v, name)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, BadRequest(name, "not a whole number: %q", Truncate(s, 40))
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
			return r, BadRequest(name+end.suffix, "not a number: %q", Truncate(s, 40))
		}
		*end.dst = &f
	}
	return r, nil
}

// Truncate shortens s to at most n bytes (at a rune boundary) for messages.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
