package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

func tagCommand() *ffcli.Command {
	fs := newFlagSet("tag")
	asJSON := fs.Bool("json", false, "print one JSON object per file (one per line)")
	return &ffcli.Command{
		Name:       "tag",
		ShortUsage: "cutwatch tag [--json] FILE...",
		ShortHelp:  "Print the entities the tagger finds in article files.",
		LongHelp: "Tags each FILE (UTF-8 text). Without --json it prints a table per file;\n" +
			"with --json one object per line with the keys of the gold annotations\n" +
			"(file, trusts, unions, amounts_gbp, jobs, people, places, hospitals) and\n" +
			"the entities with their byte offsets. A file that cannot be read or is not\n" +
			"valid UTF-8 is reported on stderr and skipped; the exit status is then 1.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(_ context.Context, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("%w: tag needs at least one FILE", errUsage)
			}
			return runTag(os.Stdout, os.Stderr, args, *asJSON)
		},
	}
}

// tagRecord is the --json output for one file: the file, its entities and
// the distinct values of each kind under the kinds' JSON keys.
type tagRecord struct {
	File     string         `json:"file"`
	Values   schema.Summary `json:"-"`
	Entities []tagEntity    `json:"entities"`
}

// recordFields is tagRecord without its methods.
type recordFields tagRecord

// MarshalJSON encodes the record's fields and its values.
func (r tagRecord) MarshalJSON() ([]byte, error) {
	return schema.MarshalWith(recordFields(r), r.Values)
}

// tagEntity is an entity in --json output.
type tagEntity struct {
	Type  tag.Kind `json:"type"`
	Value string   `json:"value"`
	Text  string   `json:"text"`
	Start int      `json:"start"`
	End   int      `json:"end"`
}

// runTag tags files and writes the results to out; errors for single files
// go to errw and make the returned error non-nil after all files are done.
func runTag(out, errw io.Writer, files []string, asJSON bool) error {
	t, err := tag.New()
	if err != nil {
		return err
	}
	failed := 0
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, f := range files {
		ents, err := tagFile(t, f)
		if err != nil {
			fmt.Fprintf(errw, "cutwatch tag: %v\n", err)
			failed++
			continue
		}
		if asJSON {
			rec := tagRecord{File: f, Values: schema.Default.Summarize(ents), Entities: make([]tagEntity, 0, len(ents))}
			for _, e := range ents {
				rec.Entities = append(rec.Entities, tagEntity{e.Type, e.Value, e.Text, e.Start, e.End})
			}
			if err := enc.Encode(rec); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			continue
		}
		if err := writeTable(out, f, ents); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be tagged", failed, len(files))
	}
	return nil
}

// tagFile reads and tags one file; its errors name the file.
func tagFile(t *tag.Tagger, name string) ([]tag.Entity, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err // *PathError names the file
	}
	ents, err := t.Tag(string(b))
	if err != nil {
		if errors.Is(err, tag.ErrInvalidUTF8) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("tag %s: %w", name, err)
	}
	return ents, nil
}

// writeTable prints a file's entities as an aligned table.
func writeTable(w io.Writer, file string, ents []tag.Entity) error {
	fmt.Fprintf(w, "== %s (%d entities)\n", file, len(ents))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tVALUE\tTEXT\tSTART\tEND")
	for _, e := range ents {
		text := strings.Join(strings.Fields(e.Text), " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", e.Type, e.Value, text, e.Start, e.End)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}
