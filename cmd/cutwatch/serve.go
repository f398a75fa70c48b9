package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/cluster"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/once"
	"github.com/cutwatch/cutwatch/search/sources"
	"github.com/cutwatch/cutwatch/search/watch"
	"github.com/cutwatch/cutwatch/web"
)

// serveConfig holds the flags of 'cutwatch serve'.
type serveConfig struct {
	addr          string
	data          string
	seeds         string
	logFormat     string
	searchTimeout time.Duration
	shutdownGrace time.Duration
	drainDelay    time.Duration
	apiKey        string
	readKey       string
	rateLimit     float64
	rateBurst     int
	clientHeader  string
	maxSearches   int
	exportMax     int
	minFree       byteSize
	sources       sourcesConfig
	publicURL     string
	hooks         hookConfig
	cluster       clusterConfig
}

// clusterConfig holds serve's flags of the cluster mode.
type clusterConfig struct {
	conn           cluster.ConnOptions
	replicas       int
	stream         string
	node           string
	minSeqWait     time.Duration
	publishTimeout time.Duration
}

func (c *clusterConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.conn.URLs, "nats", "", "cluster mode: NATS server URLs, comma-separated (nats://a:4222,nats://b:4222); the article stream on their JetStream is the source of truth and this node one of its replicas (empty: the single-process embedded mode)")
	fs.StringVar(&c.conn.Creds, "nats-creds", "", "NATS credentials file (JWT and nkey seed)")
	fs.StringVar(&c.conn.NKey, "nats-nkey", "", "file holding an NATS nkey seed")
	fs.StringVar(&c.conn.User, "nats-user", "", "NATS user name (with --nats-password)")
	fs.StringVar(&c.conn.Password, "nats-password", "", "NATS password")
	fs.StringVar(&c.conn.Token, "nats-token", "", "NATS authentication token")
	fs.StringVar(&c.conn.TLSCA, "nats-tls-ca", "", "CA certificate file to verify the NATS servers with")
	fs.StringVar(&c.conn.TLSCert, "nats-tls-cert", "", "client certificate file for NATS (with --nats-tls-key)")
	fs.StringVar(&c.conn.TLSKey, "nats-tls-key", "", "client key file for NATS")
	fs.IntVar(&c.replicas, "nats-replicas", cluster.DefaultReplicas, "replicas of the article stream (the NATS servers that each keep it; a write is acknowledged once a majority has it)")
	fs.StringVar(&c.stream, "nats-stream", cluster.DefaultStream, "name of the article stream")
	fs.StringVar(&c.node, "node", "", "name of this node in /api/cluster and the logs (empty: the host name)")
	fs.DurationVar(&c.minSeqWait, "min-seq-wait", cluster.DefaultMinSeqWait, "cluster mode: longest wait of a read with min_seq for this node to apply that write; then 503")
	fs.DurationVar(&c.publishTimeout, "nats-publish-timeout", cluster.DefaultPublishTimeout, "cluster mode: longest wait for the stream to acknowledge a write (a quorum of its replicas); then 503")
}

// sourcesConfig holds serve's flags of the feed sources.
type sourcesConfig struct {
	paused       bool
	allowPrivate bool
	contact      string
	interval     time.Duration
	minInterval  time.Duration
	filter       string
	timeout      time.Duration
	maxBody      byteSize
	minDelay     time.Duration
}

