package main

import (
	"context"
	"errors"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// PLACEHOLDER: replaced by the issue that builds this command.
func tagCommand() *ffcli.Command {
	fs := newFlagSet("tag")
	return &ffcli.Command{
		Name:       "tag",
		ShortUsage: "cutwatch tag",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("tag: not built yet")
		},
	}
}
