package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index"
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
		LongHelp: "Tags each FILE: UTF-8 text, or the articles of a .json or .jsonl file\n" +
			"(as 'cutwatch index' reads them: the text of each article, so offsets\n" +
			"point into the article's text, not into the JSON). Without --json it\n" +
			"prints a table per file or article;\n" +
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
	File string `json:"file"`
	// ID and Line name the article of a .json or .jsonl file (Line 0
	// in a .json file).
	ID       string         `json:"id,omitempty"`
	Line     int            `json:"line,omitempty"`
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
	emit := func(rec tagRecord, ents []tag.Entity) error {
		if asJSON {
			rec.Values, rec.Entities = schema.Default.Summarize(ents), make([]tagEntity, 0, len(ents))
			for _, e := range ents {
				rec.Entities = append(rec.Entities, tagEntity{e.Type, e.Value, e.Text, e.Start, e.End})
			}
			return enc.Encode(rec)
		}
		name := rec.File
		if rec.ID != "" {
			name = fmt.Sprintf("%s: article %q", index.Skip{File: rec.File, Line: rec.Line}, rec.ID)
		}
		return writeTable(out, name, ents)
	}
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".json", ".jsonl":
			// The articles of the file, each tagged on its own text.
			var recs []index.Record
			var skips []index.Skip
			fi, err := os.Stat(f)
			if err == nil {
				err = index.ReadFile(context.Background(), index.SourceFile{Path: f, Size: fi.Size()},
					func(r index.Record) error { recs = append(recs, r); return nil },
					func(s index.Skip) { skips = append(skips, s) })
			}
			if err != nil {
				fmt.Fprintf(errw, "cutwatch tag: %v\n", err)
				failed++
				continue
			}
			for _, s := range skips {
				fmt.Fprintf(errw, "cutwatch tag: %s\n", s)
			}
			if len(skips) > 0 {
				failed++
			}
			for _, r := range recs {
				ents, err := t.Tag(r.Article.Text)
				if err != nil {
					fmt.Fprintf(errw, "cutwatch tag: %s: article %q: %v\n", f, r.Article.ID, err)
					failed++
					continue
				}
				if err := emit(tagRecord{File: f, ID: r.Article.ID, Line: r.Line}, ents); err != nil {
					return fmt.Errorf("write output: %w", err)
				}
			}
			continue
		}
		ents, err := tagFile(t, f)
		if err != nil {
			fmt.Fprintf(errw, "cutwatch tag: %v\n", err)
			failed++
			continue
		}
		if err := emit(tagRecord{File: f}, ents); err != nil {
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
