package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
)

// Phases of a run, in order.
const (
	PhaseGen   = "gen"   // generate the corpus (unless Config.Corpus is given)
	PhaseRaw   = "raw"   // raw bleve ingest, no tagging
	PhaseFull  = "full"  // full pipeline: tag + index
	PhaseQuery = "query" // in-process latency, search vs bleve
	PhaseHTTP  = "http"  // HTTP load at each level
)

// AllPhases lists every phase in the order a run does them.
var AllPhases = []string{PhaseGen, PhaseRaw, PhaseFull, PhaseQuery, PhaseHTTP}

// Config configures a run.
type Config struct {
	N    int    // articles to generate
	Seed uint64 // generator seed
	// Corpus is an existing JSONL corpus to use instead of generating one
	// into Dir.
	Corpus string
	// Dir holds the run's state: corpus.jsonl, raw/ and full/ indexes and
	// report.json.
	Dir string
	// Phases to run (AllPhases if empty). A phase whose result is in
	// report.json is skipped unless Force is set.
	Phases []string
	Force  bool
	// QueryRounds is how many times the query phase runs the mix.
	QueryRounds int
	// PairRounds is how many times the HTTP phase runs the mix in-process
	// and over HTTP back to back, to measure what HTTP adds (default 20).
	PairRounds int
	// Levels are the connection counts of the HTTP phase, each run for
	// LoadDuration.
	Levels       []int
	LoadDuration time.Duration
	// Handler returns the HTTP handler to serve for the HTTP phase (the
	// command passes web.New(svc, ...).Handler()).
	Handler func(*search.Service) http.Handler
	Log     *slog.Logger
}

// Report holds the results of the phases run so far. It is saved as
// report.json in the run's directory after every phase.
type Report struct {
	N         int           `json:"n"`
	Seed      uint64        `json:"seed"`
	Corpus    string        `json:"corpus"`
	CorpusMB  float64       `json:"corpus_mb"`
	Raw       *IngestResult `json:"raw,omitempty"`
	Full      *IngestResult `json:"full,omitempty"`
	Queries   []QueryResult `json:"queries,omitempty"`
	MixSvc    *Latency      `json:"mix_service,omitempty"`
	MixDirect *Latency      `json:"mix_direct,omitempty"`
	// HTTPSerial is the query mix over HTTP from one connection, one
	// request at a time: compared with MixSvc it is what HTTP adds.
	HTTPSerial *Latency `json:"http_serial,omitempty"`
	// HTTPPaired compares each request of the mix in-process and over
	// HTTP, back to back; HTTPAdds is the median of all the paired
	// differences (ms): what HTTP adds to a search.
	HTTPPaired []PairedResult `json:"http_paired,omitempty"`
	HTTPAdds   *float64       `json:"http_adds_ms,omitempty"`
	// DrillDown is a UI session measured with and without the cache.
	DrillDown []DrillStep `json:"drill_down,omitempty"`
	// Bursts are concurrent landing-page requests right after a write.
	Bursts []BurstResult `json:"bursts,omitempty"`
	Load   []LoadResult  `json:"load,omitempty"`
	// ServePeakRSS is the peak RSS (bytes) while the full index was open
	// and served the query and HTTP phases; ServePeakRSSOwn whether the
	// peak was reset before (else it includes earlier phases).
	ServePeakRSS    int64  `json:"serve_peak_rss,omitempty"`
	ServePeakRSSOwn bool   `json:"serve_peak_rss_own,omitempty"`
	GoVersion       string `json:"go_version"`
	CPUs            int    `json:"cpus"`
}

