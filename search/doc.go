// Package search turns a search request (query string, facet filters,
// numeric ranges, sort, paging) into results with snippets and disjunctive
// facet counts, over an index built by package index.
//
// A Service caps how many searches run at once and refuses the excess
// quickly (api.ErrOverloaded), and, given the index's generation
// (index.Writer.Generation), caches results and single facets' counts
// until the index changes.
//
// Hits sorted by relevance are ordered by bleve's tf-idf weighted by one
// Ranking (rank.go): title matches, entity matches, recency and typos.
package search
