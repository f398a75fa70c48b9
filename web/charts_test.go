package web

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

func TestPeriodBounds(t *testing.T) {
	last := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 23, 59, 59, 999_999_999, time.UTC)
	}
	tests := []struct {
		interval, start string
		to              time.Time
		label           string
	}{
		{api.HistogramQuarter, "2019-04-01", last(2019, 6, 30), "Q2 2019"},
		{api.HistogramQuarter, "2019-01-01", last(2019, 3, 31), "Q1 2019"},
		{api.HistogramQuarter, "2019-10-01", last(2019, 12, 31), "Q4 2019"},
		{api.HistogramMonth, "2020-02-01", last(2020, 2, 29), "Feb 2020"}, // leap year
		{api.HistogramMonth, "2019-02-01", last(2019, 2, 28), "Feb 2019"},
		{api.HistogramMonth, "2100-02-01", last(2100, 2, 28), "Feb 2100"}, // not a leap year
		{api.HistogramMonth, "2019-04-01", last(2019, 4, 30), "Apr 2019"},
		{api.HistogramMonth, "2019-03-01", last(2019, 3, 31), "Mar 2019"}, // summer time starts in London
		{api.HistogramMonth, "2019-12-01", last(2019, 12, 31), "Dec 2019"},
		{api.HistogramYear, "2024-01-01", last(2024, 12, 31), "2024"},
	}
	for _, tt := range tests {
		from, to, err := periodBounds(tt.interval, tt.start)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.interval, tt.start, err)
		}
		if want, _ := time.Parse(time.DateOnly, tt.start); !from.Equal(want) || from.Location() != time.UTC {
			t.Errorf("%s %s: from %v", tt.interval, tt.start, from)
		}
		if !to.Equal(tt.to) {
			t.Errorf("%s %s: to %v, want %v", tt.interval, tt.start, to, tt.to)
		}
		if got := periodLabel(tt.interval, from); got != tt.label {
			t.Errorf("%s %s: label %q, want %q", tt.interval, tt.start, got, tt.label)
		}
	}
	for _, bad := range []struct{ interval, start string }{
		{api.HistogramQuarter, "2019-05-01"}, {api.HistogramYear, "2019-04-01"}, {api.HistogramMonth, "2019-04-02"}, {api.HistogramMonth, "April"},
	} {
		if _, _, err := periodBounds(bad.interval, bad.start); err == nil {
			t.Errorf("%s %s: no error", bad.interval, bad.start)
		}
	}
}

func TestChooseInterval(t *testing.T) {
	for months, want := range map[int]string{0: "month", 1: "month", 18: "month", 19: "quarter", 48: "quarter", 49: "year", 223: "year"} {
		if got := chooseInterval(months); got != want {
			t.Errorf("chooseInterval(%d) = %s, want %s", months, got, want)
		}
	}
}

// num parses a number of an SVG attribute ("12.5" or "12.5%").
func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