func (c *sourcesConfig) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.paused, "sources-paused", false, "keep the feed sources of --data (see 'cutwatch sources') but poll none")
	fs.BoolVar(&c.allowPrivate, "sources-allow-private", false, "let feed and page fetches reach loopback, private and link-local addresses (refused by default, after DNS and on every redirect)")
	fs.StringVar(&c.contact, "sources-contact", "https://github.com/cutwatch/cutwatch", "URL named in the User-Agent of every fetch, where a site's owner learns about the crawler and reaches its operator")
	fs.DurationVar(&c.interval, "sources-interval", sources.DefaultInterval, "poll interval of a source added without one")
	fs.DurationVar(&c.minInterval, "sources-min-interval", sources.DefaultMinInterval, "shortest poll interval a source may ask for")
	fs.StringVar(&c.filter, "sources-filter", "", "filter of a source added without one: a query in the syntax of /api/search's q; an article of the feed is kept when it matches (empty: the built-in one, which keeps articles naming an NHS organisation, hospital or union and speaking of jobs, posts, redundancies, cuts or savings)")
	fs.DurationVar(&c.timeout, "sources-timeout", sources.DefaultTimeout, "longest time one fetch (feed, page, robots.txt) may take")
	c.maxBody = byteSize(sources.DefaultMaxBody)
	fs.Var(&c.maxBody, "sources-max-body", "largest feed or page read; a larger one fails the fetch (e.g. 4MiB)")
	fs.DurationVar(&c.minDelay, "sources-min-delay", sources.DefaultMinDelay, "least time between two requests to one host (never more than one at a time)")
}

// hookConfig holds the flags of the watches' webhooks.
type hookConfig struct {
	allowPrivate           bool
	minBackoff, maxBackoff time.Duration
	giveUp, timeout        time.Duration
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	fs.StringVar(&c.data, "data", defaultDataDir, "directory of the index and other state")
	fs.StringVar(&c.seeds, "seeds", "./seeds", "articles to put into a new --data at its first start (read once: the article store keeps them)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.searchTimeout, "search-timeout", search.DefaultTimeout, "longest time one search may take")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "how long in-flight requests may take to finish at shutdown")
	fs.DurationVar(&c.drainDelay, "drain-delay", 0, "at shutdown, how long to go on serving with /readyz answering 503, so a load balancer stops sending requests first")
	fs.IntVar(&c.maxSearches, "max-searches", 0, "searches that may run at once; twice as many more wait up to 1s for a slot, the rest get 503 with Retry-After (0: 2 × cores, -1: no limit)")
	fs.IntVar(&c.exportMax, "export-max", api.DefaultExportMax, "most rows one GET /api/export writes; a larger export stops there with the header X-Export-Truncated: true")
	fs.StringVar(&c.apiKey, "api-key", "", "bearer key the write API requires (POST/PUT/DELETE /api/articles, /api/admin/reindex); empty turns writes off")
	fs.StringVar(&c.readKey, "read-key", "", "bearer key every read (API, pages, feeds) requires when set; the API key reads too; empty: reads are public")
	fs.Float64Var(&c.rateLimit, "rate-limit", web.DefaultRateLimit, "reads a second one client without a key may make (token bucket by address); past it 429 with Retry-After (0: no limit)")
	fs.IntVar(&c.rateBurst, "rate-burst", web.DefaultRateBurst, "reads one client without a key may make at once before --rate-limit applies")
	fs.StringVar(&c.clientHeader, "client-ip-header", "", "header a trusted proxy in front sets to the client's address (X-Real-IP, or X-Forwarded-For: its last element), for the rate limit; empty: the peer's address, no header believed")
	c.minFree = byteSize(index.DefaultMinFree)
	fs.Var(&c.minFree, "min-free-space", "disk space a write must leave free in --data; below it writes answer 507 until space is freed, reads go on (e.g. 64MiB, 1GB; 0 turns the check off)")
	c.sources.register(fs)
	fs.StringVar(&c.publicURL, "public-url", "", "scheme and host of this server as its users reach it, for the links in feeds and webhook deliveries (empty: a feed's request's own, http://<addr> in deliveries)")
	fs.BoolVar(&c.hooks.allowPrivate, "webhook-allow-private", false, "let watches post to loopback, private, link-local and other non-public addresses (refused by default, at creation and at each connection)")
	fs.DurationVar(&c.hooks.minBackoff, "webhook-min-backoff", watch.DefaultMinBackoff, "wait before the first retry of a failed webhook delivery; it doubles with each retry (with jitter)")
	fs.DurationVar(&c.hooks.maxBackoff, "webhook-max-backoff", watch.DefaultMaxBackoff, "longest wait between two tries of a webhook delivery")
	fs.DurationVar(&c.hooks.giveUp, "webhook-give-up", watch.DefaultGiveUp, "age at which a webhook delivery that still fails is dropped")
	fs.DurationVar(&c.hooks.timeout, "webhook-timeout", watch.DefaultTimeout, "longest wait for a webhook's answer")
	c.cluster.register(fs)
}

func serveCommand() *ffcli.Command {
	fs := newFlagSet("serve")
	var cfg serveConfig
	cfg.register(fs)
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "cutwatch serve [flags]",
		ShortHelp:  "Serve the search API (and UI) over the index in --data.",
		LongHelp: "Opens the article store and the index in --data and serves HTTP on --addr\n" +
			"until SIGINT or SIGTERM. A new --data gets the articles of --seeds, once:\n" +
			"from then on the store keeps them. A damaged index is logged as an error\n" +
			"and not served: the server starts anyway, /readyz and every read answer 503\n" +
			"saying so, until POST /api/admin/reindex (with the key) rebuilds it from the\n" +
			"store. A damaged, emptied or missing store beside an index is logged as an\n" +
			"error: reads go on, writes are off and /readyz says why, until 'cutwatch\n" +
			"store recover' rebuilds it. Every flag can also be set with a CUTWATCH_*\n" +
			"environment variable (CUTWATCH_ADDR, CUTWATCH_DATA, ...).",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, args)
			}
			if cfg.exportMax < 1 {
				return fmt.Errorf("%w: --export-max must be 1 or more, got %d", errUsage, cfg.exportMax)
			}
			log, err := newLogger(os.Stderr, cfg.logFormat)
			if err != nil {
				return err
			}
			return runServe(ctx, cfg, log, nil)
		},
	}
}

