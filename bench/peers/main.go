package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.Dir, "dir", "", "a `cutwatch bench --out DIR --phases gen,full` run directory (corpus.jsonl and full/)")
	flag.IntVar(&cfg.Rounds, "rounds", 50, "times each request runs on each engine, after one warm-up round")
	flag.StringVar(&cfg.PGDSN, "pg-dsn", os.Getenv("CUTWATCH_PG_DSN"), "PostgreSQL to use (env CUTWATCH_PG_DSN); empty: start a throwaway cluster")
	flag.StringVar(&cfg.PGBin, "pg-bin", os.Getenv("CUTWATCH_PG_BIN"), "directory of initdb and pg_ctl (env CUTWATCH_PG_BIN); empty: /usr/lib/postgresql/*/bin or PATH")
	flag.BoolVar(&cfg.RequirePG, "require-postgres", os.Getenv("CUTWATCH_REQUIRE_POSTGRES") == "1", "fail rather than skip PostgreSQL when it cannot run (env CUTWATCH_REQUIRE_POSTGRES=1)")
	flag.Parse()
	if cfg.Dir == "" {
		fmt.Fprintln(os.Stderr, "peers: --dir is required")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
	writeTable(os.Stdout, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(cfg.Dir, "peers.json"), b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

// writeTable prints the report as BENCHMARKS.md shows it.
func writeTable(w io.Writer, rep *report) {
	fmt.Fprintf(w, "%d articles, %d rounds after a warm-up, one sequential client, %s, %d CPUs, %s\n\n",
		rep.Articles, rep.Rounds, rep.GoVersion, rep.CPUs, rep.Date.Format(time.DateOnly))
	fmt.Fprint(w, "| request | matches")
	for _, e := range rep.Engines {
		fmt.Fprintf(w, " (%s)", e.Short)
	}
	fmt.Fprint(w, " |")
	for _, e := range rep.Engines {
		fmt.Fprintf(w, " %s p50 (p99) ms |", e.Name)
	}
	fmt.Fprint(w, " as cutwatch's? |\n| --- | ---: |")
	for range rep.Engines {
		fmt.Fprint(w, " ---: |")
	}
	fmt.Fprint(w, " --- |\n")
	for _, r := range rep.Requests {
		fmt.Fprintf(w, "| %s | ", r.Name)
		for i, e := range r.Engines {
			if i > 0 {
				fmt.Fprint(w, " / ")
			}
			fmt.Fprintf(w, "%d", e.Matches)
		}
		fmt.Fprint(w, " |")
		for _, e := range r.Engines {
			fmt.Fprintf(w, " %.2f (%.2f) |", e.Latency.P50, e.Latency.P99)
		}
		note := ""
		for _, e := range r.Engines[1:] {
			if note != "" {
				note += "; "
			}
			note += e.Engine + ": facets " + same(e.SameFacets) + ", top 10 " + same(e.SameHits)
		}
		fmt.Fprintf(w, " %s |\n", note)
	}
	fmt.Fprint(w, "\n| engine | load | size |\n| --- | ---: | ---: |\n")
	for _, e := range rep.Engines {
		fmt.Fprintf(w, "| %s | %.1f s | %.1f MB |\n", e.Name, e.LoadSeconds, float64(e.SizeBytes)/(1<<20))
	}
	for _, e := range rep.Skipped {
		fmt.Fprintf(w, "\n**%s**\n", e)
	}
}

func same(b bool) string {
	if b {
		return "same"
	}
	return "differ"
}