func (c *Config) defaults() {
	if len(c.Phases) == 0 {
		c.Phases = AllPhases
	}
	if c.QueryRounds <= 0 {
		c.QueryRounds = 50
	}
	if c.PairRounds <= 0 {
		c.PairRounds = 20
	}
	if len(c.Levels) == 0 {
		c.Levels = []int{10, 50, 200}
	}
	if c.LoadDuration <= 0 {
		c.LoadDuration = 10 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Run runs the configured phases and returns the report of all phases done
// so far in this run's directory (earlier invocations included).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	for _, p := range cfg.Phases {
		if !slices.Contains(AllPhases, p) {
			return nil, fmt.Errorf("bench: unknown phase %q (want some of %s)", p, strings.Join(AllPhases, ","))
		}
	}
	if cfg.Dir == "" {
		return nil, errors.New("bench: no directory")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	rep, err := loadReport(cfg.Dir)
	if err != nil {
		return nil, err
	}
	corpus := cfg.Corpus
	if corpus == "" {
		corpus = filepath.Join(cfg.Dir, "corpus.jsonl")
	}
	if rep.Corpus != "" && (rep.Corpus != corpus || rep.N != cfg.N || rep.Seed != cfg.Seed) && !cfg.Force {
		return nil, fmt.Errorf("bench: %s holds a run of n=%d seed=%d on %s; use another --out or --force", cfg.Dir, rep.N, rep.Seed, rep.Corpus)
	}
	rep.N, rep.Seed, rep.Corpus = cfg.N, cfg.Seed, corpus
	rep.GoVersion, rep.CPUs = runtime.Version(), runtime.NumCPU()
	want := func(p string) bool { return slices.Contains(cfg.Phases, p) }
	save := func() error { return saveReport(cfg.Dir, rep) }

	if want(PhaseGen) && cfg.Corpus == "" {
		if _, err := os.Stat(corpus); err == nil && !cfg.Force {
			cfg.Log.Info("corpus exists, not generated again", "file", corpus)
		} else {
			cfg.Log.Info("generating corpus", "n", cfg.N, "seed", cfg.Seed, "file", corpus)
			g, err := gen.New(cfg.Seed)
			if err != nil {
				return nil, err
			}
			if err := g.WriteFile(ctx, corpus, cfg.N, nil); err != nil {
				return nil, err
			}
		}
	}
	if st, err := os.Stat(corpus); err == nil {
		rep.CorpusMB = float64(st.Size()) / (1 << 20)
	} else if want(PhaseRaw) || want(PhaseFull) || want(PhaseQuery) {
		return nil, fmt.Errorf("bench: corpus: %w (run the gen phase first)", err)
	}

	rawDir, fullDir := filepath.Join(cfg.Dir, "raw"), filepath.Join(cfg.Dir, "full")
	if want(PhaseRaw) && (rep.Raw == nil || cfg.Force) {
		if err := os.RemoveAll(rawDir); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		cfg.Log.Info("raw bleve ingest (no tagging)", "corpus", corpus)
		r, err := ingestRaw(ctx, corpus, rawDir)
		if err != nil {
			return nil, err
		}
		rep.Raw = &r
		cfg.Log.Info("raw ingest done", "articles", r.Articles, "per_second", int(r.PerSecond))
		if err := save(); err != nil {
			return nil, err
		}
	}
	if want(PhaseFull) && (rep.Full == nil || cfg.Force) {
		if err := os.RemoveAll(fullDir); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		t, err := tag.New()
		if err != nil {
			return nil, err
		}
		cfg.Log.Info("full ingest (tag + index)", "corpus", corpus)
		r, err := ingestFull(ctx, corpus, fullDir, t)
		if err != nil {
			return nil, err
		}
		rep.Full = &r
		cfg.Log.Info("full ingest done", "articles", r.Articles, "per_second", int(r.PerSecond))
		if err := save(); err != nil {
			return nil, err
		}
	}
	doQuery := want(PhaseQuery) && (rep.Queries == nil || cfg.Force)
	doHTTP := want(PhaseHTTP) && (rep.Load == nil || cfg.Force)
	if doQuery || doHTTP {
		if err := serve(ctx, cfg, rep, corpus, fullDir, doQuery, doHTTP); err != nil {
			return nil, err
		}
		if err := save(); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// LoadConfigs are the configurations of the search service that the HTTP
// phase loads in turn, each at every level: as before admission control
// and the cache, with admission control only (every request searches the
// index), and as cutwatch serve runs it. The index does not change during
// the run, so with the cache every request of the mix after its first is
// a hit: that level is the ceiling, not what a mix of distinct requests
// would see.
var LoadConfigs = []struct {
	Name    string
	Options search.Options
}{
	{"no cache, no admission control", search.Options{MaxSearches: -1, CacheEntries: -1}},
	{"no cache, admission control", search.Options{CacheEntries: -1}},
	{"cache + admission control (as served)", search.Options{}},
}

// noCache configures a Service as served but without its result cache.
var noCache = search.Options{CacheEntries: -1}

// serve opens the full index as a server would and runs the query and HTTP
// phases on it, measuring the peak RSS of serving.
func serve(ctx context.Context, cfg Config, rep *Report, corpus, fullDir string, doQuery, doHTTP bool) error {
	st, err := readStats(corpus)
	if err != nil {
		return err
	}
	mix := buildMix(st)
	own := resetPeakRSS()
	t, err := tag.New()
	if err != nil {
		return err
	}
	w, err := index.OpenWriter(ctx, fullDir, index.WriterOptions{Tagger: t, MinFree: -1})
	if err != nil {
		return fmt.Errorf("bench: open the full index as serve does (run the full phase first): %w", err)
	}
	defer w.Close()
	idx := w.Index()
	// Services as serve makes them (search.OnWriter): the Writer's
	// generation, bitmaps and match-all counts, with or without the cache.
	served := func(o search.Options) *search.Service { return search.New(idx, search.OnWriter(w, o)) }
	touch := toucherOf(w)
	defer touch.remove(ctx)
	if doQuery {
		cfg.Log.Info("query latency: search vs bleve", "requests", len(mix), "rounds", cfg.QueryRounds)
		qs, s, d, err := runQueries(ctx, idx, served(noCache), served(search.Options{}), mix, cfg.QueryRounds)
		if err != nil {
			return err
		}
		rep.Queries, rep.MixSvc, rep.MixDirect = qs, &s, &d
		steps, err := drillDown(mix)
		if err != nil {
			return err
		}
		cfg.Log.Info("UI session after a write, with and without the cache", "steps", len(steps), "rounds", cfg.QueryRounds)
		if rep.DrillDown, err = runDrillDown(ctx, served(noCache), served(search.Options{}), touch, steps, cfg.QueryRounds); err != nil {
			return err
		}
		bursts := max(cfg.QueryRounds/5, 1)
		cfg.Log.Info("bursts of landing-page requests after a write", "size", burstSize, "bursts", bursts)
		if rep.Bursts, err = runBursts(ctx, served, touch, bursts); err != nil {
			return err
		}
	}
	if doHTTP {
		if cfg.Handler == nil {
			return errors.New("bench: http phase needs a handler")
		}
		params := make([]string, len(mix))
		for i, q := range mix {
			params[i] = q.Params
		}
		plain := httptest.NewServer(cfg.Handler(served(noCache)))
		defer plain.Close()
		cfg.Log.Info("HTTP vs in-process, paired", "requests", len(mix), "rounds", cfg.PairRounds)
		paired, adds, err := runPaired(ctx, served(noCache), plain.URL, mix, cfg.PairRounds)
		if err != nil {
			return err
		}
		rep.HTTPPaired, rep.HTTPAdds = paired, &adds

		rep.Load = nil
		for _, sc := range LoadConfigs {
			srv := httptest.NewServer(cfg.Handler(served(sc.Options)))
			for _, c := range append([]int{1}, cfg.Levels...) {
				cfg.Log.Info("HTTP load", "config", sc.Name, "connections", c, "duration", cfg.LoadDuration)
				r, err := load(ctx, srv.URL, params, c, cfg.LoadDuration)
				if err != nil {
					srv.Close()
					return err
				}
				r.Config = sc.Name
				rep.Load = append(rep.Load, r)
				if c == 1 && len(rep.Load) == 1 {
					rep.HTTPSerial = &r.Latency
				}
			}
			srv.Close()
		}
	}
	rss, err := peakRSS()
	if err != nil {
		return err
	}
	rep.ServePeakRSS, rep.ServePeakRSSOwn = rss, own
	return nil
}

func loadReport(dir string) (*Report, error) {
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &Report{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", filepath.Join(dir, "report.json"), err)
	}
	return &r, nil
}

func saveReport(dir string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	tmp := filepath.Join(dir, "report.json.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "report.json")); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
