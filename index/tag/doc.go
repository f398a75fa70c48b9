// Package tag finds the entities of an NHS job-cuts article: NHS
// organisations (trusts), unions, money amounts, job counts, people, places
// and hospitals, each with its canonical value and byte offsets in the text.
//
// It combines prose (github.com/jdkato/prose/v2) for the language work it is
// good at with domain knowledge kept in embedded data files under data/ (a
// gazetteer of NHS organisations, unions and their aliases, UK places) and
// grammar rules for money and job counts. A Tagger is built once per process
// (New loads the model and the data) and is safe for concurrent use.
//
// Events links each job count and amount Tag found to the NHS organisation
// it belongs to and says what it is (a cut, savings, a deficit, ...), with
// cues from data/events.tsv; Headline picks an article's headline cut.
package tag
