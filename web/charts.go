package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// The charts of the search and entity pages are SVG drawn here, on the
// server, from the numbers of a search (api.Result.Histogram and the term
// facets' jobs sums): no script draws them, so they obey the strict CSP
// and show without JavaScript. The functions below are pure: numbers and
// a request in, a view model with every coordinate and link made out.
// Every chart comes with a table of the same numbers for screen readers
// and for copying.
//
// The time chart's x positions are percentages of its width (SVG lengths
// may be), its y positions pixels: the chart stretches to any width while
// its text keeps its size, so labels stay readable on a phone.

// Thresholds of the automatic interval: years when the matching
// articles span more than autoYearMonths months, quarters when more than
// autoQuarterMonths, else months.
const (
	autoYearMonths    = 48
	autoQuarterMonths = 18
)

// chooseInterval picks the histogram interval for a span of months
// (the number of month buckets from the earliest matching article's month
// to the latest's, both included).
func chooseInterval(months int) string {
	switch {
	case months > autoYearMonths:
		return api.HistogramYear
	case months > autoQuarterMonths:
		return api.HistogramQuarter
	}
	return api.HistogramMonth
}

// periodBounds returns the first and the last instant (inclusive, UTC) of
// the histogram bucket of interval that starts on start (YYYY-MM-DD).
func periodBounds(interval, start string) (from, to time.Time, err error) {
	from, err = time.ParseInLocation(time.DateOnly, start, time.UTC)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("histogram bucket start %q: %w", start, err)
	}
	if !api.BucketStart(interval, from).Equal(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("histogram bucket start %q is not the start of a %s", start, interval)
	}
	return from, api.NextBucket(interval, from).Add(-time.Nanosecond), nil
}

// periodLabel names a period to people: "2019", "Q2 2019", "Apr 2019".
func periodLabel(interval string, start time.Time) string {
	switch interval {
	case api.HistogramYear:
		return strconv.Itoa(start.Year())
	case api.HistogramQuarter:
		return fmt.Sprintf("Q%d %d", (int(start.Month())-1)/3+1, start.Year())
	}
	return start.Format("Jan 2006")
}

// periodName is the noun of an interval: "year", "quarter", "month".
func periodName(interval string) string { return interval }

// Geometry of the time chart, in pixels from its top: the articles panel,
// then the jobs panel, then the period labels.
const (
	timeCountTop   = 22
	timeCountH     = 96
	timeJobsLabelY = 138
	timeJobsTop    = 146
	timeJobsH      = 56
	timeTickY      = 222
	timeChartH     = 230
	// Period labels: at most this many on a wide screen, and on a phone
	// (the others are hidden there by the stylesheet).
	timeTicksWide  = 12
	timeTicksPhone = 5
)

// timeChart is the view of a histogram: articles and jobs at risk per
// period, one link per period that narrows the search to it.
type timeChart struct {
	ID       string // prefix of its element ids
	Interval string // api.HistogramMonth, ...
	Period   string // "month", "quarter", "year"
	Heading  string
	Auto     bool // the interval was chosen from the span
	Bars     []timeBar
	// MaxCount and MaxJobs are the tallest bars' numbers (the panels'
	// scales), formatted.
	MaxCount, MaxJobs string
	// Geometry for the template.
	Height, CountTop, CountBase, JobsLabelY, JobsTop, JobsBase, TickY, HitH int
	// Intervals offers the other intervals (and automatic), on the
	// search page.
	Intervals []intervalLink
	// Total of the buckets: dated articles and their jobs, formatted.
	Count, Jobs string
}

// timeBar is one period.
type timeBar struct {
	Label string // "Q2 2019"
	Start string // YYYY-MM-DD, the period's first day
	URL   string // the search narrowed to the period
	// Count and Jobs are the bucket's numbers; CountText and JobsText
	// formatted.
	Count, Jobs         int64
	CountText, JobsText string
	Title               string // what the link says to screen readers
	// X and W place the bar, Mid its label (percentages of the width);
	// the heights and tops are pixels.
	X, W, Mid                    string
	CountY, CountH, JobsY, JobsH string
	// Tick shows the label on every screen; TickWide only on wide ones.
	Tick, TickWide bool
}

// intervalLink is one choice of the interval control.
type intervalLink struct {
	Label   string
	URL     string
	Current bool
}

// pct formats a percentage of the chart's width for an SVG attribute.
func pct(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) + "%" }

