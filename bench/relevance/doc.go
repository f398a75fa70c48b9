// Package relevance measures how well cutwatch ranks: a judged set of
// queries (queries.json beside this file, described in README.md) over a
// fixed corpus, and the metrics that score a ranking against it.
//
// The corpus is named in the set file: article files read as 'cutwatch
// index' reads them (index.FindFiles, index.ReadFile: a .txt article's id is
// its file name) and a slice of the generated corpus (bench/gen) read as
// 'cutwatch bench' reads its JSON Lines (api.DecodeArticle), so the ids are
// those the index gives the same articles anywhere.
//
// Each query is what a user sends to GET /api/search (q and any other
// parameters), with graded judgements: article id → 3 (about exactly
// this), 2 (clearly relevant), 1 (mentions it); an article not judged has
// grade 0. Run builds nothing: it searches through an api.Searcher as the
// HTTP API does (api.ParseRequest of the query's parameters) and scores
// the first page of hits:
//
//   - nDCG@10: DCG = Σ (2^grade − 1) / log2(rank + 1) over the first 10
//     hits, divided by the DCG of the ideal order of the query's judgements;
//   - MRR@10: the mean over queries of 1/rank of the first hit with grade 2
//     or more in the first 10 (0 when none);
//   - zero-result rate: the share of queries whose search finds nothing.
//
// A hit that stands for a story of near-duplicates (api.Hit.AlsoIn) counts
// with the best grade of its copies. `cutwatch eval --queries FILE` builds a
// temporary index of the corpus through index.Writer, as 'cutwatch serve'
// does, and prints the report.
package relevance
