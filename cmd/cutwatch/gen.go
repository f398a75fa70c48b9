package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/bench/gen"
)

func genCommand() *ffcli.Command {
	fs := newFlagSet("gen")
	n := fs.Int("n", 1000, "number of articles")
	seed := fs.Uint64("seed", 1, "random seed: the same n and seed give the same file")
	out := fs.String("out", "", "output file (JSON Lines)")
	return &ffcli.Command{
		Name:       "gen",
		ShortUsage: "cutwatch gen -n N [--seed S] --out FILE.jsonl",
		ShortHelp:  "Generate a corpus of realistic articles with their true entities.",
		LongHelp: "Writes N generated articles, one JSON object a line, with the keys id,\n" +
			"title and text (ingestible by 'cutwatch index') and the article's true\n" +
			"entities under the keys of the gold annotations (trusts, unions,\n" +
			"amounts_gbp, jobs, people, places, hospitals), so that\n" +
			"'cutwatch eval --gold FILE.jsonl' scores the tagger on them.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if *out == "" || *n < 1 {
				return fmt.Errorf("%w: gen needs -n N (1 or more) and --out FILE", errUsage)
			}
			return runGen(ctx, *out, *n, *seed)
		},
	}
}

// runGen writes n articles of seed to out, logging progress.
func runGen(ctx context.Context, out string, n int, seed uint64) error {
	start := time.Now()
	g, err := gen.New(seed)
	if err != nil {
		return err
	}
	progress := func(done int) {
		if done%10_000 == 0 || done == n {
			slog.Info("generating", "articles", done, "of", n)
		}
	}
	if err := g.WriteFile(ctx, out, n, progress); err != nil {
		return err
	}
	slog.Info("corpus written", "file", out, "articles", n, "seed", seed, "took_ms", time.Since(start).Milliseconds())
	return nil
}
