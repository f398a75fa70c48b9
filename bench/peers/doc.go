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
//	cutwatch bench --n 10000 --seed 1 --out /tmp/b10p --phases gen,full
//	go -C bench/peers run . --dir /tmp/b10p
//
// (go -C: from the repository's root, `go run ./bench/peers` would look
// for the package in the main module.) PostgreSQL is the server of
// CUTWATCH_PG_DSN, or a throwaway cluster started with initdb and pg_ctl
// (as the postgres user when run as root) and stopped at the end.
package main
