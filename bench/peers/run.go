package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"time"

	"github.com/cutwatch/cutwatch/bench"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// config configures a comparison.
type config struct {
	Dir       string // a cutwatch bench run: corpus.jsonl and full/
	Rounds    int
	PGDSN     string // empty: start a throwaway cluster from PGBin
	PGBin     string
	RequirePG bool // fail rather than skip when PostgreSQL cannot run
	Log       *slog.Logger
}

// report is the comparison's result, saved as DIR/peers.json.
type report struct {
	Date      time.Time       `json:"date"`
	Articles  int             `json:"articles"`
	Rounds    int             `json:"rounds"`
	GoVersion string          `json:"go_version"`
	CPUs      int             `json:"cpus"`
	Engines   []engineReport  `json:"engines"`
	Skipped   []string        `json:"skipped,omitempty"`
	Requests  []requestReport `json:"requests"`
}

type engineReport struct {
	Name  string `json:"name"`
	Short string `json:"-"`
	// LoadSeconds is the time to load the articles and their entities and
	// build the indexes (cutwatch's: the bench's full phase, which also
	// tags the articles); SizeBytes the size of the database on disk.
	LoadSeconds float64 `json:"load_seconds"`
	SizeBytes   int64   `json:"size_bytes"`
}

type requestReport struct {
	Name    string         `json:"name"`
	Params  string         `json:"params"`
	Engines []engineResult `json:"engines"` // cutwatch first
	spec    spec
}

type engineResult struct {
	Engine  string `json:"engine"`
	Matches uint64 `json:"matches"`
	// SameFacets and SameHits tell whether the engine's facet counts and
	// top hits (ids, in order) are cutwatch's.
	SameFacets bool          `json:"same_facets"`
	SameHits   bool          `json:"same_hits"`
	Latency    bench.Latency `json:"latency"`
	result     result
}

// engine is a peer that answers the requests of the mix.
type engine interface {
	name() string
	search(ctx context.Context, s spec) (result, error)
	size() (int64, error)
	close() error
}

// request is one request of the mix, parsed for cutwatch and translated
// for the SQL engines.
type request struct {
	q   bench.Query
	api api.Request
	sql spec
}

