package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index"
)

func storeCommand() *ffcli.Command {
	fs := newFlagSet("store")
	recoverFS := newFlagSet("store recover")
	data := recoverFS.String("data", defaultDataDir, "data folder whose article store to recover")
	recoverCmd := &ffcli.Command{
		Name:       "recover",
		ShortUsage: "cutwatch store recover [--data ./data]",
		ShortHelp:  "Rebuild a missing, emptied or damaged article store from what it still holds and from the index.",
		LongHelp: "The article store (<data>/articles.db) is the source of every article; the\n" +
			"index is derived from it. When the store was removed, emptied, cut short or\n" +
			"holds a record that cannot be read, 'cutwatch serve' says so at start (and\n" +
			"in /readyz) and takes no writes. This command, run while no server has\n" +
			"--data open, writes a new store holding every record of the old one that\n" +
			"can still be read (walking its pages from both ends past a damaged one)\n" +
			"and every article of the index that the store lacks or cannot read,\n" +
			"unless it was deleted. The old file is kept beside it as\n" +
			"articles.db.damaged-<time>. The next start applies the new store to the\n" +
			"index (re-tagging every article). It prints what came from where and the\n" +
			"ids that could be read from neither.",
		FlagSet: recoverFS,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: store recover takes no arguments, got %q", errUsage, args)
			}
			return runStoreRecover(ctx, os.Stdout, *data)
		},
	}
	return &ffcli.Command{
		Name:        "store",
		ShortUsage:  "cutwatch store recover [--data ./data]",
		ShortHelp:   "Maintain the article store, the source of truth of --data.",
		FlagSet:     fs,
		Subcommands: []*ffcli.Command{recoverCmd},
		Exec: func(context.Context, []string) error {
			return fmt.Errorf("%w: store needs a subcommand: recover", errUsage)
		},
	}
}

// runStoreRecover recovers the store of data and prints what it salvaged.
func runStoreRecover(ctx context.Context, out io.Writer, data string) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := index.RecoverStore(ctx, data, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "recovered the article store of %s: %d articles from the old store, %d from the index, %d deletions kept\n",
		data, st.FromStore, st.FromIndex, st.Deleted)
	if st.Damaged != "" {
		fmt.Fprintf(out, "the old store is kept as %s\n", st.Damaged)
	}
	if st.IndexDamaged != nil {
		fmt.Fprintf(out, "the index could not be read (%v): rebuild it from the new store with 'cutwatch index --rebuild --data %s'\n", st.IndexDamaged, data)
	}
	if len(st.Lost) > 0 {
		fmt.Fprintf(out, "%d records could be read from neither the store nor the index:\n", len(st.Lost))
		for _, id := range st.Lost {
			fmt.Fprintf(out, "  %s\n", id)
		}
	}
	return nil
}
