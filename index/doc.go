// Package index turns articles into indexed documents: it reads article
// files (.txt, .json, .jsonl), tags them with package tag, and writes them to
// a bleve index whose mapping it owns (English analysis with stemming for
// title and text, keyword fields for entity facets, numeric fields for money
// and job counts). Writer keeps a live index fed with new articles while it
// is searched, records their sources in a durable Store in --data, and
// re-indexes into a new directory that it swaps in (CURRENT pointer). Open
// checks every segment file before bleve reads it, so a damaged index is
// reported (ErrDamaged) instead of opening as a smaller or empty one.
package index
