package search

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// The cache keys of requests.

// requestKey returns a canonical form of everything in a validated request that
// changes its result, for the cache: the same key means the same answer
// from the same index.
func requestKey(s *schema.Schema, r *api.Request) string {
	var b strings.Builder
	writeMatchKey(s, r, &b, "")
	if r.NoRelax {
		b.WriteString("\x00relax=false")
	}
	fmt.Fprintf(&b, "\x00sort=%s\x00from=%d\x00size=%d\x00facet_size=%d\x00histogram=%s\x00facet_metric=%s\x00facet_sort=%s\x00facets=", r.Sort, r.From, r.Size, r.FacetSize, r.Histogram, r.FacetMetric, r.FacetSort)
	for _, name := range s.FacetNames() {
		if r.WantsFacet(name) {
			b.WriteString(name)
			b.WriteByte(',')
		}
	}
	return b.String()
}

// facetKey returns a canonical form of what the counts of facet f depend
// on: the query, the filters of the other facets and, for a term facet,
// the facet size. Sort order and page do not change them.
func facetKey(s *schema.Schema, r *api.Request, f facet) string {
	var b strings.Builder
	b.WriteString(f.name)
	if !f.numeric {
		fmt.Fprintf(&b, "\x00facet_size=%d", r.FacetSize)
	}
	writeMatchKey(s, r, &b, f.name)
	return b.String()
}

// writeMatchKey writes the query and the filters, except those of the
// facet except, in a canonical form: the query without surrounding space
// when blank, each facet's values sorted and without duplicates or blanks,
// numbers in their shortest form.
func writeMatchKey(s *schema.Schema, r *api.Request, b *strings.Builder, except string) {
	q := r.Q
	if strings.TrimSpace(q) == "" {
		q = ""
	}
	b.WriteString("\x00q=")
	b.WriteString(strconv.Quote(q))
	if r.Syntax != "" && r.Syntax != api.SyntaxSimple {
		b.WriteString("\x00syntax=" + r.Syntax)
	}
	if len(r.IDs) > 0 {
		ids := slices.Clone(r.IDs)
		slices.Sort(ids)
		b.WriteString("\x00id=")
		for _, id := range slices.Compact(ids) {
			b.WriteString(strconv.Quote(id))
		}
	}
	if r.NoCollapse {
		b.WriteString("\x00collapse=false")
	}
	if r.Dated() {
		fmt.Fprintf(b, "\x00published=%d..%d", dateKey(r.PublishedFrom), dateKey(r.PublishedTo))
	}
	for _, field := range s.TermNames() {
		if field == except {
			continue
		}
		vals := r.ActiveFilters(field)
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
	for _, name := range s.NumericNames() {
		rg := r.Ranges[name]
		if name == except || !rg.Active() {
			continue
		}
		b.WriteString("\x00" + name + "=" + bound(rg.Min) + ".." + bound(rg.Max))
	}
}

func bound(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

// dateKey is a date bound in a key: Unix nanoseconds, 0 when open.
func dateKey(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