func mixRequests(corpus string) ([]request, error) {
	mix, err := bench.Mix(corpus)
	if err != nil {
		return nil, err
	}
	out := make([]request, len(mix))
	for i, q := range mix {
		v, err := url.ParseQuery(q.Params)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		req, err := api.ParseRequest(schema.Default, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		s, err := toSpec(req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		out[i] = request{q: q, api: req, sql: s}
	}
	return out, nil
}

// run loads the articles of cfg.Dir into the peers that can run and
// measures every request of the mix on cutwatch and on each of them.
func run(ctx context.Context, cfg config) (*report, error) {
	if cfg.Rounds <= 0 {
		cfg.Rounds = 50
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	corpus := filepath.Join(cfg.Dir, "corpus.jsonl")
	reqs, err := mixRequests(corpus)
	if err != nil {
		return nil, err
	}
	w, err := openCutwatch(ctx, filepath.Join(cfg.Dir, "full"))
	if err != nil {
		return nil, err
	}
	defer w.Close()
	arts, err := readArticles(w, corpus)
	if err != nil {
		return nil, err
	}
	rep := &report{Date: time.Now().UTC(), Articles: len(arts), Rounds: cfg.Rounds, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	svc := search.New(w.Index(), search.OnWriter(w, search.Options{CacheEntries: -1}))
	cw := engineReport{Name: "cutwatch", Short: "cw"}
	if full, err := fullPhase(cfg.Dir); err == nil {
		cw.LoadSeconds, cw.SizeBytes = full.Seconds, full.SizeBytes
	} else {
		cfg.Log.Warn("no full phase in report.json: cutwatch's load time and size are left out", "err", err)
	}
	rep.Engines = append(rep.Engines, cw)

	skip := func(name string, err error) error {
		msg := fmt.Sprintf("!! %s SKIPPED: %v", name, err)
		if name == "PostgreSQL" && cfg.RequirePG {
			return fmt.Errorf("%s is required (CUTWATCH_REQUIRE_POSTGRES=1): %w", name, err)
		}
		cfg.Log.Error(msg)
		rep.Skipped = append(rep.Skipped, msg)
		return nil
	}
	var peers []engine
	var pg *cluster
	defer func() {
		for _, e := range peers {
			if err := e.close(); err != nil {
				cfg.Log.Error("closing", "engine", e.name(), "err", err)
			}
		}
		if pg != nil {
			if err := pg.stop(); err != nil {
				cfg.Log.Error("stopping the PostgreSQL cluster", "err", err)
			}
		}
	}()
	add := func(e engine, short string, start time.Time) error {
		el := time.Since(start).Seconds()
		size, err := e.size()
		if err != nil {
			return fmt.Errorf("%s size: %w", e.name(), err)
		}
		peers = append(peers, e)
		rep.Engines = append(rep.Engines, engineReport{Name: e.name(), Short: short, LoadSeconds: el, SizeBytes: size})
		cfg.Log.Info("loaded", "engine", e.name(), "seconds", el, "bytes", size)
		return nil
	}

	// PostgreSQL: the given server, or a throwaway cluster.
	dsn := cfg.PGDSN
	if dsn == "" {
		bin, err := findPGBin(cfg.PGBin)
		if err == nil {
			cfg.Log.Info("starting a throwaway PostgreSQL cluster", "bin", bin)
			if pg, err = startCluster(ctx, bin); err == nil {
				dsn = pg.DSN
			}
		}
		if err != nil {
			if err := skip("PostgreSQL", err); err != nil {
				return nil, err
			}
		}
	}
	if dsn != "" {
		cfg.Log.Info("loading PostgreSQL", "articles", len(arts))
		start := time.Now()
		if e, err := loadPG(ctx, dsn, arts); err != nil {
			if err := skip("PostgreSQL", err); err != nil {
				return nil, err
			}
		} else if err := add(e, "pg", start); err != nil {
			return nil, err
		}
	}

	// SQLite FTS5, in a file beside the run.
	path := sqlitePath(cfg.Dir)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	cfg.Log.Info("loading SQLite", "articles", len(arts), "file", path)
	start := time.Now()
	if e, err := loadSQLite(ctx, path, arts); err != nil {
		if err := skip("SQLite FTS5", err); err != nil {
			return nil, err
		}
	} else if err := add(e, "sqlite", start); err != nil {
		return nil, err
	}

	cfg.Log.Info("measuring", "requests", len(reqs), "rounds", cfg.Rounds, "engines", len(rep.Engines))
	rep.Requests, err = measure(ctx, svc, peers, reqs, cfg.Rounds)
	return rep, err
}

// measure runs every request on cutwatch and each peer in turn, one at a
// time, rounds times after a warm-up round whose results it compares.
func measure(ctx context.Context, svc *search.Service, peers []engine, reqs []request, rounds int) ([]requestReport, error) {
	lat := make([][][]time.Duration, len(reqs))
	out := make([]requestReport, len(reqs))
	for i, r := range reqs {
		lat[i] = make([][]time.Duration, len(peers)+1)
		out[i] = requestReport{Name: r.q.Name, Params: r.q.Params, Engines: make([]engineResult, len(peers)+1), spec: r.sql}
		out[i].Engines[0].Engine = "cutwatch"
		for j, p := range peers {
			out[i].Engines[j+1].Engine = p.name()
		}
	}
	for round := 0; round <= rounds; round++ {
		for i, r := range reqs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			start := time.Now()
			res, err := svc.Search(ctx, r.api)
			d := time.Since(start)
			if err != nil {
				return nil, fmt.Errorf("%s on cutwatch: %w", r.q.Name, err)
			}
			if round == 0 {
				out[i].Engines[0].result = fromAPI(res)
			} else {
				lat[i][0] = append(lat[i][0], d)
			}
			for j, p := range peers {
				start := time.Now()
				pr, err := p.search(ctx, r.sql)
				d := time.Since(start)
				if err != nil {
					return nil, fmt.Errorf("%s on %s: %w", r.q.Name, p.name(), err)
				}
				if round == 0 {
					out[i].Engines[j+1].result = pr
				} else {
					lat[i][j+1] = append(lat[i][j+1], d)
				}
			}
		}
	}
	for i := range reqs {
		cw := out[i].Engines[0].result
		for j := range out[i].Engines {
			e := &out[i].Engines[j]
			e.Matches = e.result.Total
			e.SameFacets = reflect.DeepEqual(normFacets(e.result.Facets), normFacets(cw.Facets))
			e.SameHits = reflect.DeepEqual(hitIDs(e.result.Hits), hitIDs(cw.Hits))
			e.Latency = bench.Percentiles(lat[i][j])
		}
	}
	return out, nil
}

// normFacets makes an empty facet nil, so that no values compare equal
// however an engine returns them.
func normFacets(fs [][]api.TermCount) [][]api.TermCount {
	out := make([][]api.TermCount, len(fs))
	for i, f := range fs {
		if len(f) > 0 {
			out[i] = f
		}
	}
	return out
}

func hitIDs(hs []hit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// fullPhase reads the full phase's result from the run's report.json.
func fullPhase(dir string) (*bench.IngestResult, error) {
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	var r bench.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.Full == nil {
		return nil, errors.New("no full phase")
	}
	return r.Full, nil
}
