// Package bitmaps keeps what search filters, counts and sorts by — every
// article's facet values and numbers — in memory beside the bleve index,
// as Meilisearch's milli does: each article has a dense number, each value
// of a facet field a roaring bitmap of the articles holding it, and each
// numeric field a column. Filters are then bitmap algebra, a facet's count
// is the cardinality of an intersection, and a numeric sort reads a column
// instead of visiting bleve's doc values for every hit.
//
// A Set is immutable: the Writer makes the next one from the last with
// Apply after every write (copying only what the write touched) and swaps
// it in with the index's generation, so a search reads one consistent
// state without locks. Numbers are handed out by a Numbering shared by the
// Sets of one index and never reused, so a number read from any state
// names the same article.
package bitmaps
