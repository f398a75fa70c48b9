package main

import (
	"context"
	"errors"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// PLACEHOLDER: replaced by the issue that builds this command.
func evalCommand() *ffcli.Command {
	fs := newFlagSet("eval")
	return &ffcli.Command{
		Name:       "eval",
		ShortUsage: "cutwatch eval",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(context.Context, []string) error {
			return errors.New("eval: not built yet")
		},
	}
}
