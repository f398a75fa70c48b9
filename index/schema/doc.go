// Package schema declares, once, the kinds of entity that cutwatch tags in
// an article and everything the rest of the program needs to know about
// each: the index field that holds its values, its key in JSON, how it is
// labelled, whether its values are names or whole numbers, and the ranges
// of a numeric kind's facet. The mapping, the match-all counts and stored
// field decoding (package index), the search facets, filters and sort keys
// (package search and its api), the benchmark and the web pages all read
// the table instead of naming kinds themselves, so adding a kind is one
// entry in Default plus its tagger.
//
// Summary holds an article's distinct values per kind and encodes them in
// JSON under the kinds' keys ("trusts", "amounts_gbp", ...), the keys of
// the API and of the gold annotation files.
//
// The package is a leaf: it imports only the standard library and the
// tagger's Kind and Entity types (package tag), never the index or the
// search engine.
package schema
