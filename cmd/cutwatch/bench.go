package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/bench"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/web"
)

func benchCommand() *ffcli.Command {
	fs := newFlagSet("bench")
	n := fs.Int("n", 1000, "number of articles to generate")
	seed := fs.Uint64("seed", 1, "generator seed")
	corpus := fs.String("corpus", "", "use this JSONL corpus instead of generating one")
	out := fs.String("out", "bench-run", "directory of the run: corpus, indexes, report.json")
	phases := fs.String("phases", strings.Join(bench.AllPhases, ","), "phases to run, comma-separated")
	force := fs.Bool("force", false, "run phases again even if report.json has their results")
	rounds := fs.Int("rounds", 50, "times the query phase runs the mix")
	levels := fs.String("levels", "10,50,200", "concurrent connections of the HTTP phase, comma-separated")
	dur := fs.Duration("duration", 10*time.Second, "duration of each HTTP level")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	return &ffcli.Command{
		Name:       "bench",
		ShortUsage: "cutwatch bench -n N [--seed S] [--corpus FILE.jsonl] [--out DIR] [--phases gen,raw,full,query,http]",
		ShortHelp:  "Benchmark ingest, query latency, HTTP throughput and memory on a generated corpus.",
		LongHelp: "Phases: gen (write DIR/corpus.jsonl), raw (bleve ingest without tagging),\n" +
			"full (tag + index), query (search.Service vs bleve, in-process), http\n" +
			"(load at each level). Results are kept in DIR/report.json; a phase already\n" +
			"done is skipped, so a long run can be split and resumed. Prints Markdown.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			lv, err := parseInts(*levels)
			if err != nil || *n < 1 {
				return fmt.Errorf("%w: bench needs -n 1 or more and --levels as numbers: %v", errUsage, err)
			}
			if *cpuprofile != "" {
				f, err := os.Create(*cpuprofile)
				if err != nil {
					return fmt.Errorf("cpu profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("cpu profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			quiet := slog.New(slog.DiscardHandler)
			rep, err := bench.Run(ctx, bench.Config{
				N: *n, Seed: *seed, Corpus: *corpus, Dir: *out, Phases: strings.Split(*phases, ","), Force: *force,
				QueryRounds: *rounds, Levels: lv, LoadDuration: *dur,
				Handler: func(s *search.Service) http.Handler { return web.New(s, web.Options{Logger: quiet}).Handler() },
			})
			if err != nil {
				return err
			}
			return rep.Markdown(os.Stdout)
		},
	}
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}
