package main

import (
	"context"
	"errors"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// PLACEHOLDER: replaced by the issue that builds this command.
func searchCommand() *ffcli.Command {
	fs := newFlagSet("search")
	return &ffcli.Command{
		Name:       "search",
		ShortUsage: "cutwatch search",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("search: not built yet")
		},
	}
}
