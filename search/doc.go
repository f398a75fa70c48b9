// Package search turns a search request (query string, facet filters,
// numeric ranges, sort, paging) into results with snippets and disjunctive
// facet counts, over an index built by package index.
package search
