package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cutwatch/cutwatch/search/api"
)

// Metric names, exported at GET /metrics.
const (
	metricRequests        = "cutwatch_http_requests_total"
	metricRequestDuration = "cutwatch_http_request_duration_seconds"
	metricSearchDuration  = "cutwatch_search_duration_seconds"
	metricDocuments       = "cutwatch_index_documents"
	metricIngested        = "cutwatch_ingest_articles_total"
	metricTagDuration     = "cutwatch_tag_duration_seconds"
	metricWritesEnabled   = "cutwatch_writes_enabled"
)

// routeUnmatched is the route label of requests that matched no route (404
// and 405). Labels hold route templates, never raw paths, so that the number
// of series stays bounded whatever clients send.
const routeUnmatched = "unmatched"

// Metrics holds the Prometheus series of one server in a registry of its own
// (not the process-wide default one), so that several servers in one
// process, as in tests, do not collide. Create it with NewMetrics before the
// index.Writer when the tagger's time should be counted too (pass
// ObserveTag to index.WriterOptions), and hand it to New in Options.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec   // route, method, status
	requestDuration *prometheus.HistogramVec // route, method
	searchDuration  prometheus.Histogram
	ingested        *prometheus.CounterVec // result
	tagDuration     prometheus.Histogram
	applyBatch      prometheus.Histogram
	docs            *docsCollector
}

// NewMetrics returns the metrics of a server, with the Go runtime and
// process collectors registered beside cutwatch's own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricRequests,
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: metricRequestDuration,
			Help: "Time to answer an HTTP request, by route template and method.",
			// 0.5 ms to about 8 s.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 15),
		}, []string{"route", "method"}),
		searchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: metricSearchDuration,
			Help: "Time spent in the search backend per search request (API and search page), failures included.",
			// 0.25 ms to about 4 s.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 15),
		}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricIngested,
			Help: "Articles sent to the write API (one per article or bulk line), by result: ok (indexed) or failed.",
		}, []string{"result"}),
		tagDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: metricTagDuration,
			Help: "Time the entity tagger took per article (ingest, re-index).",
			// 0.25 ms to about 4 s.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 15),
		}),
		applyBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cutwatch_cluster_apply_batch_messages",
			Help: "Messages of the article stream applied per batch (cluster mode).",
			// 1 to 512.
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		docs: &docsCollector{desc: prometheus.NewDesc(metricDocuments,
			"Articles in the index, read when scraped.", nil, nil)},
	}
	// Both results exist from the start, so that a rate over them is
	// defined before the first failure.
	m.ingested.WithLabelValues("ok")
	m.ingested.WithLabelValues("failed")
	m.reg.MustRegister(
		m.requests, m.requestDuration, m.searchDuration, m.ingested, m.tagDuration, m.applyBatch, m.docs,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry that GET /metrics exports, for callers that
// want to add series of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// watchWrites exports whether the server takes writes (1) or not (0: no
// key, a full disk, a damaged store), read from on when scraped.
func (m *Metrics) watchWrites(on func() bool, log *slog.Logger) {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: metricWritesEnabled,
		Help: "1 when the server takes writes, 0 when they are off (no API key, a full disk, a damaged article store: see /readyz).",
	}, func() float64 {
		if on() {
			return 1
		}
		return 0
	})
	if err := m.reg.Register(g); err != nil {
		log.Warn("metrics: writes_enabled is already registered (one Metrics serves one Server)", "err", err)
	}
}

// ObserveTag records the tagger's time for one article. It has the type of
// index.WriterOptions.ObserveTag.
func (m *Metrics) ObserveTag(d time.Duration) { m.tagDuration.Observe(d.Seconds()) }

// ObserveApplyBatch records the number of stream messages of one batch
// applied (cluster mode). It has the type of cluster.Options.ObserveBatch.
func (m *Metrics) ObserveApplyBatch(n int) { m.applyBatch.Observe(float64(n)) }

