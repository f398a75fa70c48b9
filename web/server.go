package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

func init() {
	// Debug mode prints every route at start and warns on each request;
	// cutwatch logs with slog instead.
	gin.SetMode(gin.ReleaseMode)
}

// Options configure a Server.
type Options struct {
	// Logger receives one line per request and the details of internal
	// errors (slog.Default() if nil).
	Logger *slog.Logger

	// Ingester takes the writes of the write routes (nil: no writes).
	Ingester api.Ingester
	// APIKey is the bearer key the write routes require; empty turns
	// them off (403). It also serves as a read key.
	APIKey string
	// ReadKey, when not empty, is a bearer key every read (the API's GET
	// routes, the pages, the feeds) requires: the read key or the API key.
	// It cannot write.
	ReadKey string
	// RateLimit is how many reads a second one client without a key may
	// make, in bursts of RateBurst; past it reads answer 429 with
	// Retry-After (0: no limit).
	RateLimit float64
	RateBurst int
	// ClientIPHeader names the header that a trusted proxy in front of the
	// server sets to the client's address (X-Real-IP, X-Forwarded-For:
	// its last element); empty: the peer's address, and no header is
	// believed.
	ClientIPHeader string
	// Readiness tells /readyz, the read routes and the write routes
	// whether the index and the store can serve (nil: whenever the index
	// answers a search).
	Readiness api.Readiness

	// Seqs lets reads wait for a write with min_seq (nil: min_seq is
	// accepted and not waited for).
	Seqs api.SeqWaiter
	// Cluster is this node's replication state in cluster mode, for
	// /api/cluster, /readyz and /metrics (nil: the embedded mode).
	Cluster api.Cluster

	// Sources are the feed sources of /api/sources (nil: none).
	Sources api.Sources
	// Watches keeps the saved searches of /api/watches (nil: those
	// routes answer 503).
	Watches api.Watches
	// PublicURL is the scheme and host that links in feeds start with
	// ("https://cutwatch.example.org"); empty: the request's own.
	PublicURL string

	// ExportMax caps the rows of one /api/export (api.DefaultExportMax
	// if 0).
	ExportMax int

	// Metrics receives the server's measurements, exported at GET
	// /metrics (a new NewMetrics() if nil). One Metrics serves one Server.
	Metrics *Metrics
}

// Server serves cutwatch's JSON API (and its HTML UI) over an
// api.Searcher; it knows nothing of the search engine or the storage.
type Server struct {
	searcher api.Searcher
	schema   *schema.Schema
	log      *slog.Logger
	router   *gin.Engine
	metrics  *Metrics

	// Write routes (ingest.go).
	ingester api.Ingester
	sources  api.Sources
	keySet   bool
	keyHash  [32]byte

	// pages keeps the rendered article pages (rendercache.go).
	pages *renderCache

	// afterBatch, if set (by tests), is called after each batch of a bulk
	// is written, with the request's context; bulkBatch, if set, replaces
	// BulkBatchArticles (tests: fewer articles make the same batches).
	afterBatch func(ctx context.Context)
	bulkBatch  int

	// Fair use of the reads (fairuse.go).
	readKeySet   bool
	readKeyHash  [32]byte
	rate         *rateLimiter // nil: no limit
	clientHeader string

	// Saved searches (watches.go) and feeds (feed.go).
	watches   api.Watches
	publicURL string

	// exportMax caps the rows of one export (export.go).
	exportMax int

	// Readiness (ready.go), min_seq and the cluster mode (cluster.go).
	seqs     api.SeqWaiter
	cluster  api.Cluster
	ready    api.Readiness
	draining atomic.Bool

	// Background work (reindex.go) runs in ctx, which lives until
	// StartShutdown; Close waits for it.
	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup
	jobMu  sync.Mutex
	closed bool // set by Close under jobMu: no more jobs
	job    reindexStatus
}