func TestNewTimeChart(t *testing.T) {
	s := schema.Default
	hist := []api.HistogramBucket{
		{Start: "2019-01-01", Count: 2, Jobs: 10},
		{Start: "2019-04-01", Count: 4, Jobs: 0},
		{Start: "2019-07-01", Count: 0, Jobs: 0},
		{Start: "2019-10-01", Count: 1, Jobs: 40},
	}
	v, err := url.ParseQuery("q=nurse&trust=Oxford+Radcliffe+Hospitals+NHS+Trust&published_from=2019-02-15&from=20&sort=-jobs&histogram=quarter")
	if err != nil {
		t.Fatal(err)
	}
	base, err := api.ParseRequest(s, v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newTimeChart(s, base, api.HistogramQuarter, hist, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Bars) != len(hist) || c.Period != "quarter" || c.MaxCount != "4" || c.MaxJobs != "40" || c.Count != "7" || c.Jobs != "50" {
		t.Fatalf("chart %d bars, period %q, max %s/%s, total %s/%s", len(c.Bars), c.Period, c.MaxCount, c.MaxJobs, c.Count, c.Jobs)
	}
	wantDates := [][2]string{
		{"2019-02-15", "2019-03-31"}, // the search's own from is later than the quarter's
		{"2019-04-01", "2019-06-30"},
		{"2019-07-01", "2019-09-30"},
		{"2019-10-01", "2019-12-31"},
	}
	for i, b := range c.Bars {
		// Heights in proportion to the numbers, standing on the baselines.
		if h, want := num(t, b.CountH), float64(hist[i].Count)/4*timeCountH; math.Abs(h-want) > 0.01 {
			t.Errorf("bar %d: articles height %v, want %v", i, h, want)
		}
		if h, want := num(t, b.JobsH), float64(hist[i].Jobs)/40*timeJobsH; math.Abs(h-want) > 0.01 {
			t.Errorf("bar %d: jobs height %v, want %v", i, h, want)
		}
		if y := num(t, b.CountY) + num(t, b.CountH); math.Abs(y-float64(c.CountBase)) > 0.01 {
			t.Errorf("bar %d: articles bar ends at %v, not the baseline %d", i, y, c.CountBase)
		}
		if y := num(t, b.JobsY) + num(t, b.JobsH); math.Abs(y-float64(c.JobsBase)) > 0.01 {
			t.Errorf("bar %d: jobs bar ends at %v, not the baseline %d", i, y, c.JobsBase)
		}
		// Side by side, in order, inside the width.
		if x := num(t, b.X); x < float64(i)*25 || x+num(t, b.W) > float64(i+1)*25+1e-9 {
			t.Errorf("bar %d at %s, width %s: outside its quarter of the chart", i, b.X, b.W)
		}
		// The link: the same search narrowed to the period, on its first
		// page, with the interval left to the narrower search.
		u, err := url.Parse(b.URL)
		if err != nil || u.Path != "/" {
			t.Fatalf("bar %d links to %q", i, b.URL)
		}
		q := u.Query()
		if q.Get("published_from") != wantDates[i][0] || q.Get("published_to") != wantDates[i][1] {
			t.Errorf("bar %d (%s) links to %s..%s, want %s..%s", i, b.Label, q.Get("published_from"), q.Get("published_to"), wantDates[i][0], wantDates[i][1])
		}
		if q.Get("q") != "nurse" || q.Get("trust") != "Oxford Radcliffe Hospitals NHS Trust" || q.Get("sort") != "-jobs" || q.Has("from") || q.Has("histogram") {
			t.Errorf("bar %d links to %q: want the search's query, filter and sort, first page, no interval", i, b.URL)
		}
		if !strings.Contains(b.Title, b.Label) || !strings.Contains(b.Title, b.CountText) {
			t.Errorf("bar %d: title %q", i, b.Title)
		}
	}
	if c.Bars[1].Label != "Q2 2019" || c.Bars[1].CountText != "4" || c.Bars[3].JobsText != "40" {
		t.Errorf("bars %+v", c.Bars)
	}

	// A bad bucket is an error, not a wrong chart.
	if _, err := newTimeChart(s, base, api.HistogramYear, hist, "x"); err == nil {
		t.Error("quarter buckets drawn as years: no error")
	}
	// Bounds given as instants with an offset compare as instants: an hour
	// before Q2 in UTC is still Q1, and the Q2 bar starts on its own day.
	v, _ = url.ParseQuery("published_from=2019-04-01T00:30:00%2B01:00&published_to=2019-12-31T23:30:00-01:00")
	off, err := api.ParseRequest(s, v)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := newTimeChart(s, off, api.HistogramQuarter, hist, "x")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]string{{"2019-03-31T23:30:00Z", "2019-03-31"}, {"2019-04-01", "2019-06-30"}, {"2019-07-01", "2019-09-30"}, {"2019-10-01", "2019-12-31"}} {
		u, _ := url.Parse(oc.Bars[i].URL)
		if got := [2]string{u.Query().Get("published_from"), u.Query().Get("published_to")}; got != want {
			t.Errorf("offset bounds: bar %d narrows to %v, want %v", i, got, want)
		}
	}
	// No buckets: no bars.
	if c, err := newTimeChart(s, base, api.HistogramYear, nil, "x"); err != nil || len(c.Bars) != 0 {
		t.Errorf("empty histogram: %v, %d bars", err, len(c.Bars))
	}
}

