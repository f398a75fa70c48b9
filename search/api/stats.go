package api

// Limits of Searcher.FacetValues.
const (
	DefaultFacetValues = 20
	MaxFacetValues     = 1000
	MaxPrefixLen       = 200
)

// CacheStats are the counters of a search cache. Hits and Misses count
// whole responses (Search and FacetValues); FacetHits and FacetMisses
// count the facet counts that a search that missed looked up one by one.
// Shared counts searches that arrived while an identical one was running
// and took its result instead of searching again.
type CacheStats struct {
	Hits, Misses           uint64
	FacetHits, FacetMisses uint64
	Shared                 uint64
	Evictions              uint64
	Entries                int
	Bytes                  int64
}

// AdmissionStats are the counters of the admission control of searches.
type AdmissionStats struct {
	// MaxSearches and MaxQueued are the limits (0: no limit).
	MaxSearches, MaxQueued int
	// Running and Queued are the searches running and waiting now.
	Running, Queued int
	// Admitted counts searches that got a slot; Rejected those refused
	// with ErrOverloaded, at once (queue full) or after waiting.
	Admitted, Rejected uint64
	// MaxHeavy is how many expensive searches may run or wait at once,
	// RunningHeavy how many do, RejectedHeavy how many were refused for
	// that limit (also counted in Rejected).
	MaxHeavy, RunningHeavy int
	RejectedHeavy          uint64
}