// observeRequest counts one answered request.
func (m *Metrics) observeRequest(route, method string, status int, d time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// ingest counts articles sent to the write API that were indexed (ok) and
// that were not (failed).
func (m *Metrics) ingest(ok, failed int) {
	if ok > 0 {
		m.ingested.WithLabelValues("ok").Add(float64(ok))
	}
	if failed > 0 {
		m.ingested.WithLabelValues("failed").Add(float64(failed))
	}
}

// methodLabel returns the method for a label: the standard methods as they
// are, anything else a client may invent as "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// docsCollector reports the number of articles in the index at scrape time.
// When the count fails the series is left out of that scrape (and the error
// logged) rather than reported as a made-up value.
type docsCollector struct {
	desc *prometheus.Desc

	mu    sync.Mutex
	count func() (uint64, error)
	log   *slog.Logger
}

// setSource makes c report count; New calls it with the server's Searcher.
func (c *docsCollector) setSource(count func() (uint64, error), log *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count, c.log = count, log
}

func (c *docsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *docsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	count, log := c.count, c.log
	c.mu.Unlock()
	if count == nil {
		return
	}
	n, err := count()
	if err != nil {
		log.Warn("metrics: count the index's documents", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// metricsHandler returns the handler of GET /metrics over m's registry.
func (s *Server) metricsHandler() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
		// Scrapes that are slow or pile up must not pile up here too.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
	return gin.WrapH(h)
}

// search runs one search request through the Searcher and records its time.
func (s *Server) search(ctx context.Context, req api.Request) (*api.Result, error) {
	start := time.Now()
	res, err := s.searcher.Search(ctx, req)
	s.metrics.searchDuration.Observe(time.Since(start).Seconds())
	return res, err
}

// searchStats is what the search backend may report besides searching:
// the counters of its result cache and of its admission control. The real
// one is *search.Service; a Searcher without them exports neither.
type searchStats interface {
	CacheStats() api.CacheStats
	AdmissionStats() api.AdmissionStats
}

// searchStatsCollector exports a searchStats at scrape time, so that the
// series always agree with the service's own counters.
type searchStatsCollector struct {
	src                        searchStats
	cacheRequests, cacheShared *prometheus.Desc
	cacheEvictions             *prometheus.Desc
	cacheEntries, cacheBytes   *prometheus.Desc
	admitted, rejected         *prometheus.Desc
	running, queued            *prometheus.Desc
}

func newSearchStatsCollector(src searchStats) *searchStatsCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &searchStatsCollector{
		src:            src,
		cacheRequests:  d("cutwatch_search_cache_requests_total", "Lookups in the result cache, by kind (search: whole answers of searches and facet-value lists; facet: one facet's counts within a search) and result (hit or miss).", "kind", "result"),
		cacheShared:    d("cutwatch_search_cache_shared_total", "Cache misses that joined an identical search already running instead of running their own."),
		cacheEvictions: d("cutwatch_search_cache_evictions_total", "Cache entries dropped to stay within the cache's bounds."),
		cacheEntries:   d("cutwatch_search_cache_entries", "Entries in the result cache."),
		cacheBytes:     d("cutwatch_search_cache_bytes", "Approximate size of the result cache's entries."),
		admitted:       d("cutwatch_search_admitted_total", "Searches that got a search slot."),
		rejected:       d("cutwatch_search_rejected_total", "Searches refused with 503 because every search slot was taken and the wait queue full or too slow."),
		running:        d("cutwatch_searches_running", "Searches running now."),
		queued:         d("cutwatch_searches_queued", "Searches waiting for a slot now."),
	}
}

func (c *searchStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.cacheRequests, c.cacheShared, c.cacheEvictions, c.cacheEntries, c.cacheBytes, c.admitted, c.rejected, c.running, c.queued} {
		ch <- d
	}
}

func (c *searchStatsCollector) Collect(ch chan<- prometheus.Metric) {
	cs, as := c.src.CacheStats(), c.src.AdmissionStats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(c.cacheRequests, cs.Hits, "search", "hit")
	counter(c.cacheRequests, cs.Misses, "search", "miss")
	counter(c.cacheShared, cs.Shared)
	counter(c.cacheRequests, cs.FacetHits, "facet", "hit")
	counter(c.cacheRequests, cs.FacetMisses, "facet", "miss")
	counter(c.cacheEvictions, cs.Evictions)
	gauge(c.cacheEntries, float64(cs.Entries))
	gauge(c.cacheBytes, float64(cs.Bytes))
	counter(c.admitted, as.Admitted)
	counter(c.rejected, as.Rejected)
	gauge(c.running, float64(as.Running))
	gauge(c.queued, float64(as.Queued))
}
