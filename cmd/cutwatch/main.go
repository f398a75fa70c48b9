// Command cutwatch indexes and searches news about NHS job cuts.
//
// It is one binary with subcommands; each lives in its own file and only
// parses flags and wires the packages together (index, search, web):
//
//	cutwatch serve        serve the JSON API and the web UI
//	cutwatch index        tag and index article files
//	cutwatch store        recover the article store
//	cutwatch sources      follow news feeds: add, list, remove
//	cutwatch search       search the index from the command line
//	cutwatch tag          print the entities the tagger finds in files
//	cutwatch eval         score the tagger against gold annotations
//	cutwatch gen          generate a corpus of articles with their true entities
//	cutwatch bench        benchmark ingest, queries, HTTP and memory
//	cutwatch healthcheck  check a running server's /healthz (the container's HEALTHCHECK)
//	cutwatch help         list the commands, or one command's flags
//
// Every flag can also be set with an environment variable CUTWATCH_<FLAG>
// (upper case, dashes as underscores), e.g. CUTWATCH_ADDR=:9090; a flag on
// the command line wins. 'cutwatch help COMMAND' lists a command's flags
// with their defaults and variables.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

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

// rootCommand returns the command tree. Every command prints its help with
// usage, which lists each flag's default and environment variable.
func rootCommand() *ffcli.Command {
	fs := flag.NewFlagSet("cutwatch", flag.ContinueOnError)
	root := &ffcli.Command{
		Name:       "cutwatch",
		ShortUsage: "cutwatch <command> [flags] [args]",
		ShortHelp:  "Full-text search of news about NHS job cuts.",
		LongHelp: "Every flag can also be set with an environment variable: CUTWATCH_ and the\n" +
			"flag's name in upper case with - as _ (CUTWATCH_ADDR, CUTWATCH_DATA, ...);\n" +
			"a flag on the command line wins. 'cutwatch help COMMAND' or\n" +
			"'cutwatch COMMAND --help' lists a command's flags, defaults and variables.",
		FlagSet: fs,
		Subcommands: []*ffcli.Command{
			serveCommand(),
			indexCommand(),
			storeCommand(),
			sourcesCommand(),
			searchCommand(),
			tagCommand(),
			evalCommand(),
			genCommand(),
			benchCommand(),
			healthcheckCommand(),
			versionCommand(),
		},
	}
	root.Subcommands = append(root.Subcommands, helpCommand(root))
	root.UsageFunc = usage
	var setUsage func([]*ffcli.Command)
	setUsage = func(cs []*ffcli.Command) {
		for _, c := range cs {
			c.UsageFunc = usage
			setUsage(c.Subcommands)
		}
	}
	setUsage(root.Subcommands)
	root.Exec = func(_ context.Context, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("%w: a command is required (try 'cutwatch help')", errUsage)
		}
		return fmt.Errorf("%w: unknown command %q (try 'cutwatch help')", errUsage, args[0])
	}
	return root
}

// helpCommand is 'cutwatch help [COMMAND]': without an argument it prints
// the commands and the flags of serve, the command most people configure;
// with one, that command's help.
func helpCommand(root *ffcli.Command) *ffcli.Command {
	return &ffcli.Command{
		Name:       "help",
		ShortUsage: "cutwatch help [COMMAND]",
		ShortHelp:  "List the commands, or one command's flags with their defaults and variables.",
		FlagSet:    newFlagSet("help"),
		Exec: func(_ context.Context, args []string) error {
			switch len(args) {
			case 0:
				fmt.Fprint(os.Stdout, usage(root))
				for _, c := range root.Subcommands {
					if c.Name == "serve" {
						fmt.Fprintf(os.Stdout, "\n%s", usage(c))
					}
				}
				fmt.Fprintln(os.Stdout, "\n'cutwatch help COMMAND' lists the flags of the other commands.")
				return nil
			case 1:
				for _, c := range root.Subcommands {
					if strings.EqualFold(c.Name, args[0]) {
						fmt.Fprint(os.Stdout, usage(c))
						return nil
					}
				}
				return fmt.Errorf("%w: no command %q (try 'cutwatch help')", errUsage, args[0])
			}
			return fmt.Errorf("%w: help takes at most one COMMAND, got %q (try 'cutwatch help')", errUsage, args)
		},
	}
}

// usage is the help text of a command: ffcli's description, usage and
// subcommands, then a table of the flags with the default and the
// environment variable of each.
func usage(c *ffcli.Command) string {
	var b strings.Builder
	if c.ShortHelp != "" {
		fmt.Fprintf(&b, "DESCRIPTION\n  %s\n\n", c.ShortHelp)
	}
	short := c.ShortUsage
	if short == "" {
		short = c.Name
	}
	fmt.Fprintf(&b, "USAGE\n  %s\n\n", short)
	if c.LongHelp != "" {
		fmt.Fprintf(&b, "%s\n\n", c.LongHelp)
	}
	if len(c.Subcommands) > 0 {
		fmt.Fprintf(&b, "COMMANDS\n")
		tw := tabwriter.NewWriter(&b, 0, 2, 2, ' ', 0)
		for _, s := range c.Subcommands {
			fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.ShortHelp)
		}
		tw.Flush()
		fmt.Fprintln(&b)
	}
	n := 0
	c.FlagSet.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(&b, "FLAGS (a flag on the command line wins over its variable)\n")
		tw := tabwriter.NewWriter(&b, 0, 2, 2, ' ', 0)
		fmt.Fprintf(tw, "  FLAG\tDEFAULT\tVARIABLE\tMEANING\n")
		c.FlagSet.VisitAll(func(f *flag.Flag) {
			_, text := flag.UnquoteUsage(f)
			// -v, as the README and the usual habit write a one-letter
			// flag (either form works), --name for the others.
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			fmt.Fprintf(tw, "  %s%s\t%s\t%s\t%s\n", dash, f.Name, showDefault(f.DefValue), envVar(f.Name), text)
		})
		tw.Flush()
	}
	return strings.TrimSpace(b.String()) + "\n"
}

// showDefault prints a flag's default for help: the value, or "" when it
// is empty, so that no column of the table is blank.
func showDefault(v string) string {
	if v == "" {
		return `""`
	}
	return v
}

// envFlagName maps a flag name to its variable suffix as ff does.
var envFlagName = strings.NewReplacer("-", "_", ".", "_", "/", "_")

// envVar is the environment variable that sets the flag name:
// ff.WithEnvVarPrefix's rule, CUTWATCH_ + upper case, - . / as _.
func envVar(name string) string {
	return envPrefix + "_" + envFlagName.Replace(strings.ToUpper(name))
}

// newFlagSet returns a FlagSet for a subcommand; ffcli reports its errors.
func newFlagSet(name string) *flag.FlagSet {
	return flag.NewFlagSet("cutwatch "+name, flag.ContinueOnError)
}

// envOptions makes every flag of a command settable from CUTWATCH_* variables.
func envOptions() []ff.Option {
	return []ff.Option{ff.WithEnvVarPrefix(envPrefix)}
}
