package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/bench/relevance"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/index/tag/eval"

	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
)

func evalCommand() *ffcli.Command {
	fs := newFlagSet("eval")
	gold := fs.String("gold", "", "gold annotations: a JSON array (seeds.json) or JSON Lines with inline \"text\"")
	dir := fs.String("dir", "", "directory holding the articles named by the gold file's \"file\" fields")
	verbose := fs.Bool("v", false, "list every miss and false positive of each class (without -v: the first 15; with --filter: every article kept wrongly or missed)")
	filter := fs.Bool("filter", false, "score a feed source's relevance filter instead: on -n generated NHS-cuts articles mixed with -n off-topic ones")
	query := fs.String("query", "", "with --filter: the filter to score, in the syntax of q (empty: the default filter of the sources)")
	n := fs.Int("n", 1000, "with --filter: articles of each side (on topic, off topic)")
	seed := fs.Uint64("seed", 2, "with --filter or --gen: the generator's seed")
	genN := fs.Int("gen", 0, "score the tagger (entities and cut-event links) on this many generated articles against the generator's own truth, instead of --gold")
	queries := fs.String("queries", "", "score the search ranking on a judged relevance set instead (bench/relevance/queries.json): nDCG@10, MRR@10 and zero-result rate; -v adds a line per query")
	asJSON := fs.Bool("json", false, "with --queries: print the report, with every query's hits and grades, as JSON")
	grid := fs.String("grid", "", "with --queries: score every combination of these ranking weights instead, e.g. 'title=0,0.3;entity=1;recency=0,0.1;half_life=3;typo_step=3' (half_life in years; a weight not named keeps its default)")
	return &ffcli.Command{
		Name:       "eval",
		ShortUsage: "cutwatch eval --gold FILE [--dir DIR] [-v] | --gen N [--seed S] [-v] | --filter [--query Q] [-n N] [--seed S] [-v] | --queries FILE [-v] [--json] [--grid SPEC]",
		ShortHelp:  "Score the tagger against gold annotations, or the ranking against judged queries.",
		LongHelp: "Tags every article of the gold set and prints precision, recall and F1\n" +
			"per key and overall (micro-averaged), the macro-averaged F1, and the misses and\n" +
			"false positives by class (trusts, jobs, hospitals, ...), each value with the\n" +
			"articles it was wrong in; scored as index/tag/testdata/README.md says.\n" +
			"A JSON Lines gold file carries each article's text inline and needs no\n" +
			"--dir: a corpus from 'cutwatch gen' is scored against its own true entities.\n" +
			"Annotations with \"cut_events\" also score the links of each job count and\n" +
			"amount to its trust and kind (precision, recall and F1 of (trust, jobs, kind)\n" +
			"and (trust, amount, kind)). --gen N does the same on N articles generated\n" +
			"with --seed, whose generator knows the true links.\n\n" +
			"With --filter it scores a feed source's relevance filter instead: it\n" +
			"generates -n NHS-cuts articles and -n off-topic ones (NHS news without\n" +
			"cuts, cuts outside the NHS, other local news), tags them and matches the\n" +
			"filter against them as a poll does, and prints the precision and recall\n" +
			"of \"kept\" and what it kept of each kind.\n\n" +
			"With --queries FILE it scores the search ranking on a judged relevance set\n" +
			"(bench/relevance/README.md): it writes the set's corpus into a temporary\n" +
			"--data through the Writer, as 'serve' does, runs every query as GET\n" +
			"/api/search would (result cache off) and prints nDCG@10, MRR@10 (first\n" +
			"hit of grade 2 or more) and the zero-result rate; -v adds a line per query\n" +
			"(nDCG, rank of the first relevant hit, number of hits), --json the report\n" +
			"as JSON. --grid SPEC scores every combination of the ranking's weights\n" +
			"(search.Ranking) named in SPEC on the same index instead, best first, with\n" +
			"the mean nDCG@10 of each kind of query (--json: as JSON).",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			if *queries != "" {
				var g *relevance.Grid
				if *grid != "" {
					pg, err := relevance.ParseGrid(*grid)
					if err != nil {
						return fmt.Errorf("%w: %w", errUsage, err)
					}
					g = &pg
				}
				return runEvalQueries(ctx, os.Stdout, *queries, *verbose, *asJSON, g)
			}
			if *grid != "" {
				return fmt.Errorf("%w: eval --grid needs --queries FILE", errUsage)
			}
			if *asJSON {
				return fmt.Errorf("%w: eval --json needs --queries FILE", errUsage)
			}
			if *filter {
				if *n < 1 {
					return fmt.Errorf("%w: eval --filter needs -n 1 or more", errUsage)
				}
				q := *query
				if q == "" {
					q = sources.DefaultFilter
				}
				return runEvalFilter(ctx, os.Stdout, q, *n, *seed, *verbose)
			}
			if *genN < 0 {
				return fmt.Errorf("%w: eval --gen needs 1 or more articles", errUsage)
			}
			if *genN > 0 {
				return runEvalGen(os.Stdout, *genN, *seed, *verbose)
			}
			if *gold == "" {
				return fmt.Errorf("%w: eval needs --gold FILE, --gen N, --filter or --queries FILE", errUsage)
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

// runEvalGen scores the tagger on n articles generated with seed, read as
// the JSON Lines gold that 'cutwatch gen' writes (text inline, true entities
// and cut events), and writes the report to w.
func runEvalGen(w io.Writer, n int, seed uint64, verbose bool) error {
	g, err := gen.New(seed)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i := range n {
		if err := enc.Encode(g.Article(i)); err != nil {
			return fmt.Errorf("encode generated article %d: %w", i, err)
		}
	}
	arts, err := eval.ParseGold(b.Bytes())
	if err != nil {
		return fmt.Errorf("generated gold: %w", err)
	}
	t, err := tag.New()
	if err != nil {
		return err
	}
	rep, err := eval.Score(t, arts, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d generated articles (seed %d)\n\n", n, seed)
	return rep.Write(w, verbose)
}

// runEvalFilter scores filter on n generated on-topic and n off-topic
// articles of seed and writes the report to w.
func runEvalFilter(ctx context.Context, w io.Writer, filter string, n int, seed uint64, verbose bool) error {
	g, err := gen.New(seed)
	if err != nil {
		return err
	}
	cases := make([]sources.FilterCase, 0, 2*n)
	for i := range n {
		a := g.Article(i)
		cases = append(cases, sources.FilterCase{Article: api.Article{ID: a.ID, Title: a.Title, Text: a.Text}, Keep: true, Group: "on topic"})
		o := g.OffTopic(i)
		cases = append(cases, sources.FilterCase{Article: api.Article{ID: o.ID, Title: o.Title, Text: o.Text}, Group: "off topic: " + gen.OffTopicKinds[i%len(gen.OffTopicKinds)]})
	}
	t, err := tag.New()
	if err != nil {
		return err
	}
	rep, err := sources.EvalFilter(ctx, t, schema.Default, filter, cases)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "filter: %s\n%d generated articles on topic, %d off topic (seed %d)\n\n", filter, n, n, seed)
	fmt.Fprintf(w, "precision of kept  %.4f  (%d kept, %d of them off topic)\n", rep.Precision, rep.TP+rep.FP, rep.FP)
	fmt.Fprintf(w, "recall of kept     %.4f  (%d of %d on topic kept)\n\n", rep.Recall, rep.TP, rep.TP+rep.FN)
	for _, grp := range []string{"on topic", "off topic: nhs", "off topic: cuts", "off topic: local"} {
		fmt.Fprintf(w, "%-18s kept %5d of %5d\n", grp, rep.Kept[grp], rep.Total[grp])
	}
	if verbose {
		fmt.Fprintf(w, "\nkept, off topic: %v\nmissed, on topic: %v\n", rep.Wrong, rep.Missed)
	}
	return nil
}

// runEvalQueries scores the search ranking on the judged relevance set at
// path: it indexes the set's corpus in a temporary --data (removed after),
// runs every query and writes the report to w; with a grid, it scores
// each ranking of the grid instead.
func runEvalQueries(ctx context.Context, w io.Writer, path string, verbose, asJSON bool, grid *relevance.Grid) (err error) {
	set, arts, err := relevance.LoadChecked(ctx, path)
	if err != nil {
		return err
	}
	t, err := tag.New()
	if err != nil {
		return err
	}
	data, err := os.MkdirTemp("", "cutwatch-eval-")
	if err != nil {
		return fmt.Errorf("temporary --data: %w", err)
	}
	defer os.RemoveAll(data)
	x, err := relevance.Build(ctx, data, t, arts)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, x.Close()) }()
	if grid != nil {
		rows, err := relevance.RunGrid(ctx, x, set, len(arts), *grid)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(rows)
		}
		fmt.Fprintf(w, "relevance set %s, %d queries over %d articles, %d rankings\n\n", path, len(set.Queries), len(arts), len(rows))
		return relevance.WriteGrid(w, rows)
	}
	rep, err := relevance.Run(ctx, x.Service, set, len(arts))
	if err != nil {
		return err
	}
	if asJSON {
		return rep.WriteJSON(w)
	}
	fmt.Fprintf(w, "relevance set %s\n", path)
	return rep.Write(w, verbose)
}
