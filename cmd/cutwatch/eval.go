package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/index/tag/eval"
	"github.com/peterbourgon/ff/v3/ffcli"
)

func evalCommand() *ffcli.Command {
	fs := newFlagSet("eval")
	gold := fs.String("gold", "", "gold annotations: a JSON array (seeds.json) or JSON Lines with inline \"text\"")
	dir := fs.String("dir", "", "directory holding the articles named by the gold file's \"file\" fields")
	verbose := fs.Bool("v", false, "list every miss and false positive of each class (without -v: the first 15)")
	return &ffcli.Command{
		Name:       "eval",
		ShortUsage: "cutwatch eval --gold FILE [--dir DIR] [-v]",
		ShortHelp:  "Score the tagger against gold annotations.",
		LongHelp: "Tags every article of the gold set and prints precision, recall and F1\n" +
			"per key and overall (micro-averaged), the macro-averaged F1, and the misses and\n" +
			"false positives by class (trusts, jobs, hospitals, ...), each value with the\n" +
			"articles it was wrong in; scored as index/tag/testdata/README.md says.\n" +
			"A JSON Lines gold file carries each article's text inline and needs no\n" +
			"--dir: a corpus from 'cutwatch gen' is scored against its own true entities.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(context.Context, []string) error {
			if *gold == "" {
				return fmt.Errorf("%w: eval needs --gold FILE", errUsage)
			}
			return runEval(os.Stdout, *gold, *dir, *verbose)
		},
	}
}

// runEval scores the tagger on a gold file and writes the report to w.
func runEval(w io.Writer, gold, dir string, verbose bool) error {
	arts, err := eval.LoadGold(gold)
	if err != nil {
		return err
	}
	t, err := tag.New()
	if err != nil {
		return err
	}
	rep, err := eval.Score(t, arts, dir)
	if err != nil {
		return err
	}
	return rep.Write(w, verbose)
}
