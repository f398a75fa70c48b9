// Package searchtest holds the fixed query mix that the search and web
// benchmarks run, so that in-process and HTTP latencies are measured on the
// same requests. It is imported by tests and benchmarks only.
package searchtest

import (
	"slices"
	"testing"
	"time"
)

// QueryMix is a fixed mix of search requests in URL-parameter form, as
// /api/search takes them: single words (common and rare), a phrase, a
// two-word AND, fuzzy (bleve's syntax) and misspelt (the simple syntax's
// typo tolerance) words and prefix terms, filters on one and two facets,
// numeric ranges, sorting, and the empty query with every facet.
var QueryMix = []string{
	"q=redundancy",
	"q=nurse",
	"q=Ladbrooke",
	`q=%22compulsory+redundancies%22`,
	"q=%2Bjobs+%2Bunison",
	"q=Unsion~1&syntax=bleve",
	"q=Unsion", // the simple syntax's typo tolerance and entity names
	"q=compulsory+redundancies+Rotheram",
	"q=hosp*",
	"union=Unison",
	"q=staff&union=Royal+College+of+Nursing&place=Oxford",
	"amount_min=50000000",
	"jobs_min=100&jobs_max=600&sort=-jobs",
	"q=",
}

// ReportLatency reports the p50 and p99 of the latencies of single
// requests in lat, in microseconds, as metrics of b.
func ReportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
