package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Entity pages: every value of a kind with pages (schema.Kind.Page) has
// one at /<the kind's JSON key>/<value> — /trusts/…, /unions/…,
// /places/… — built from searches filtered by the value, and the search
// page's charts. Both ask the Searcher for histograms and jobs sums
// (api.Request.Histogram, FacetMetric) and draw them with charts.go.

// entityPageURL is the page of value of the kind k ("" when k has no
// pages).
func entityPageURL(k schema.Kind, value string) string {
	if !k.Page || value == "" {
		return ""
	}
	return "/" + k.JSON + "/" + url.PathEscape(value)
}

// entityRoutes registers the page of every kind with pages. The value is
// a catch-all parameter, so that a value with a slash still has a page.
func (s *Server) entityRoutes(r gin.IRoutes, mw gin.HandlerFunc) {
	for _, k := range s.schema.PageKinds() {
		r.GET("/"+k.JSON+"/*name", mw, func(c *gin.Context) {
			s.serveHTML(c, func(c *gin.Context) (htmlPage, error) { return s.serveEntityPageErr(c, k) })
		})
	}
}

// histogramSearch runs req (with the facets and page it asks for) asking
// for the histogram of interval; with interval "", of the interval
// chooseInterval picks from the span of the matching articles (learnt
// from a histogram by month, then asked for again by that interval when
// it is another). It returns the first search's result, the interval and
// the histogram.
func (s *Server) histogramSearch(ctx context.Context, req api.Request, interval string) (*api.Result, string, []api.HistogramBucket, error) {
	first := req.Clone()
	first.Histogram = interval
	if interval == "" {
		first.Histogram = api.HistogramMonth
	}
	res, err := s.search(ctx, first)
	if err != nil {
		return nil, "", nil, err
	}
	if interval != "" {
		return res, interval, res.Histogram, nil
	}
	interval = chooseInterval(len(res.Histogram))
	if interval == api.HistogramMonth {
		return res, interval, res.Histogram, nil
	}
	again := req.Clone()
	again.Histogram, again.FacetMetric, again.FacetSort, again.Facets, again.From, again.Size = interval, "", "", []string{api.FacetNone}, 0, 1
	hr, err := s.search(ctx, again)
	if err != nil {
		return nil, "", nil, err
	}
	return res, interval, hr.Histogram, nil
}

// pageKindNames are the names of the kinds with pages.
func pageKindNames(s *schema.Schema) []string {
	var out []string
	for _, k := range s.PageKinds() {
		out = append(out, k.Name())
	}
	return out
}

// chartsView is the charts block of the search page.
type chartsView struct {
	Time  *timeChart
	Ranks []rankChart
}

// searchCharts makes the search page's charts for req: its articles and
// jobs over time (by the interval chosen in the URL, or automatic), and
// the top values of each kind with pages by jobs at risk; every bar links
// to req narrowed by it.
func (s *Server) searchCharts(ctx context.Context, req api.Request) (*chartsView, error) {
	c := req.Clone()
	c.From, c.Size, c.Sort, c.FacetSize, c.FacetMetric, c.FacetSort = 0, 1, "", rankTop, api.FacetMetricJobs, api.FacetSortJobs
	c.Facets = pageKindNames(s.schema)
	res, interval, hist, err := s.histogramSearch(ctx, c, req.Histogram)
	if err != nil {
		return nil, err
	}
	v := &chartsView{}
	if v.Time, err = newTimeChart(s.schema, req, interval, hist, "chart-time"); err != nil {
		return nil, err
	}
	v.Time.Auto = req.Histogram == ""
	v.Time.Intervals = intervalLinks(s.schema, req, req.Histogram)
	for _, k := range s.schema.PageKinds() {
		if rc, ok := newRankChart(s.schema, req, k, res.Facets.Terms(k.Name())); ok {
			v.Ranks = append(v.Ranks, rc)
		}
	}
	return v, nil
}

// entityView is the data of an entity page.
type entityView struct {
	Title     string
	Kind      string // the kind's name
	KindLabel string // "Trust"
	// OwnCuts says the sums count only the cuts linked to the entity (a
	// trust's page: the search sums those of the trusts it filters by).
	OwnCuts   bool
	Name      string
	SearchURL string // the search filtered by the entity
	Total     string // its articles, formatted
	Dated     string // those with a date (in the chart), formatted
	Jobs      string // the jobs at risk of the dated ones, formatted
	Chart     *timeChart
	Years     []yearRow
	Related   []relatedGroup
	Recent    []recentArticle
	RecentURL string // the search filtered by the entity, newest first
}

// yearRow is one year of an entity's table.
type yearRow struct {
	Year, URL, Count, Jobs, Savings string
}

// relatedGroup lists the values of another kind found with the entity:
// a trust's hospitals, the unions active there.
type relatedGroup struct {
	Field, Heading string
	Items          []relatedItem
}

// relatedItem is one related value: the search filtered by both, and its
// own page when its kind has pages.
type relatedItem struct {
	Value, URL, PageURL, Count, Jobs string
}

