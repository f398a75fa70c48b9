package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/cutwatch/cutwatch/search/api"
)

// Both SQL engines keep the entities in two tables beside the text:
//
//	terms(field, value, doc)   a facet field's value of article doc
//	numbers(field, value, doc) a numeric field's value of article doc
//
// and answer a request with the same statements: the total, the top hits
// with snippets, and per facet its counts over the matches of the query
// and the other facets' filters (disjunctive facets).

// args collects a statement's arguments and writes their placeholders.
type args struct {
	vals []any
	pg   bool // $1, $2… rather than ?
}

func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	if a.pg {
		return fmt.Sprintf("$%d", len(a.vals))
	}
	return "?"
}

// filterSQL returns the condition that article key passes f.
func filterSQL(a *args, key string, f filter) string {
	fs := facets[f.Facet]
	if fs.Numeric {
		c := "SELECT doc FROM numbers WHERE field = " + a.add(fs.Name)
		if f.Min != nil {
			c += " AND value >= " + a.add(int64(math.Ceil(*f.Min))) // the values are integers
		}
		if f.Max != nil {
			c += " AND value <= " + a.add(int64(math.Floor(*f.Max)))
		}
		return key + " IN (" + c + ")"
	}
	ph := make([]string, len(f.Values))
	field := a.add(fs.Field)
	for i, v := range f.Values {
		ph[i] = a.add(v)
	}
	return key + " IN (SELECT doc FROM terms WHERE field = " + field + " AND value IN (" + strings.Join(ph, ", ") + "))"
}

// filtersSQL returns " AND " and the conditions of every filter of s but
// the one of facet skip (-1: none skipped), or "".
func filtersSQL(a *args, key string, s spec, skip int) string {
	var b strings.Builder
	for _, f := range s.Filters {
		if f.Facet != skip {
			b.WriteString(" AND ")
			b.WriteString(filterSQL(a, key, f))
		}
	}
	return b.String()
}

// sortSQL returns the ORDER BY terms that sort by s's numeric field (with
// a trailing comma), or "".
func sortSQL(a *args, key string, s spec) string {
	if s.SortField == "" {
		return ""
	}
	if s.SortDesc {
		return "(SELECT max(value) FROM numbers WHERE doc = " + key + " AND field = " + a.add(s.SortField) + ") DESC NULLS LAST, "
	}
	return "(SELECT min(value) FROM numbers WHERE doc = " + key + " AND field = " + a.add(s.SortField) + ") ASC NULLS LAST, "
}

// facetSQL returns the statement that counts facet i over the matches
// (from: a FROM clause ending in a WHERE condition over key), with the
// other facets' filters.
func facetSQL(a *args, s spec, i int, from func(*args) (string, string), collate string) string {
	f := facets[i]
	field := a.add(f.Field)
	src, key := from(a)
	q := "SELECT value, count(*) AS n FROM terms WHERE field = " + field +
		" AND doc IN (SELECT " + key + " FROM " + src + filtersSQL(a, key, s, i) + ")" +
		" GROUP BY value ORDER BY n DESC, value" + collate
	if !f.Numeric {
		q += fmt.Sprintf(" LIMIT %d", s.FacetSize)
	}
	return q
}

// facetCounts turns a facet's rows into cutwatch's shape: a numeric
// facet gets every bucket, in order, zero where no article has it.
func facetCounts(i int, rows []api.TermCount) []api.TermCount {
	f := facets[i]
	if !f.Numeric {
		return rows
	}
	by := map[string]int{}
	for _, r := range rows {
		by[r.Value] = r.Count
	}
	out := make([]api.TermCount, len(f.Buckets))
	for j, k := range f.Buckets {
		out[j] = api.TermCount{Value: k, Count: by[k]}
	}
	return out
}