// newLogger returns a slog logger writing text or JSON to w.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("%w: --log-format must be text or json, got %q", errUsage, format)
}

// runServe opens the store and the index of --data (putting the seeds into
// a new one) and serves until ctx is done, then shuts down gracefully:
// /readyz turns 503 and a running re-index is cancelled, requests are
// still served for cfg.drainDelay, then in-flight requests finish (up to
// cfg.shutdownGrace) and the index and the store are closed. A damaged
// index or store does not stop it: it serves what it can and says why not
// all (see api.Readiness). ready, if not nil, receives the listening
// address once the server accepts connections (tests listen on port 0).
func runServe(ctx context.Context, cfg serveConfig, log *slog.Logger, ready chan<- string) error {
	// Fail within a second, before loading the tagger, if another
	// process has --data open.
	if err := index.CheckUnlocked(cfg.data); err != nil {
		return err
	}
	// The metrics exist before the Writer, which reports the tagger's time
	// into them from its first (repair) tagging on.
	metrics := web.NewMetrics()
	t, err := tag.New()
	if err != nil {
		return err
	}
	base := cfg.publicURL
	if base == "" {
		base = "http://" + cfg.addr
	}
	hubOpts := watch.Options{Logger: log, AllowPrivate: cfg.hooks.allowPrivate, BaseURL: base,
		MinBackoff: cfg.hooks.minBackoff, MaxBackoff: cfg.hooks.maxBackoff, GiveUp: cfg.hooks.giveUp, Timeout: cfg.hooks.timeout}
	// Cluster mode: one NATS connection for the article stream
	// (index/cluster) and the work done once per cluster (search/once),
	// whose buckets must exist before the watches and sources open.
	clustered := cfg.cluster.conn.URLs != ""
	var nc *nats.Conn
	var ow *onceWiring
	var nodeRef atomic.Pointer[cluster.Node] // set once the node runs
	nodeName := cfg.cluster.node
	if clustered {
		if nodeName == "" {
			if nodeName, err = os.Hostname(); err != nil || nodeName == "" {
				return fmt.Errorf("%w: --node: no host name to default to: %v", errUsage, err)
			}
		}
		if nc, err = cluster.Dial(cfg.cluster.conn, log.With("node", nodeName)); err != nil {
			return fmt.Errorf("%w: cluster mode: %w", errUsage, err)
		}
		defer nc.Close() // last: after the node and the once wiring
		js, err := jetstream.New(nc)
		if err != nil {
			return fmt.Errorf("cluster mode: %w", err)
		}
		writtenAt := func(ctx context.Context, id string) (time.Time, error) {
			n := nodeRef.Load()
			if n == nil {
				return time.Time{}, errors.New("the cluster node is not started yet")
			}
			return n.WrittenAt(ctx, id)
		}
		if ow, err = wireOnceRetry(ctx, js, once.Config{Node: nodeName, Replicas: cfg.cluster.replicas, WrittenAt: writtenAt, Logger: log}, log); err != nil {
			return err
		}
		defer ow.close()
		ow.watchOptions(&hubOpts)
	}
	hub, err := watch.Open(cfg.data, hubOpts)
	if err != nil {
		return err
	}
	defer func() { // after the Writer: its last write may still queue deliveries
		if err := hub.Close(); err != nil {
			log.Error("close watches", "err", err)
		}
	}()
	w, err := index.OpenWriter(ctx, cfg.data, index.WriterOptions{Tagger: t, Logger: log, ObserveTag: metrics.ObserveTag,
		AllowDamaged: true, MinFree: minFree(cfg.minFree), BeforeAck: []func(index.Change) error{hub.BeforeAck}})
	if err != nil {
		return err
	}
	defer func() {
		if err := w.Close(); err != nil {
			log.Error("close index", "dir", w.Dir(), "err", err)
		}
	}()
	if w.Ready() == nil || errors.Is(w.Ready(), api.ErrDamaged) {
		// Match the writes stored since the watches last saw one (a
		// crash before their deliveries were queued, 'cutwatch index').
		if err := hub.Attach(ctx, w); err != nil {
			return err
		}
	} else {
		log.Error("watches: the article store cannot be read; writes stored meanwhile are matched at the next start with a readable store", "err", w.Ready())
	}
	var ingester api.Ingester = w
	var readiness api.Readiness = w
	var seqs api.SeqWaiter = w
	var node *cluster.Node
	if clustered {
		// Cluster mode: the seeds go into the stream when it is empty,
		// not into each node's --data (which fills from the stream).
		node, err = cluster.Start(w, cluster.Options{Conn: cfg.cluster.conn, NATS: nc, Stream: cfg.cluster.stream, Replicas: cfg.cluster.replicas,
			Node: nodeName, PublishTimeout: cfg.cluster.publishTimeout, MinSeqWait: cfg.cluster.minSeqWait, Seeds: cfg.seeds,
			Logger: log, ObserveBatch: metrics.ObserveApplyBatch})
		if err != nil {
			return fmt.Errorf("%w: cluster mode: %w", errUsage, err)
		}
		defer node.Close() // before w.Close: the apply loop ends first
		nodeRef.Store(node)
		ingester, readiness, seqs = node, node, node
	} else if err := seed(ctx, w, cfg.seeds, log); err != nil {
		return err
	}
	dir := w.Dir()
	// The cache keys on the writer's generation, so no write is ever
	// answered with a result from before it.
	svc := search.New(w.Index(), search.OnWriter(w, search.Options{Timeout: cfg.searchTimeout, MaxSearches: cfg.maxSearches}))
	var n uint64
	damage := w.Ready()
	if errors.Is(damage, api.ErrDamaged) {
		advice := "POST /api/admin/reindex with the API key, or stop the server and run 'cutwatch index --rebuild'"
		if cfg.apiKey == "" {
			advice = "stop the server and run 'cutwatch index --rebuild' (or restart with --api-key and POST /api/admin/reindex)"
		}
		log.Error("the index is damaged: serving as not ready (/readyz and all reads answer 503) until it is rebuilt from the store", "index", dir, "rebuild", advice, "err", damage)
	} else if n, err = svc.DocCount(); err != nil {
		return fmt.Errorf("open index %s: %w", dir, err)
	}

	srcOpts := sources.Options{
		Data: cfg.data, Writer: w, Logger: log,
		Fetch: sources.FetchOptions{Contact: cfg.sources.contact, AllowPrivate: cfg.sources.allowPrivate,
			Timeout: cfg.sources.timeout, MaxBody: int64(cfg.sources.maxBody), MinDelay: cfg.sources.minDelay},
		DefaultInterval: cfg.sources.interval, MinInterval: cfg.sources.minInterval, DefaultFilter: cfg.sources.filter,
	}
	if clustered {
		ow.sourceOptions(&srcOpts, node) // the articles kept go through the stream
	}
	src, err := sources.Open(srcOpts)
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	defer func() {
		if err := src.Close(); err != nil { // before w.Close: polls end first
			log.Error("close sources", "err", err)
		}
	}()
	if clustered {
		// Every node sees the cluster's watches and sources before it
		// matches or polls.
		if err := ow.mirror(ctx, hub, src); err != nil {
			return err
		}
	}
	hub.Start()
	if !cfg.sources.paused {
		src.Start()
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	wopts := web.Options{Logger: log, Ingester: ingester, APIKey: cfg.apiKey, ReadKey: cfg.readKey, Seqs: seqs,
		RateLimit: cfg.rateLimit, RateBurst: cfg.rateBurst, ClientIPHeader: cfg.clientHeader, Readiness: readiness, Metrics: metrics, Sources: src, Watches: hub, PublicURL: cfg.publicURL, ExportMax: cfg.exportMax}
	if node != nil {
		wopts.Cluster = node
	}
	ws := web.New(svc, wopts)
	defer ws.Close() // before w.Close: a running re-index ends first
	srv := &http.Server{
		Handler:           ws.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.searchTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "index", dir, "documents", n, "writes", cfg.apiKey != "" && readiness.Writable() == nil, "ready", damage == nil, "cluster", node != nil)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Not ready first, so that a load balancer stops sending requests
	// while they are still served.
	ws.StartShutdown()
	if cfg.drainDelay > 0 {
		log.Info("shutting down: /readyz answers 503, still serving", "drain_delay", cfg.drainDelay)
		time.Sleep(cfg.drainDelay)
	}
	log.Info("shutting down: finishing in-flight requests", "grace", cfg.shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// minFree is the Writer's MinFree for the --min-free-space flag, where 0
// turns the check off.
func minFree(b byteSize) int64 {
	if b == 0 {
		return -1
	}
	return int64(b)
}

// seed puts the articles of the seeds folder into a --data that has never
// held an article, through the Writer as any other write, so that
// 'cutwatch serve' works out of the box. It happens once: from then on the
// store keeps them, and a server started elsewhere (without the folder)
// serves and re-indexes them all the same.
func seed(ctx context.Context, w *index.Writer, seeds string, log *slog.Logger) error {
	if !w.New() {
		return nil
	}
	if _, err := os.Stat(seeds); err != nil {
		log.Warn("a new --data and no seed articles to put into it: starting with an empty index", "seeds", seeds, "err", err)
		return nil
	}
	log.Info("a new --data: putting the seed articles into it", "seeds", seeds)
	stats, err := w.PutFiles(ctx, []string{seeds}, nil)
	for _, s := range stats.Skipped {
		log.Warn("skipped", "source", s.String())
	}
	if err != nil {
		return fmt.Errorf("put the seed articles of %s into the store: %w", seeds, err)
	}
	log.Info("seed articles stored and indexed", "indexed", stats.Indexed, "skipped", len(stats.Skipped), "took_ms", stats.Duration.Milliseconds())
	return nil
}
