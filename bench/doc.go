// Package bench measures cutwatch at scale on a generated corpus (package
// bench/gen): ingest with and without tagging, query latency through
// package search against bleve directly, HTTP throughput under a bounded
// load generator, index size and peak memory. `cutwatch bench` runs it and
// prints a Markdown table for BENCHMARKS.md.
//
// A run keeps its state in one directory: the corpus, the raw and the full
// index, and report.json with the results of every phase done so far. A
// phase whose result is there is not run again, so a long run (N = 100,000)
// can be split into separate commands and resumed after a stop.
//
// The package does not import web: the command passes the HTTP handler to
// serve (Config.Handler), keeping the dependency direction cmd -> web.
package bench
