package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

func indexCommand() *ffcli.Command {
	fs := newFlagSet("index")
	data := fs.String("data", defaultDataDir, "data folder; the index is its sub-folder 'index'")
	rebuild := fs.Bool("rebuild", false, "replace the index with one built from PATH... only")
	return &ffcli.Command{
		Name:       "index",
		ShortUsage: "cutwatch index [--data ./data] [--rebuild] PATH...",
		ShortHelp:  "Tag and index article files and folders.",
		LongHelp: "Tags the articles in each PATH (a .txt, .json or .jsonl file, or a folder\n" +
			"searched for them) and indexes them into <data>/index. Without an index\n" +
			"there it builds one; with one it adds the articles (replacing those with\n" +
			"the same id); with --rebuild it builds a new index from PATH... only and\n" +
			"swaps it in when complete.\n\n" +
			".txt: one article a file, id = file name without extension, title = first\n" +
			"line or sentence. .json: one object (id defaults to the file name) or an\n" +
			"array of objects. .jsonl: one object a line. Objects have id, title, text\n" +
			"and optionally url and published (RFC 3339 or YYYY-MM-DD).\n\n" +
			"A file, line or item that cannot be indexed is skipped and listed in the\n" +
			"summary with its reason; the others are indexed. The exit status is 0\n" +
			"when at least one article was indexed, 1 when none could be (nothing is\n" +
			"then changed), when the index is locked by another process (a running\n" +
			"'cutwatch serve') or on any other error, and 2 when no PATH is given.\n" +
			"A progress bar is shown on stderr when it is a terminal.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("%w: index needs at least one PATH (file or folder)", errUsage)
			}
			return runIndex(ctx, os.Stdout, stderrBar(), *data, *rebuild, args)
		},
	}
}

// stderrBar returns stderr if it is a terminal, for the progress bar, and
// nil otherwise: a bar in a log file or a pipe is only noise.
func stderrBar() io.Writer {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return os.Stderr
	}
	return nil
}

// runIndex indexes the articles in paths into the index of the data folder
// and writes a summary to out. bar, if not nil, gets a progress bar. The
// error is nil when at least one article was indexed, even if others were
// skipped.
func runIndex(ctx context.Context, out, bar io.Writer, data string, rebuild bool, paths []string) (err error) {
	start := time.Now()
	dir := indexDir(data)

	var do func(*tag.Tagger, func(index.Progress)) (index.Stats, error)
	switch {
	case rebuild:
		// A rebuild re-tags the given sources and every article that
		// reached the store through the write API into a new index
		// directory, then makes it current, so ingested articles are
		// carried over. (No progress bar: it reports when done.)
		do = func(t *tag.Tagger, _ func(index.Progress)) (index.Stats, error) {
			st, err := index.RebuildData(ctx, data, index.WriterOptions{Tagger: t, Sources: paths})
			return index.Stats{Indexed: int(st.Documents), Skipped: st.Skipped, Duration: st.Duration}, err
		}
	case index.Exists(dir):
		// Open the index before loading the tagger's model, so that a
		// locked index fails within a second.
		idx, oerr := index.Open(dir)
		if oerr != nil {
			return oerr
		}
		defer func() {
			if cerr := idx.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("close index %s: %w", dir, cerr)
			}
		}()
		do = func(t *tag.Tagger, progress func(index.Progress)) (index.Stats, error) {
			files, skips, err := index.FindFiles(paths)
			if err != nil {
				return index.Stats{}, err
			}
			stats, err := index.NewIndexer(idx, t).IndexFiles(ctx, files, progress)
			stats.Skipped = append(skips, stats.Skipped...)
			if err == nil && stats.Indexed == 0 {
				err = fmt.Errorf("add to index %s: %w (%d inputs skipped)", dir, index.ErrNothingIndexed, len(stats.Skipped))
			}
			return stats, err
		}
	default:
		do = func(t *tag.Tagger, progress func(index.Progress)) (index.Stats, error) {
			stats, err := index.Build(ctx, dir, paths, t, progress)
			if errors.Is(err, os.ErrExist) {
				err = fmt.Errorf("%w: it is not a cutwatch index (remove it, use another --data, or --rebuild if it is empty)", err)
			}
			return stats, err
		}
	}

	t, err := tag.New()
	if err != nil {
		return err
	}
	pb := &progressBar{w: bar}
	stats, err := do(t, pb.update)
	pb.finish()
	if errors.Is(err, context.Canceled) {
		// Batches written before the interrupt stay in an index that was
		// added to; a build or rebuild leaves things as they were.
		err = fmt.Errorf("interrupted: %w", err)
	}
	if err != nil && stats.Indexed == 0 && len(stats.Skipped) == 0 && !errors.Is(err, index.ErrNothingIndexed) {
		// Nothing was read (a missing path, a locked index...): the error
		// says it all.
		return err
	}
	if werr := writeSummary(out, stats, time.Since(start)); werr != nil && err == nil {
		err = fmt.Errorf("write summary: %w", werr)
	}
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
