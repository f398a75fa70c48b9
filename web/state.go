package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search"
)

// The UI keeps every bit of a search's state in the URL of the search page,
// using the JSON API's parameters (those of search.ParseRequest). These
// helpers turn a parsed request back into such a URL, after changing one
// thing, so that every link on a page is the page's own state plus one
// edit, and reloading, bookmarking and the back button all work.

// cloneRequest returns a copy of r that shares no maps, slices or pointers
// with it.
func cloneRequest(r search.Request) search.Request {
	c := r
	if r.Filters != nil {
		c.Filters = make(map[string][]string, len(r.Filters))
		for k, v := range r.Filters {
			c.Filters[k] = slices.Clone(v)
		}
	}
	c.Amount = cloneRange(r.Amount)
	c.Jobs = cloneRange(r.Jobs)
	c.Facets = slices.Clone(r.Facets)
	return c
}

func cloneRange(r search.Range) search.Range {
	var c search.Range
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

// requestValues encodes r as URL parameters, leaving out defaults and empty
// values so that URLs stay short and canonical.
func requestValues(r search.Request) url.Values {
	v := url.Values{}
	if r.Q != "" {
		v.Set("q", r.Q)
	}
	for _, f := range index.KeywordFields {
		seen := map[string]bool{}
		for _, val := range r.Filters[f] {
			if val != "" && !seen[val] {
				seen[val] = true
				v.Add(f, val)
			}
		}
	}
	setRange(v, "amount", r.Amount)
	setRange(v, "jobs", r.Jobs)
	if r.Sort != "" && r.Sort != search.SortRelevance {
		v.Set("sort", r.Sort)
	}
	if r.From > 0 {
		v.Set("from", strconv.Itoa(r.From))
	}
	if r.Size != 0 && r.Size != search.DefaultSize {
		v.Set("size", strconv.Itoa(r.Size))
	}
	if r.FacetSize != 0 && r.FacetSize != search.DefaultFacetSize {
		v.Set("facet_size", strconv.Itoa(r.FacetSize))
	}
	return v
}

func setRange(v url.Values, name string, r search.Range) {
	if r.Min != nil {
		v.Set(name+"_min", formatFloat(*r.Min))
	}
	if r.Max != nil {
		v.Set(name+"_max", formatFloat(*r.Max))
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// paramOrder is the order of parameters in the UI's URLs: the query
// first, then filters, then presentation, so that URLs read naturally.
var paramOrder = append(append([]string{"q"}, index.KeywordFields...),
	"amount_min", "amount_max", "jobs_min", "jobs_max", "sort", "from", "size", "facet_size")

// searchURL is the search page's URL for r.
func searchURL(r search.Request) string {
	v := requestValues(r)
	if len(v) == 0 {
		return "/"
	}
	var b strings.Builder
	b.WriteString("/?")
	for _, name := range paramOrder {
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
func edit(r search.Request, fn func(*search.Request)) string {
	c := cloneRequest(r)
	c.From = 0
	fn(&c)
	return searchURL(c)
}

// hasFilter reports whether r filters field by value.
func hasFilter(r search.Request, field, value string) bool {
	return slices.Contains(r.Filters[field], value)
}

// toggleFilter adds value to field's filter, or removes it if present.
func toggleFilter(r *search.Request, field, value string) {
	if r.Filters == nil {
		r.Filters = map[string][]string{}
	}
	if hasFilter(*r, field, value) {
		r.Filters[field] = slices.DeleteFunc(r.Filters[field], func(s string) bool { return s == value })
		return
	}
	r.Filters[field] = append(r.Filters[field], value)
}

// rangeOf returns a pointer to the numeric range called name in r.
func rangeOf(r *search.Request, name string) *search.Range {
	if name == index.FieldJobs {
		return &r.Jobs
	}
	return &r.Amount
}

// entityURL is the search for articles with one entity: a facet filter for
// the keyword types, an exact range for amounts and job counts. It is ""
// for an unknown type or a non-numeric amount.
func entityURL(kind, value string) string {
	v := url.Values{}
	switch kind {
	case index.FieldTrust, index.FieldUnion, index.FieldPerson, index.FieldPlace, index.FieldHospital:
		v.Set(kind, value)
	case index.FieldAmount, index.FieldJobs:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return ""
		}
		v.Set(kind+"_min", strconv.FormatInt(n, 10))
		v.Set(kind+"_max", strconv.FormatInt(n, 10))
	default:
		return ""
	}
	return "/?" + v.Encode()
}

// entityDisplay is how an entity's canonical value is shown: amounts and
// job counts formatted, names as they are.
func entityDisplay(kind, value string) string {
	switch kind {
	case index.FieldAmount, index.FieldJobs:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return value
		}
		if kind == index.FieldAmount {
			return formatGBP(n)
		}
		return formatJobs(n)
	}
	return value
}

// kindLabel is the singular display name of an entity type or facet.
func kindLabel(kind string) string {
	switch kind {
	case index.FieldTrust:
		return "Trust"
	case index.FieldUnion:
		return "Union"
	case index.FieldPerson:
		return "Person"
	case index.FieldPlace:
		return "Place"
	case index.FieldHospital:
		return "Hospital"
	case index.FieldAmount:
		return "Amount"
	case index.FieldJobs:
		return "Jobs"
	}
	return kind
}

// kindPlural is the heading of a facet or entity group.
func kindPlural(kind string) string {
	switch kind {
	case index.FieldTrust:
		return "Trusts"
	case index.FieldUnion:
		return "Unions"
	case index.FieldPerson:
		return "People"
	case index.FieldPlace:
		return "Places"
	case index.FieldHospital:
		return "Hospitals"
	case index.FieldAmount:
		return "Amounts"
	case index.FieldJobs:
		return "Job counts"
	}
	return kind
}
