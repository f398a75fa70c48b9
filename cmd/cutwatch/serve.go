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
	"path/filepath"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
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
	maxSearches   int
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	fs.StringVar(&c.data, "data", defaultDataDir, "directory of the index and other state")
	fs.StringVar(&c.seeds, "seeds", "./seeds", "articles to build the index from when --data has none")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.DurationVar(&c.searchTimeout, "search-timeout", search.DefaultTimeout, "longest time one search may take")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "how long in-flight requests may take to finish at shutdown")
	fs.DurationVar(&c.drainDelay, "drain-delay", 0, "at shutdown, how long to go on serving with /readyz answering 503, so a load balancer stops sending requests first")
	fs.IntVar(&c.maxSearches, "max-searches", 0, "searches that may run at once; twice as many more wait up to 1s for a slot, the rest get 503 with Retry-After (0: 2 × cores, -1: no limit)")
	fs.StringVar(&c.apiKey, "api-key", "", "bearer key the write API requires (POST/PUT/DELETE /api/articles, /api/admin/reindex); empty turns writes off")
}

func serveCommand() *ffcli.Command {
	fs := newFlagSet("serve")
	var cfg serveConfig
	cfg.register(fs)
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "cutwatch serve [flags]",
		ShortHelp:  "Serve the search API (and UI) over the index in --data.",
		LongHelp: "Opens the index in --data, building it from --seeds first when there is\n" +
			"none, and serves HTTP on --addr until SIGINT or SIGTERM. A damaged index is\n" +
			"logged as an error and not served: the server starts anyway, /readyz and\n" +
			"every read answer 503 saying so, until POST /api/admin/reindex (with the\n" +
			"key) rebuilds it. Every flag can also be set with a CUTWATCH_* environment\n" +
			"variable (CUTWATCH_ADDR, CUTWATCH_DATA, ...).",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, args)
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

// runServe opens (or first builds) the index and serves until ctx is done,
// then shuts down gracefully: /readyz turns 503 and a running re-index is
// cancelled, requests go on being served for cfg.drainDelay, then
// in-flight requests finish (up to cfg.shutdownGrace) and the index is
// closed. A damaged index does not stop it: it serves as not ready (see
// web.Readiness) until a re-index replaces the index. ready, if not nil,
// receives the listening address once the server accepts connections
// (tests listen on port 0).
func runServe(ctx context.Context, cfg serveConfig, log *slog.Logger, ready chan<- string) error {
	// The live index is the one CURRENT names (a re-index moves it);
	// only a fresh --data is built from the seeds.
	dir, err := index.CurrentDir(cfg.data)
	if err != nil {
		return err
	}
	if !index.Exists(dir) && dir == filepath.Join(cfg.data, index.DefaultIndexName) {
		if err := buildFromSeeds(ctx, dir, cfg.seeds, log); err != nil {
			return err
		}
	}
	// The metrics exist before the Writer, which reports the tagger's time
	// into them from its first (repair) tagging on.
	metrics := web.NewMetrics()
	w, err := openWriter(ctx, cfg, log, metrics.ObserveTag)
	if err != nil {
		return err
	}
	defer func() {
		if err := w.Close(); err != nil {
			log.Error("close index", "dir", w.Dir(), "err", err)
		}
	}()
	dir = w.Dir()
	// The cache keys on the writer's generation, so no write is ever
	// answered with a result from before it.
	svc := search.New(w.Index(), search.Options{Timeout: cfg.searchTimeout, Generation: w.Generation, MatchAll: w.MatchAllCounts, MaxSearches: cfg.maxSearches})
	var n uint64
	damage := w.Ready()
	if errors.Is(damage, index.ErrDamaged) {
		advice := "POST /api/admin/reindex with the API key, or stop the server and run 'cutwatch index --rebuild'"
		if cfg.apiKey == "" {
			advice = "stop the server and run 'cutwatch index --rebuild' (or restart with --api-key and POST /api/admin/reindex)"
		}
		log.Error("the index is damaged: serving as not ready (/readyz and all reads answer 503) until it is rebuilt", "index", dir, "rebuild", advice, "err", damage)
	} else if n, err = svc.DocCount(); err != nil {
		return fmt.Errorf("open index %s: %w", dir, err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	ws := web.New(svc, web.Options{Logger: log, Ingester: w, APIKey: cfg.apiKey, Readiness: w, Metrics: metrics})
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
	log.Info("serving", "url", "http://"+ln.Addr().String(), "index", dir, "documents", n, "writes", cfg.apiKey != "", "ready", damage == nil)
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

// buildFromSeeds builds the first index of a fresh --data from the seed
// articles, so that 'cutwatch serve' works out of the box.
func buildFromSeeds(ctx context.Context, dir, seeds string, log *slog.Logger) error {
	if _, err := os.Stat(seeds); err != nil {
		return fmt.Errorf("no index in %s and no seed articles to build one (%w): run 'cutwatch index --data DIR PATH...' or set --seeds", dir, err)
	}
	log.Info("no index yet: building it from the seed articles", "index", dir, "seeds", seeds)
	t, err := tag.New()
	if err != nil {
		return err
	}
	stats, err := index.Build(ctx, dir, []string{seeds}, t, nil)
	if err != nil {
		return err
	}
	for _, s := range stats.Skipped {
		log.Warn("skipped", "source", s.String())
	}
	log.Info("index built", "indexed", stats.Indexed, "skipped", len(stats.Skipped), "took", stats.Duration.Round(time.Millisecond))
	return nil
}

// openWriter opens the live index and article store of --data for serving
// and writing. A re-index reads the seeds folder (when it exists) besides
// the store. observeTag receives the tagger's time per article. A damaged
// index leaves the Writer without one, not ready, until a re-index.
func openWriter(ctx context.Context, cfg serveConfig, log *slog.Logger, observeTag func(time.Duration)) (*index.Writer, error) {
	t, err := tag.New()
	if err != nil {
		return nil, err
	}
	var sources []string
	if _, err := os.Stat(cfg.seeds); err == nil {
		sources = []string{cfg.seeds}
	}
	return index.OpenWriter(ctx, cfg.data, index.WriterOptions{Tagger: t, Sources: sources, Logger: log, ObserveTag: observeTag, AllowDamaged: true})
}
