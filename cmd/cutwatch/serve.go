package main

import (
	"context"
	"errors"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// PLACEHOLDER: replaced by the issue that builds this command.
func serveCommand() *ffcli.Command {
	fs := newFlagSet("serve")
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "cutwatch serve",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("serve: not built yet")
		},
	}
}
