// Package gen generates a deterministic corpus of realistic news articles
// about NHS job cuts, for benchmarks at scale and as a large scored test set
// for the entity tagger.
//
// Each article imitates the style of the seed articles: a lead paragraph with
// the organisation, the job count and the money at stake; paragraphs of job
// counts, amounts, places, hospitals and union reactions; quotations from
// named people with their roles; numbers that are not job counts (workforce
// sizes, percentages, years, beds); and ordinary prose whose words are drawn
// with Zipf weights so that word frequencies fall off as in real text.
// Every article carries its true entities, canonical as the gold annotations
// of index/tag/testdata/README.md require, and its true cut events (each job
// count and amount linked to the organisation its sentence was written for,
// with its kind), so that `cutwatch eval --gold FILE.jsonl` (or `eval --gen
// N`) scores the tagger and the linker on it.
//
// The vocabularies (places, organisations and their name patterns, unions
// and their aliases, hospitals, names, roles, sentence templates, ordinary
// words) are data files under data/, embedded in the binary.
//
// Article i of seed S depends only on S and i (a PCG stream seeded from
// both), so the same N and S always give byte-identical files, and articles
// can be generated in parallel.
package gen
