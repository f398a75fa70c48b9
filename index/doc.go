// Package index turns articles into indexed documents: it reads article
// files (.txt, .json, .jsonl), tags them with package tag, and writes them to
// a bleve index whose mapping it owns (English analysis with stemming for
// title and text, keyword fields for entity facets, numeric fields for money
// and job counts).
package index
