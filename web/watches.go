package web

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cutwatch/cutwatch/search/api"
)

// MaxWatchBody is the largest body of POST /api/watches.
const MaxWatchBody = 64 << 10

// watchRoutes registers the saved searches' routes, behind the API key
// (a watch names a webhook and holds a secret).
func (s *Server) watchRoutes(r *gin.Engine) {
	w := r.Group("/api/watches", s.requireKey, s.needWatches)
	w.POST("", s.serveCreateWatch)
	w.GET("", func(c *gin.Context) { s.serveJSON(c, s.serveWatchesErr) })
	w.GET("/:id", func(c *gin.Context) { s.serveJSON(c, s.serveWatchErr) })
	w.DELETE("/:id", s.serveDeleteWatch)
	w.GET("/:id/deliveries", func(c *gin.Context) { s.serveJSON(c, s.serveDeliveriesErr) })
}

// needWatches answers 503 when the server keeps no watches.
func (s *Server) needWatches(c *gin.Context) {
	if s.watches == nil {
		writeJSON(c, http.StatusServiceUnavailable, errorBody{Error: "this server keeps no watches"})
		c.Abort()
		return
	}
	c.Next()
}

// watchResponse is a watch as the API shows it: with the link to its feed.
type watchResponse struct {
	api.Watch
	Feed string `json:"feed"`
}

func (s *Server) watchOut(c *gin.Context, w api.Watch) watchResponse {
	return watchResponse{Watch: w, Feed: s.baseURL(c.Request) + feedPath + "?" + w.Search}
}

func (s *Server) serveCreateWatch(c *gin.Context) {
	w, err := s.createWatch(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/watches/"+w.ID)
	writeJSON(c, http.StatusCreated, s.watchOut(c, w))
}

// createWatch reads {"search": "...", "url": "...", "name": "..."} and
// creates the watch.
func (s *Server) createWatch(c *gin.Context) (api.Watch, error) {
	body, err := readBody(c, MaxWatchBody)
	if err != nil {
		return api.Watch{}, err
	}
	var spec api.WatchSpec
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return api.Watch{}, api.BadRequest("body", "a JSON object {\"search\": \"q=...&union=...\", \"url\": \"https://...\", \"name\": \"...\"}: %v", err)
	}
	if spec.URL == "" {
		return api.Watch{}, api.BadRequest("url", "missing: the webhook to post matches to")
	}
	return s.watches.CreateWatch(c.Request.Context(), spec)
}

func (s *Server) serveWatchesErr(c *gin.Context) (any, error) {
	ws, err := s.watches.Watches(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make([]watchResponse, len(ws))
	for i, w := range ws {
		out[i] = s.watchOut(c, w)
	}
	return map[string]any{"watches": out}, nil
}

func (s *Server) serveWatchErr(c *gin.Context) (any, error) {
	w, err := s.watches.Watch(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return s.watchOut(c, w), nil
}

func (s *Server) serveDeleteWatch(c *gin.Context) {
	if err := s.watches.DeleteWatch(c.Request.Context(), c.Param("id")); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) serveDeliveriesErr(c *gin.Context) (any, error) {
	atts, err := s.watches.Deliveries(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if atts == nil {
		atts = []api.Attempt{}
	}
	return map[string]any{"watch": c.Param("id"), "attempts": atts}, nil
}

// watchCollector exports the watches' counters at scrape time.
type watchCollector struct {
	src                                     api.Watches
	watches, queue                          *prometheus.Desc
	queued, delivered, retried, failedTotal *prometheus.Desc
}

func newWatchCollector(src api.Watches) *watchCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &watchCollector{
		src:         src,
		watches:     d("cutwatch_watches", "Saved watches (enabled or disabled)."),
		queue:       d("cutwatch_watch_deliveries_queued", "Deliveries waiting in the queue now (due or waiting to be retried)."),
		queued:      d("cutwatch_watch_deliveries_queued_total", "Deliveries queued: one per watch per write that matched it."),
		delivered:   d("cutwatch_watch_deliveries_delivered_total", "Deliveries their webhook took (2xx)."),
		retried:     d("cutwatch_watch_deliveries_retried_total", "Attempts that failed (timeout, connection error, 5xx, 408, 429) and were scheduled again."),
		failedTotal: d("cutwatch_watch_deliveries_failed_total", "Deliveries given up: refused with another 4xx, 410 Gone (which disables the watch), or still failing after the give-up age."),
	}
}

func (c *watchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.watches, c.queue, c.queued, c.delivered, c.retried, c.failedTotal} {
		ch <- d
	}
}

func (c *watchCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.WatchStats()
	ch <- prometheus.MustNewConstMetric(c.watches, prometheus.GaugeValue, float64(st.Watches))
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(st.Queue))
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.CounterValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(c.delivered, prometheus.CounterValue, float64(st.Delivered))
	ch <- prometheus.MustNewConstMetric(c.retried, prometheus.CounterValue, float64(st.Retried))
	ch <- prometheus.MustNewConstMetric(c.failedTotal, prometheus.CounterValue, float64(st.Failed))
}