// TestTimeChartTicks: a phone shows at most timeTicksPhone labels, a wide
// screen at most timeTicksWide, the phone's among the wide screen's, the
// first bar's always.
func TestTimeChartTicks(t *testing.T) {
	for _, n := range []int{1, 4, 5, 6, 12, 13, 19, 40, 223} {
		hist := make([]api.HistogramBucket, n)
		start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range hist {
			hist[i] = api.HistogramBucket{Start: start.AddDate(0, i, 0).Format(time.DateOnly), Count: i}
		}
		c, err := newTimeChart(schema.Default, api.Request{}, api.HistogramMonth, hist, "x")
		if err != nil {
			t.Fatal(err)
		}
		phone, wide := 0, 0
		for _, b := range c.Bars {
			if b.Tick && b.TickWide {
				t.Fatalf("n=%d: a label both on every screen and only on wide ones", n)
			}
			if b.Tick {
				phone++
			}
			if b.Tick || b.TickWide {
				wide++
			}
		}
		if !c.Bars[0].Tick || phone > timeTicksPhone || wide > timeTicksWide || phone > wide || (n > 1 && phone < 2) {
			t.Errorf("n=%d: %d labels on a phone, %d on a wide screen", n, phone, wide)
		}
	}
}

func TestNewRankChart(t *testing.T) {
	s := schema.Default
	k, _ := s.Lookup("trust")
	j := func(n int64) *int64 { return &n }
	terms := []api.TermCount{
		{Value: "A Trust", Count: 9, Jobs: j(100)},
		{Value: "B Trust", Count: 2, Jobs: j(400)},
		{Value: "C Trust", Count: 5, Jobs: j(0)}, // no jobs: not ranked
		{Value: "D Trust", Count: 3, Jobs: j(100)},
		{Value: "E Trust", Count: 1, Jobs: j(50)},
		{Value: "F Trust", Count: 1, Jobs: j(20)},
		{Value: "G Trust", Count: 1, Jobs: j(10)},
		{Value: "H Trust", Count: 7},
	}
	base := api.Request{Q: "cuts", Filters: map[string][]string{"union": {"Unison"}}, From: 10}
	rc, ok := newRankChart(s, base, k, terms)
	if !ok {
		t.Fatal("no chart")
	}
	var got []string
	for _, r := range rc.Rows {
		got = append(got, r.Value)
	}
	if want := "B Trust,A Trust,D Trust,E Trust,F Trust"; strings.Join(got, ",") != want {
		t.Errorf("ranked %v, want %s (by jobs, then articles; top %d)", got, want, rankTop)
	}
	for _, r := range rc.Rows {
		if w, want := num(t, r.Width), float64(r.Jobs)/400*100; math.Abs(w-want) > 0.001 {
			t.Errorf("%s: bar %s, want %v%%", r.Value, r.Width, want)
		}
		u, _ := url.Parse(r.URL)
		if u.Path != "/" || u.Query().Get("trust") != r.Value || u.Query().Get("union") != "Unison" || u.Query().Get("q") != "cuts" || u.Query().Has("from") {
			t.Errorf("%s links to %q", r.Value, r.URL)
		}
		if r.PageURL != "/trusts/"+url.PathEscape(r.Value) {
			t.Errorf("%s: page %q", r.Value, r.PageURL)
		}
	}
	if rc.Rows[0].JobsText != "400 jobs" || rc.Rows[0].Count != "2" || rc.Heading != "Trusts by jobs at risk" {
		t.Errorf("first row %+v, heading %q", rc.Rows[0], rc.Heading)
	}
	if _, ok := newRankChart(s, base, k, []api.TermCount{{Value: "X", Count: 3}}); ok {
		t.Error("a chart of values without jobs sums")
	}
}

func TestEntityPageURL(t *testing.T) {
	s := schema.Default
	trust, _ := s.Lookup("trust")
	person, _ := s.Lookup("person")
	if got := entityPageURL(trust, "Guy's and St Thomas' NHS Foundation Trust"); got != "/trusts/Guy%27s%20and%20St%20Thomas%27%20NHS%20Foundation%20Trust" {
		t.Errorf("trust page %q", got)
	}
	if got := entityPageURL(trust, "A/B Trust"); got != "/trusts/A%2FB%20Trust" {
		t.Errorf("trust page %q", got)
	}
	if got := entityPageURL(person, "Helen Peggs"); got != "" {
		t.Errorf("a kind without pages has page %q", got)
	}
}
