package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cutwatch/cutwatch/search/api"
)

// MaxSourceBody is the largest body of POST /api/sources.
const MaxSourceBody = 64 << 10

// sourceRoutes registers the routes of the feed sources, behind the API
// key like the writes (a source's articles are writes).
func (s *Server) sourceRoutes(r *gin.Engine) {
	g := r.Group("/api/sources", s.requireKey, s.needSources)
	g.POST("", s.servePostSource)
	g.GET("", s.serveListSources)
	g.DELETE("/:id", s.serveDeleteSource)
}

// needSources answers 503 on a server that follows no sources.
func (s *Server) needSources(c *gin.Context) {
	if s.sources == nil {
		writeJSON(c, http.StatusServiceUnavailable, errorBody{Error: "this server follows no feed sources"})
		c.Abort()
		return
	}
	c.Next()
}

func (s *Server) servePostSource(c *gin.Context) { s.serveWrite(c, s.servePostSourceErr) }

// servePostSourceErr answers POST /api/sources: {url, interval?, filter?}
// adds a source (201), or changes the one with that URL (200).
func (s *Server) servePostSourceErr(c *gin.Context) (int, any, error) {
	body, err := readBody(c, MaxSourceBody)
	if err != nil {
		return 0, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var spec api.SourceSpec
	if err := dec.Decode(&spec); err != nil {
		return 0, nil, &httpError{http.StatusBadRequest, "body: want a JSON object {url, interval?, filter?}: " + err.Error()}
	}
	before, err := s.sources.ListSources(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	st, err := s.sources.AddSource(c.Request.Context(), spec)
	if err != nil {
		return 0, nil, sourceErr(err)
	}
	for _, b := range before {
		if b.ID == st.ID {
			return http.StatusOK, st, nil
		}
	}
	return http.StatusCreated, st, nil
}

func (s *Server) serveListSources(c *gin.Context) { s.serveJSON(c, s.serveListSourcesErr) }

// sourceList is the body of GET /api/sources.
type sourceList struct {
	Sources []api.SourceStatus `json:"sources"`
}

func (s *Server) serveListSourcesErr(c *gin.Context) (any, error) {
	all, err := s.sources.ListSources(c.Request.Context())
	if err != nil {
		return nil, err
	}
	if all == nil {
		all = []api.SourceStatus{}
	}
	return sourceList{Sources: all}, nil
}

func (s *Server) serveDeleteSource(c *gin.Context) { s.serveWrite(c, s.serveDeleteSourceErr) }

// serveDeleteSourceErr answers DELETE /api/sources/:id with 204, or 404.
func (s *Server) serveDeleteSourceErr(c *gin.Context) (int, any, error) {
	if err := s.sources.RemoveSource(c.Request.Context(), c.Param("id")); err != nil {
		return 0, nil, sourceErr(err)
	}
	return http.StatusNoContent, nil, nil
}

func sourceErr(err error) error {
	if errors.Is(err, api.ErrClosed) {
		return &httpError{http.StatusServiceUnavailable, "shutting down"}
	}
	return err
}

// Metric names of the sources.
const (
	metricSourceItems    = "cutwatch_source_items_total"
	metricSourcePolls    = "cutwatch_source_polls_total"
	metricSourceNotMod   = "cutwatch_source_not_modified_total"
	metricSourceFailures = "cutwatch_source_failures"
	metricSourceNextPoll = "cutwatch_source_next_poll_timestamp_seconds"
	metricSourceLastPoll = "cutwatch_source_last_poll_timestamp_seconds"
)

// sourcesCollector exports the state of every source, read when scraped.
type sourcesCollector struct {
	src                                            api.Sources
	items, polls, notMod, failures, next, lastPoll *prometheus.Desc
}

func newSourcesCollector(src api.Sources) *sourcesCollector {
	l := []string{"source", "url"}
	return &sourcesCollector{
		src: src,
		items: prometheus.NewDesc(metricSourceItems,
			"New feed items of a source, by result: kept (written as articles), skipped (not matched by its filter), page_fallback (article made from the feed's content: the page could not be read).", append(l, "result"), nil),
		polls: prometheus.NewDesc(metricSourcePolls,
			"Polls of a source's feed, failed ones included.", l, nil),
		notMod: prometheus.NewDesc(metricSourceNotMod,
			"Polls of a source's feed answered 304 Not Modified (nothing read again).", l, nil),
		failures: prometheus.NewDesc(metricSourceFailures,
			"Polls of a source that failed in a row (0 after a good one); its last error is in GET /api/sources.", l, nil),
		next: prometheus.NewDesc(metricSourceNextPoll,
			"When a source will be polled next (Unix time).", l, nil),
		lastPoll: prometheus.NewDesc(metricSourceLastPoll,
			"When a source was last polled (Unix time; absent before its first poll).", l, nil),
	}
}

func (c *sourcesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.items, c.polls, c.notMod, c.failures, c.next, c.lastPoll} {
		ch <- d
	}
}

func (c *sourcesCollector) Collect(ch chan<- prometheus.Metric) {
	all, err := c.src.ListSources(context.Background())
	if err != nil {
		return
	}
	for _, s := range all {
		l := []string{s.ID, s.URL}
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.CounterValue, float64(s.Kept), append(l, "kept")...)
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.CounterValue, float64(s.Skipped), append(l, "skipped")...)
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.CounterValue, float64(s.PageFallbacks), append(l, "page_fallback")...)
		ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.Polls), l...)
		ch <- prometheus.MustNewConstMetric(c.notMod, prometheus.CounterValue, float64(s.NotModified), l...)
		ch <- prometheus.MustNewConstMetric(c.failures, prometheus.GaugeValue, float64(s.Failures), l...)
		ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, float64(s.NextPoll.UnixMilli())/1000, l...)
		if !s.LastPoll.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.lastPoll, prometheus.GaugeValue, float64(s.LastPoll.UnixMilli())/1000, l...)
		}
	}
}