// New returns a Server over s with its routes registered. Call Close when
// done with it, after the http.Server has shut down.
func New(s api.Searcher, opts Options) *Server {
	srv := &Server{searcher: s, schema: s.Schema(), log: opts.Logger, ingester: opts.Ingester, sources: opts.Sources, ready: opts.Readiness,
		metrics: opts.Metrics, job: reindexStatus{State: jobIdle}, watches: opts.Watches, publicURL: opts.PublicURL, exportMax: opts.ExportMax}
	if srv.exportMax <= 0 {
		srv.exportMax = api.DefaultExportMax
	}
	srv.seqs, srv.cluster = opts.Seqs, opts.Cluster
	srv.pages = newRenderCache()
	srv.ctx, srv.cancel = context.WithCancel(context.Background())
	srv.setKey(opts.APIKey)
	if opts.ReadKey != "" {
		srv.readKeySet, srv.readKeyHash = true, keyHash(opts.ReadKey)
	}
	srv.rate = newRateLimiter(opts.RateLimit, opts.RateBurst)
	srv.clientHeader = http.CanonicalHeaderKey(strings.TrimSpace(opts.ClientIPHeader))
	if srv.log == nil {
		srv.log = slog.Default()
	}
	if srv.metrics == nil {
		srv.metrics = NewMetrics()
	}
	srv.metrics.docs.setSource(s.DocCount, srv.log)
	if st, ok := s.(searchStats); ok {
		if err := srv.metrics.reg.Register(newSearchStatsCollector(st)); err != nil {
			srv.log.Warn("metrics: the search statistics are already registered (one Metrics serves one Server)", "err", err)
		}
	}
	if srv.sources != nil {
		if err := srv.metrics.reg.Register(newSourcesCollector(srv.sources)); err != nil {
			srv.log.Warn("metrics: the sources are already registered (one Metrics serves one Server)", "err", err)
		}
	}
	if opts.Watches != nil {
		if err := srv.metrics.reg.Register(newWatchCollector(opts.Watches)); err != nil {
			srv.log.Warn("metrics: the watch statistics are already registered (one Metrics serves one Server)", "err", err)
		}
	}
	if srv.cluster != nil {
		if err := srv.metrics.reg.Register(newClusterCollector(srv.cluster)); err != nil {
			srv.log.Warn("metrics: the cluster state is already registered (one Metrics serves one Server)", "err", err)
		}
	}
	srv.metrics.watchWrites(func() bool { return srv.writesOff() == "" }, srv.log)
	srv.router = srv.routes()
	return srv
}

// Handler returns the http.Handler of all routes.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHEAD) }

// Metrics returns the metrics the server records and exports.
func (s *Server) Metrics() *Metrics { return s.metrics }

// routes builds the gin engine: middleware first, then one line a route so
// that the API can be read here at a glance.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	// No proxy is trusted unless the deployment says so: the client address
	// in logs is then the peer's, never a spoofable X-Forwarded-For.
	_ = r.SetTrustedProxies(nil)
	r.HandleMethodNotAllowed = true
	// Route on the escaped path, so that an id with an escaped '/'
	// (a%2Fb) is one path segment: reading it is a 404, writing it a 400
	// about the id, rather than "no route".
	r.UseRawPath = true
	r.UnescapePathValues = true
	r.Use(s.observeRequests, s.recoverPanics, compress)

	// Public reads: CORS (API), the read key when set, the rate limit of
	// anonymous clients, 503 while there is no index to read (publicRead).
	api, page := s.publicRead(false), s.publicRead(true)
	r.GET("/healthz", s.needIndex(false), s.serveHealthz) // a probe: no key, no rate limit
	r.GET("/readyz", s.serveReadyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/api/openapi.json", s.serveOpenAPI)
	apiSeq, pageSeq := s.waitMinSeq(false), s.waitMinSeq(true)
	r.GET("/api/search", api, apiSeq, s.serveSearch)
	r.GET("/api/articles/:id", api, apiSeq, s.serveArticle)
	r.GET("/api/facets/:field", api, s.serveFacet)
	r.GET("/api/export", api, apiSeq, s.serveExport)
	r.GET("/api/cluster", api, s.serveCluster)
	r.GET(feedPath, api, s.serveFeed)
	for _, p := range []string{"/api/search", "/api/articles/:id", "/api/facets/:field", "/api/export", feedPath} {
		r.OPTIONS(p, servePreflight) // CORS preflight of the public reads only
	}
	s.watchRoutes(r)
	s.writeRoutes(r)  // POST, PUT, DELETE and the re-index status behind the API key
	s.sourceRoutes(r) // the feed sources, behind the API key

	r.GET("/", page, pageSeq, s.serveSearchPage)
	r.GET("/articles/:id", page, pageSeq, s.serveArticlePage)
	s.entityRoutes(r, page) // /trusts/*name, /unions/*name, /places/*name: the schema's kinds with pages
	r.GET("/static/*file", s.serveStatic)

	r.NoRoute(s.serveNoRoute)
	r.NoMethod(s.serveMethodNotAllowed)
	return r
}
