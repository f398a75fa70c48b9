package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
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

// countsSQL returns one statement that answers the total and every
// facet of s: the matches of the query (matches: a SELECT of their
// numbers as num) are found once, in a materialised CTE, and each facet
// counts the matches that pass the other facets' filters. Its rows are
// (facet, value, count), facet -1 being the total. collate is the
// collation that orders values as bytes.
func countsSQL(a *args, s spec, matches, collate string) string {
	var b strings.Builder
	// Without a query the matches are every article: inlined, so that
	// the filters can narrow them through their indexes.
	mat := "NOT MATERIALIZED"
	if len(s.Clauses) > 0 {
		mat = "MATERIALIZED"
	}
	b.WriteString("WITH m AS " + mat + " (" + matches + ")\n")
	b.WriteString("SELECT -1 AS facet, '' AS value, count(*) AS n FROM m WHERE 1 = 1" + filtersSQL(a, "m.num", s, -1))
	for i, f := range facets {
		q := "SELECT value, count(*) AS n FROM terms WHERE field = " + a.add(f.Field) +
			" AND doc IN (SELECT m.num FROM m WHERE 1 = 1" + filtersSQL(a, "m.num", s, i) + ")" +
			" GROUP BY value"
		if !f.Numeric {
			q += fmt.Sprintf(" ORDER BY n DESC, value%s LIMIT %d", collate, s.FacetSize)
		}
		fmt.Fprintf(&b, "\nUNION ALL SELECT %d, f%d.value, f%d.n FROM (%s) AS f%d", i, i, i, q, i)
	}
	return b.String()
}

// countRow is a row of countsSQL's statement.
type countRow struct {
	Facet int
	Value string
	N     int64
}

// fromCounts fills res's total and facets from the rows of countsSQL's
// statement, in cutwatch's order: a term facet's values by count, then
// value; a numeric facet's every bucket, zero where no article has it.
func fromCounts(res *result, rows []countRow) error {
	res.Facets = make([][]api.TermCount, len(facets))
	total := false
	for _, r := range rows {
		switch {
		case r.Facet == -1:
			res.Total, total = uint64(r.N), true
		case r.Facet >= 0 && r.Facet < len(facets):
			res.Facets[r.Facet] = append(res.Facets[r.Facet], api.TermCount{Value: r.Value, Count: int(r.N)})
		default:
			return fmt.Errorf("counts: row of facet %d", r.Facet)
		}
	}
	if !total {
		return errors.New("counts: no total")
	}
	for i, tcs := range res.Facets {
		sort.Slice(tcs, func(a, b int) bool {
			if tcs[a].Count != tcs[b].Count {
				return tcs[a].Count > tcs[b].Count
			}
			return tcs[a].Value < tcs[b].Value
		})
		res.Facets[i] = facetCounts(i, tcs)
	}
	return nil
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
