package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

func indexCommand() *ffcli.Command {
	fs := newFlagSet("index")
	data := fs.String("data", defaultDataDir, "data folder: the article store and the index (the folder its CURRENT file names)")
	rebuild := fs.Bool("rebuild", false, "after adding PATH... (if any), rebuild the index from the article store, re-tagging every article")
	force := fs.Bool("force", false, "with --rebuild: swap the new index in even when it holds markedly fewer articles than the old one")
	minFree := byteSize(index.DefaultMinFree)
	fs.Var(&minFree, "min-free-space", "disk space a write must leave free in --data (e.g. 64MiB, 1GB; 0 turns the check off)")
	return &ffcli.Command{
		Name:       "index",
		ShortUsage: "cutwatch index [--data ./data] [--rebuild [--force]] [PATH...]",
		ShortHelp:  "Add article files and folders to the article store and the index, or rebuild the index.",
		LongHelp: "Tags the articles in each PATH (a .txt, .json or .jsonl file, or a folder\n" +
			"searched for them) and writes them through the same path as the write API:\n" +
			"into the article store of --data (the source of truth) and its index,\n" +
			"replacing articles with the same id. A --data without a store or an index\n" +
			"gets them. With --rebuild it then builds a new index from the whole store,\n" +
			"re-tagging every article (after a tagger change, or to replace a damaged\n" +
			"index), and swaps it in when complete; PATH is optional then.\n\n" +
			".txt: one article a file, id = file name without extension, title = first\n" +
			"line or sentence; a first line 'Published: YYYY-MM-DD' (or an RFC 3339\n" +
			"time) gives its date and is not part of the text, else the file's\n" +
			"modification time is its date. .json: one object (id defaults to the file name) or an\n" +
			"array of objects. .jsonl: one object a line. Objects have id, title, text\n" +
			"and optionally url and published (RFC 3339 or YYYY-MM-DD).\n\n" +
			"A file, line or item that cannot be indexed is skipped and listed in the\n" +
			"summary with its reason; the others are indexed. The exit status is 0\n" +
			"when at least one article was indexed (or the rebuild succeeded), 1 when\n" +
			"none could be (nothing is then changed), when --data is locked by another\n" +
			"process (a running 'cutwatch serve') or on any other error, and 2 when\n" +
			"neither PATH nor --rebuild is given. A progress bar is shown on stderr\n" +
			"when it is a terminal.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) == 0 && !*rebuild {
				return fmt.Errorf("%w: index needs at least one PATH (file or folder), or --rebuild", errUsage)
			}
			if *force && !*rebuild {
				return fmt.Errorf("%w: --force goes with --rebuild", errUsage)
			}
			return runIndex(ctx, os.Stdout, stderrBar(), indexOptions{data: *data, rebuild: *rebuild, force: *force, minFree: int64(minFree), paths: args})
		},
	}
}

// indexOptions are the flags and arguments of 'cutwatch index'.
type indexOptions struct {
	data           string
	rebuild, force bool
	minFree        int64
	paths          []string
}

// stderrBar returns stderr if it is a terminal, for the progress bar, and
// nil otherwise: a bar in a log file or a pipe is only noise.
func stderrBar() io.Writer {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return os.Stderr
	}
	return nil
}

// runIndex writes the articles in o.paths through an index.Writer on
// o.data and, with o.rebuild, rebuilds the index from the store; it writes
// a summary to out. bar, if not nil, gets a progress bar. The error is nil
// when at least one article was indexed, even if others were skipped.
func runIndex(ctx context.Context, out, bar io.Writer, o indexOptions) (err error) {
	start := time.Now()
	// Fail within a second, before loading the tagger, if a server has
	// --data open.
	if err := index.CheckUnlocked(o.data); err != nil {
		return err
	}
	// A missing PATH fails before --data is opened (or created).
	if _, _, err := index.FindFiles(o.paths); err != nil {
		return err
	}
	t, err := tag.New()
	if err != nil {
		return err
	}
	w, err := index.OpenWriter(ctx, o.data, index.WriterOptions{Tagger: t, AllowDamaged: o.rebuild, MinFree: minFree(byteSize(o.minFree))})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if len(o.paths) > 0 {
		pb := &progressBar{w: bar}
		stats, err := w.PutFiles(ctx, o.paths, pb.update)
		pb.finish()
		if errors.Is(err, context.Canceled) {
			// Batches written before the interrupt are acknowledged
			// and stay.
			err = fmt.Errorf("interrupted: %w", err)
		}
		if err != nil && stats.Indexed == 0 && len(stats.Skipped) == 0 && !errors.Is(err, index.ErrNothingIndexed) {
			// Nothing was read (a missing path...): the error says it all.
			return err
		}
		if werr := writeSummary(out, stats, time.Since(start)); werr != nil && err == nil {
			err = fmt.Errorf("write summary: %w", werr)
		}
		if err != nil {
			return err
		}
	}
	if !o.rebuild {
		return nil
	}
	st, err := w.Reindex(ctx, api.ReindexOptions{Force: o.force})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "rebuilt the index from the article store: %d articles in %s (%s)\n",
		st.Documents, filepath.Base(st.Dir), st.Duration.Round(time.Millisecond))
	return err
}

// writeSummary prints how many articles were indexed and every skipped
// input with its reason, in file and line order.
func writeSummary(w io.Writer, stats index.Stats, took time.Duration) error {
	skips := slices.Clone(stats.Skipped)
	slices.SortStableFunc(skips, func(a, b index.Skip) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	noun := "articles"
	if stats.Indexed == 1 {
		noun = "article"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "indexed %d %s in %s; skipped %d", stats.Indexed, noun, took.Round(time.Millisecond), len(skips))
	if len(skips) > 0 {
		b.WriteString(":")
	}
	b.WriteString("\n")
	for _, s := range skips {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	if n := len(stats.Warnings); n > 0 {
		fmt.Fprintf(&b, "warnings %d (indexed, but not all of it):\n", n)
		for _, s := range stats.Warnings {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// progressBar shows IndexFiles progress (bytes of input) on a terminal.
// The zero value (no terminal) does nothing.
type progressBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

// update is the progress callback of index.Build and IndexFiles. The bar
// is made on the first call, when the total size of the input is known.
func (p *progressBar) update(pr index.Progress) {
	if p.w == nil {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(pr.Bytes,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("indexing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.Describe(fmt.Sprintf("indexed %d, skipped %d", pr.Indexed, pr.Skipped))
	_ = p.bar.Set64(pr.BytesDone)
}

// finish removes the bar, so the summary starts on a clean line.
func (p *progressBar) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	}
}
