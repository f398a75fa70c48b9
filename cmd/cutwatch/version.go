package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/peterbourgon/ff/v3/ffcli"
)

func versionCommand() *ffcli.Command {
	fs := newFlagSet("version")
	return &ffcli.Command{
		Name:       "version",
		ShortUsage: "cutwatch version",
		ShortHelp:  "Print the version of cutwatch, the commit it was built from and the Go that built it.",
		FlagSet:    fs,
		Exec: func(_ context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: version takes no arguments", errUsage)
			}
			return writeVersion(os.Stdout)
		},
	}
}

// writeVersion prints one line: the module version ("(devel)" for a build
// from a checkout), the commit and its time with "+dirty" for uncommitted
// changes, when the build recorded them, the Go version and the platform.
func writeVersion(w io.Writer) error {
	version, commit := "(unknown)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		var rev, at, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if rev != "" {
			commit = fmt.Sprintf(" commit %.12s%s %s", rev, dirty, at)
		}
	}
	_, err := fmt.Fprintf(w, "cutwatch %s%s %s %s/%s\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
