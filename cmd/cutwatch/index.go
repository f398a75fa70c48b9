package main

import (
	"context"
	"errors"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// PLACEHOLDER: replaced by the issue that builds this command.
func indexCommand() *ffcli.Command {
	fs := newFlagSet("index")
	return &ffcli.Command{
		Name:       "index",
		ShortUsage: "cutwatch index",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("index: not built yet")
		},
	}
}
