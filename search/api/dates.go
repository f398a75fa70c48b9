package api

import (
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/tag"
)

// Bounds of a published date in a request: bleve keeps a date as Unix
// nanoseconds, which hold years 1678 to 2262; a date outside these bounds
// is a mistake.
var (
	minPublished = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxPublished = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// parseDateBound reads the published_from (end false) or published_to (end
// true) parameter: a date YYYY-MM-DD means the whole UTC day, so as a
// lower bound its first instant and as an upper bound its last; an RFC
// 3339 time (with its offset) is that instant. The zero time means the
// parameter is absent.
func parseDateBound(v map[string][]string, name string, end bool) (time.Time, error) {
	s, err := single(v, name)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	var t time.Time
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		t = d
		if end {
			t = d.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
	} else if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return time.Time{}, BadRequest(name, "not a date: %q (want YYYY-MM-DD, a whole UTC day, or an RFC 3339 time such as 2015-06-30T23:00:00Z)", Truncate(s, 40))
	}
	t = t.UTC()
	if t.Before(minPublished) || !t.Before(maxPublished) {
		return time.Time{}, BadRequest(name, "must be between %s and %s, got %q", minPublished.Format(time.DateOnly), maxPublished.AddDate(0, 0, -1).Format(time.DateOnly), Truncate(s, 40))
	}
	return t, nil
}

// Histogram intervals (Request.Histogram).
const (
	HistogramMonth   = "month"
	HistogramQuarter = "quarter"
	HistogramYear    = "year"
)

// HistogramIntervals lists the valid values of Request.Histogram.
var HistogramIntervals = []string{HistogramMonth, HistogramQuarter, HistogramYear}

// BucketStart returns the first day (UTC) of the histogram bucket of
// interval that holds t.
func BucketStart(interval string, t time.Time) time.Time {
	t = t.UTC()
	switch interval {
	case HistogramYear:
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case HistogramQuarter:
		return time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// NextBucket returns the start of the bucket of interval after the one
// starting at start.
func NextBucket(interval string, start time.Time) time.Time {
	switch interval {
	case HistogramYear:
		return start.AddDate(1, 0, 0)
	case HistogramQuarter:
		return start.AddDate(0, 3, 0)
	}
	return start.AddDate(0, 1, 0)
}

// FacetMetricJobs, as Request.FacetMetric, gives each term facet value
// the sum of the jobs of its articles (TermCount.Jobs). It is the name of
// the schema's jobs kind.
var FacetMetricJobs = string(tag.Jobs)

// Orders of term facet values (Request.FacetSort, the facet_sort
// parameter): by count (the default) or by jobs sum.
const (
	FacetSortCount = "count"
	FacetSortJobs  = "jobs"
)

// HistogramBucket is one period of a histogram over the matching
// articles: the first day of the period, how many matching articles were
// published in it, and the sums of the jobs at risk and the savings
// targets their cut events link to trusts (tag.TrustCuts; each article
// counted once; only the filtered trusts' when the request filters by
// trust).
type HistogramBucket struct {
	Start      string `json:"start"` // YYYY-MM-DD, UTC
	Count      int    `json:"count"`
	Jobs       int64  `json:"jobs"`
	SavingsGBP int64  `json:"savings_gbp"`
}