// px formats a length in pixels for an SVG attribute.
func px(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// scaledTo returns v/max of full (0 when either is 0 or less).
func scaledTo(v, max int64, full float64) float64 {
	if max <= 0 || v <= 0 {
		return 0
	}
	return float64(v) / float64(max) * full
}

// newTimeChart makes the chart of hist, a histogram of interval over the
// articles of base, whose bars link to base narrowed to their period
// (within base's own dates, back on the first page). id prefixes the
// chart's element ids.
func newTimeChart(s *schema.Schema, base api.Request, interval string, hist []api.HistogramBucket, id string) (*timeChart, error) {
	c := &timeChart{
		ID: id, Interval: interval, Period: periodName(interval),
		Heading: "Articles and jobs at risk by " + periodName(interval),
		Height:  timeChartH, CountTop: timeCountTop, CountBase: timeCountTop + timeCountH,
		JobsLabelY: timeJobsLabelY, JobsTop: timeJobsTop, JobsBase: timeJobsTop + timeJobsH, TickY: timeTickY,
		HitH: timeJobsTop + timeJobsH - timeCountTop,
	}
	var maxCount, maxJobs, count, jobs int64
	for _, b := range hist {
		maxCount, maxJobs = max(maxCount, int64(b.Count)), max(maxJobs, b.Jobs)
		count += int64(b.Count)
		jobs += b.Jobs
	}
	c.MaxCount, c.MaxJobs = groupThousands(maxCount), groupThousands(maxJobs)
	c.Count, c.Jobs = groupThousands(count), groupThousands(jobs)
	n := len(hist)
	wide := max(1, (n+timeTicksWide-1)/timeTicksWide)
	// The phone's step is a multiple of the wide one, so that the labels
	// a phone shows are among those a wide screen shows.
	phone := wide * max(1, ((n+timeTicksPhone-1)/timeTicksPhone+wide-1)/wide)
	slot := 100 / float64(max(n, 1))
	for i, b := range hist {
		from, to, err := periodBounds(interval, b.Start)
		if err != nil {
			return nil, err
		}
		bar := timeBar{
			Label: periodLabel(interval, from), Start: b.Start,
			Count: int64(b.Count), Jobs: b.Jobs,
			CountText: groupThousands(int64(b.Count)), JobsText: groupThousands(b.Jobs),
			X: pct(float64(i)*slot + slot*0.1), W: pct(slot * 0.8), Mid: pct(float64(i)*slot + slot/2),
			Tick: i%phone == 0, TickWide: i%wide == 0 && i%phone != 0,
		}
		ch := scaledTo(bar.Count, maxCount, timeCountH)
		jh := scaledTo(bar.Jobs, maxJobs, timeJobsH)
		bar.CountY, bar.CountH = px(timeCountTop+timeCountH-ch), px(ch)
		bar.JobsY, bar.JobsH = px(timeJobsTop+timeJobsH-jh), px(jh)
		bar.Title = fmt.Sprintf("%s: %s %s, %s jobs at risk. Show these articles", bar.Label, bar.CountText, plural(bar.Count, "article", "articles"), bar.JobsText)
		bar.URL = edit(s, base, func(r *api.Request) {
			r.Histogram = "" // the narrower search picks its own interval
			if r.PublishedFrom.IsZero() || from.After(r.PublishedFrom) {
				r.PublishedFrom = from
			}
			if r.PublishedTo.IsZero() || to.Before(r.PublishedTo) {
				r.PublishedTo = to
			}
		})
		c.Bars = append(c.Bars, bar)
	}
	return c, nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// intervalLinks are the choices of the search page's interval control:
// automatic, then each interval, as links to the page with that choice.
func intervalLinks(s *schema.Schema, req api.Request, chosen string) []intervalLink {
	out := []intervalLink{{Label: "Auto", URL: edit(s, req, func(r *api.Request) { r.Histogram = "" }), Current: chosen == ""}}
	for _, iv := range api.HistogramIntervals {
		out = append(out, intervalLink{
			Label:   strings.ToUpper(iv[:1]) + iv[1:],
			URL:     edit(s, req, func(r *api.Request) { r.Histogram = iv }),
			Current: chosen == iv,
		})
	}
	return out
}

// rankTop is how many values a ranking chart shows.
const rankTop = 5

// rankChart is a ranking of one name kind's values by jobs at risk: a
// horizontal bar per value, each a link into the search filtered by it.
type rankChart struct {
	Field   string // the kind's name: the filter parameter
	Heading string // "Trusts by jobs at risk"
	Label   string // "Trust"
	Rows    []rankRow
}

// rankRow is one value of a ranking.
type rankRow struct {
	Value   string
	URL     string // the search filtered by the value
	PageURL string // the value's own page
	Count   string // matching articles with it, formatted
	Jobs    int64
	// JobsText is the jobs formatted ("1,200 jobs"); Width the bar's
	// length, a percentage of the largest.
	JobsText, Width string
}

// newRankChart ranks the values of the kind k among terms (a facet's
// values with their jobs sums, api.Request.FacetMetric) by jobs, largest
// first (ties by articles, then name), keeping the top rankTop with any
// jobs. Each links to base filtered by it. ok is false when no value has
// jobs.
func newRankChart(s *schema.Schema, base api.Request, k schema.Kind, terms []api.TermCount) (rankChart, bool) {
	rc := rankChart{Field: k.Name(), Heading: k.Plural + " by jobs at risk", Label: k.Label}
	var vals []api.TermCount
	for _, t := range terms {
		if t.Jobs != nil && *t.Jobs > 0 {
			vals = append(vals, t)
		}
	}
	slices.SortStableFunc(vals, func(a, b api.TermCount) int {
		return cmp.Or(cmp.Compare(*b.Jobs, *a.Jobs), cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	if len(vals) > rankTop {
		vals = vals[:rankTop]
	}
	for _, t := range vals {
		rc.Rows = append(rc.Rows, rankRow{
			Value: t.Value, URL: addFilterURL(s, base, k.Name(), t.Value), PageURL: entityPageURL(k, t.Value),
			Count: groupThousands(int64(t.Count)), Jobs: *t.Jobs, JobsText: formatJobs(*t.Jobs),
			Width: pct(scaledTo(*t.Jobs, *vals[0].Jobs, 100)),
		})
	}
	return rc, len(rc.Rows) > 0
}
