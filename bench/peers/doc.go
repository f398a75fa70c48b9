// Command peers measures cutwatch side by side with PostgreSQL full-text
// search and SQLite FTS5 (issue 15): it loads the articles of a
// `cutwatch bench` run, with the entities cutwatch found in them, into
// each engine and runs the benchmark's mix of requests on all of them,
// each answering as cutwatch's /api/search does (total, top 10 with
// snippets, seven disjunctive facets).
//
// It is a module of its own so that the SQL drivers stay out of the main
// module's dependencies.
//
//	go run ./bench/peers --dir DIR   # DIR from cutwatch bench --out DIR --phases gen,full
package main
