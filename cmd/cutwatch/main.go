// Command cutwatch indexes and searches news about NHS job cuts.
//
// It is one binary with subcommands; each lives in its own file and only
// parses flags and wires the packages together (index, search, web):
//
//	cutwatch serve    serve the JSON API and the web UI
//	cutwatch index    tag and index article files
//	cutwatch search   search the index from the command line
//	cutwatch tag      print the entities the tagger finds in files
//	cutwatch eval     score the tagger against gold annotations
//
// Every flag can also be set with an environment variable CUTWATCH_<FLAG>
// (upper case, dashes as underscores), e.g. CUTWATCH_ADDR=:9090.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// envPrefix is the prefix of the environment variables that set flags.
const envPrefix = "CUTWATCH"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

// run executes one command line and returns the process exit code:
// 0 on success, 2 for a usage error, 1 for any other failure.
func run(ctx context.Context, args []string) int {
	root := rootCommand()
	err := root.ParseAndRun(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "cutwatch:", err)
		return 2
	default:
		fmt.Fprintln(os.Stderr, "cutwatch:", err)
		return 1
	}
}

// errUsage marks errors caused by a wrong command line.
var errUsage = errors.New("usage error")

func rootCommand() *ffcli.Command {
	fs := flag.NewFlagSet("cutwatch", flag.ContinueOnError)
	return &ffcli.Command{
		Name:       "cutwatch",
		ShortUsage: "cutwatch <serve|index|search|tag|eval> [flags] [args]",
		ShortHelp:  "Full-text search of news about NHS job cuts.",
		FlagSet:    fs,
		Subcommands: []*ffcli.Command{
			serveCommand(),
			indexCommand(),
			searchCommand(),
			tagCommand(),
			evalCommand(),
			genCommand(),
			benchCommand(),
		},
		Exec: func(context.Context, []string) error {
			return fmt.Errorf("%w: a subcommand is required (try 'cutwatch -h')", errUsage)
		},
	}
}

// newFlagSet returns a FlagSet for a subcommand; ffcli reports its errors.
func newFlagSet(name string) *flag.FlagSet {
	return flag.NewFlagSet("cutwatch "+name, flag.ContinueOnError)
}

// envOptions makes every flag of a command settable from CUTWATCH_* variables.
func envOptions() []ff.Option {
	return []ff.Option{ff.WithEnvVarPrefix(envPrefix)}
}