// recentArticle is one of an entity's newest articles.
type recentArticle struct {
	Title, URL, Published, Datetime string
}

// entityRecent is how many of its newest articles an entity page lists.
const entityRecent = 10

// entityRelated is how many values of each other kind an entity page
// lists.
const entityRelated = 10

// serveEntityPageErr answers GET /<kind>/<value>: the page of the value
// of k, or the not-found page when no article has it. The query
// parameter histogram (month, quarter or year) sets the chart's interval;
// without it, it follows the span of the articles.
func (s *Server) serveEntityPageErr(c *gin.Context, k schema.Kind) (htmlPage, error) {
	name := strings.TrimPrefix(c.Param("name"), "/")
	interval := c.Query("histogram")
	if interval != "" && !slices.Contains(api.HistogramIntervals, interval) {
		return htmlPage{}, api.BadRequest("histogram", "unknown interval %q (want one of %s)", api.Truncate(interval, 40), strings.Join(api.HistogramIntervals, ", "))
	}
	if name == "" {
		return errorPage(http.StatusNotFound, fmt.Sprintf("Give a %s's name after /%s/.", strings.ToLower(k.Label), k.JSON)), nil
	}
	if len(name) > api.MaxFilterLen {
		return errorPage(http.StatusNotFound, fmt.Sprintf("No article names the %s %q.", strings.ToLower(k.Label), api.Truncate(name, 60))), nil
	}
	ctx := c.Request.Context()
	base := api.Request{Filters: map[string][]string{k.Name(): {name}}}

	var others []string
	for _, f := range s.schema.TermNames() {
		if f != k.Name() {
			others = append(others, f)
		}
	}
	first := base.Clone()
	first.Size, first.Sort, first.Facets, first.FacetSize, first.FacetMetric = entityRecent, api.SortPublishedDesc, others, entityRelated, api.FacetMetricJobs
	res, interval, hist, err := s.histogramSearch(ctx, first, interval)
	if err != nil {
		return htmlPage{}, fmt.Errorf("entity page: %w", err)
	}
	if res.Total == 0 {
		return errorPage(http.StatusNotFound, fmt.Sprintf("No article names the %s “%s”. Check the spelling, or search for it.", strings.ToLower(k.Label), name)), nil
	}
	c.Set(ctxHits, res.Total)
	v := &entityView{Title: name, Kind: k.Name(), KindLabel: k.Label, OwnCuts: k.Kind == tag.Trust, Name: name, SearchURL: searchURL(s.schema, base),
		Total: formatCount(res.Total), RecentURL: searchURL(s.schema, api.Request{Filters: base.Filters, Sort: api.SortPublishedDesc})}
	if v.Chart, err = newTimeChart(s.schema, base, interval, hist, "entity-time"); err != nil {
		return htmlPage{}, fmt.Errorf("entity page: %w", err)
	}
	v.Dated, v.Jobs = v.Chart.Count, v.Chart.Jobs

	// Jobs at risk and savings by year, from the histogram by year.
	years := hist
	if interval != api.HistogramYear {
		y := base.Clone()
		y.Histogram, y.Facets, y.Size = api.HistogramYear, []string{api.FacetNone}, 1
		yr, err := s.search(ctx, y)
		if err != nil {
			return htmlPage{}, fmt.Errorf("entity page: %w", err)
		}
		years = yr.Histogram
	}
	for _, b := range years {
		from, to, err := periodBounds(api.HistogramYear, b.Start)
		if err != nil {
			return htmlPage{}, fmt.Errorf("entity page: %w", err)
		}
		v.Years = append(v.Years, yearRow{
			Year: periodLabel(api.HistogramYear, from), Count: groupThousands(int64(b.Count)), Jobs: groupThousands(b.Jobs),
			Savings: formatGBP(b.SavingsGBP),
			URL:     edit(s.schema, base, func(r *api.Request) { r.PublishedFrom, r.PublishedTo = from, to }),
		})
	}

	for _, f := range others {
		terms := res.Facets.Terms(f)
		if len(terms) == 0 {
			continue
		}
		ok, _ := s.schema.Lookup(f)
		g := relatedGroup{Field: f, Heading: ok.Plural}
		for _, t := range terms {
			it := relatedItem{Value: t.Value, URL: addFilterURL(s.schema, base, f, t.Value), PageURL: entityPageURL(ok, t.Value),
				Count: groupThousands(int64(t.Count))}
			if t.Jobs != nil {
				it.Jobs = groupThousands(*t.Jobs)
			}
			g.Items = append(g.Items, it)
		}
		v.Related = append(v.Related, g)
	}
	for _, h := range res.Hits {
		a := recentArticle{Title: h.Title, URL: articleURL(h.ID)}
		if a.Title == "" {
			a.Title = h.ID
		}
		if h.Published != nil {
			a.Published, a.Datetime = h.Published.UTC().Format("2 January 2006"), h.Published.UTC().Format(time.RFC3339)
		}
		v.Recent = append(v.Recent, a)
	}
	return htmlPage{tmpl: pages.entity, status: http.StatusOK, data: v}, nil
}
