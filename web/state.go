package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// The UI keeps every bit of a search's state in the URL of the search page,
// using the JSON API's parameters (those of api.ParseRequest). These
// helpers turn a parsed request back into such a URL, after changing one
// thing, so that every link on a page is the page's own state plus one
// edit, and reloading, bookmarking and the back button all work. The
// filters and ranges are those of the schema's kinds.

// requestValues encodes r as URL parameters, leaving out defaults and empty
// values so that URLs stay short and canonical.
func requestValues(s *schema.Schema, r api.Request) url.Values {
	v := url.Values{}
	if r.Q != "" {
		v.Set("q", r.Q)
	}
	if r.Syntax != "" && r.Syntax != api.SyntaxSimple {
		v.Set("syntax", r.Syntax)
	}
	if r.NoRelax {
		v.Set("relax", "false")
	}
	for _, f := range s.TermNames() {
		seen := map[string]bool{}
		for _, val := range r.Filters[f] {
			if val != "" && !seen[val] {
				seen[val] = true
				v.Add(f, val)
			}
		}
	}
	for _, name := range s.NumericNames() {
		setRange(v, name, r.Ranges[name])
	}
	if val, _ := dateParam(r.PublishedFrom, false); val != "" {
		v.Set("published_from", val)
	}
	if val, _ := dateParam(r.PublishedTo, true); val != "" {
		v.Set("published_to", val)
	}
	if r.Histogram != "" {
		v.Set("histogram", r.Histogram) // the charts' interval, when chosen
	}
	if r.Sort != "" && r.Sort != api.SortRelevance {
		v.Set("sort", r.Sort)
	}
	if r.From > 0 {
		v.Set("from", strconv.Itoa(r.From))
	}
	if r.Size != 0 && r.Size != api.DefaultSize {
		v.Set("size", strconv.Itoa(r.Size))
	}
	if r.FacetSize != 0 && r.FacetSize != api.DefaultFacetSize {
		v.Set("facet_size", strconv.Itoa(r.FacetSize))
	}
	if r.NoCollapse {
		v.Set("collapse", "false")
	}
	return v
}

func setRange(v url.Values, name string, r api.Range) {
	if r.Min != nil {
		v.Set(name+"_min", formatFloat(*r.Min))
	}
	if r.Max != nil {
		v.Set(name+"_max", formatFloat(*r.Max))
	}
}

// dateParam writes a date bound of a request back as its parameter: a
// whole UTC day (its first instant for a lower bound, end false; its last
// for an upper one) as YYYY-MM-DD, with day true, any other instant in RFC
// 3339; "" when open.
func dateParam(t time.Time, end bool) (val string, day bool) {
	if t.IsZero() {
		return "", false
	}
	t = t.UTC()
	start := t
	if end {
		start = t.Add(time.Nanosecond)
	}
	if start.Equal(start.Truncate(24 * time.Hour)) {
		if end {
			return t.Format(time.DateOnly), true
		}
		return start.Format(time.DateOnly), true
	}
	return t.Format(time.RFC3339Nano), false
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// rangeParams are the URL parameters of the numeric kinds' ranges.
func rangeParams(s *schema.Schema) []string {
	var out []string
	for _, name := range s.NumericNames() {
		out = append(out, name+"_min", name+"_max")
	}
	return out
}

// paramOrder is the order of parameters in the UI's URLs: the query
// first, then filters, then presentation, so that URLs read naturally.
func paramOrder(s *schema.Schema) []string {
	out := append([]string{"q", "syntax", "relax"}, s.TermNames()...)
	out = append(out, rangeParams(s)...)
	return append(out, "published_from", "published_to", "histogram", "sort", "from", "size", "facet_size", "collapse")
}

// searchURL is the search page's URL for r.
func searchURL(s *schema.Schema, r api.Request) string {
	v := requestValues(s, r)
	if len(v) == 0 {
		return "/"
	}
	var b strings.Builder
	b.WriteString("/?")
	for _, name := range paramOrder(s) {
		for _, val := range v[name] {
			if b.Len() > 2 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(val))
		}
	}
	return b.String()
}

// edit returns the URL of r changed by fn, back on the first page (a
// different result set makes the old page number meaningless).
func edit(s *schema.Schema, r api.Request, fn func(*api.Request)) string {
	c := r.Clone()
	c.From = 0
	fn(&c)
	return searchURL(s, c)
}

// hasFilter reports whether r filters field by value.
func hasFilter(r api.Request, field, value string) bool {
	return slices.Contains(r.Filters[field], value)
}

// toggleFilter adds value to field's filter, or removes it if present.
func toggleFilter(r *api.Request, field, value string) {
	if r.Filters == nil {
		r.Filters = map[string][]string{}
	}
	if hasFilter(*r, field, value) {
		r.Filters[field] = slices.DeleteFunc(r.Filters[field], func(s string) bool { return s == value })
		return
	}
	r.Filters[field] = append(r.Filters[field], value)
}

// entityURL is the search for articles with one entity: a facet filter for
// a name kind, an exact range for a numeric one. It is "" for an unknown
// kind or a numeric kind's value that is not a whole number.
func entityURL(s *schema.Schema, kind, value string) string {
	k, ok := s.Lookup(kind)
	if !ok {
		return ""
	}
	v := url.Values{}
	if !k.Numeric {
		v.Set(kind, value)
		return "/?" + v.Encode()
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return ""
	}
	v.Set(kind+"_min", strconv.FormatInt(n, 10))
	v.Set(kind+"_max", strconv.FormatInt(n, 10))
	return "/?" + v.Encode()
}

// entityDisplay is how an entity's canonical value is shown: numbers
// formatted as their kind says, names as they are.
func entityDisplay(s *schema.Schema, kind, value string) string {
	k, ok := s.Lookup(kind)
	if !ok || !k.Numeric {
		return value
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return value
	}
	return formatValue(k, n)
}

// kindLabel is the singular display name of an entity kind or facet.
func kindLabel(s *schema.Schema, kind string) string {
	if k, ok := s.Lookup(kind); ok {
		return k.Label
	}
	return kind
}

// kindPlural is the heading of a facet or entity group.
func kindPlural(s *schema.Schema, kind string) string {
	if k, ok := s.Lookup(kind); ok {
		return k.Plural
	}
	return kind
}

// exportURL is the CSV export of the articles r matches: its filters and
// dates, without sort or page.
func exportURL(s *schema.Schema, r api.Request) string {
	v := requestValues(s, api.Request{Q: r.Q, Filters: r.Filters, Ranges: r.Ranges, PublishedFrom: r.PublishedFrom, PublishedTo: r.PublishedTo})
	var b strings.Builder
	b.WriteString("/api/export?")
	for _, name := range paramOrder(s) {
		for _, val := range v[name] {
			b.WriteString(url.QueryEscape(name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(val))
			b.WriteByte('&')
		}
	}
	b.WriteString("format=csv")
	return b.String()
}
