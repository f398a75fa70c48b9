package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
)

// sourcesTarget holds the flags that say where the sources are: the
// --data of a stopped server, or a running server.
type sourcesTarget struct {
	data   string
	addr   string
	apiKey string
}

func (t *sourcesTarget) register(fs *flag.FlagSet) {
	fs.StringVar(&t.data, "data", defaultDataDir, "data folder whose sources to change when no server has it open")
	fs.StringVar(&t.addr, "addr", defaultAddr, "address of the server that has --data open (as serve's --addr)")
	fs.StringVar(&t.apiKey, "api-key", "", "the server's API key (as serve's --api-key), to change the sources of a running server")
}

// open returns the sources: those of --data opened directly, or, when a
// server has them open, the server's through its API.
func (t *sourcesTarget) open() (api.Sources, func(), error) {
	m, err := sources.Open(sources.Options{Data: t.data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		return m, func() { _ = m.Close() }, nil
	}
	if !errors.Is(err, sources.ErrLocked) {
		return nil, nil, err
	}
	base, herr := healthURL(t.addr)
	if herr != nil {
		return nil, nil, herr
	}
	return &sourcesClient{base: strings.TrimSuffix(base, "/healthz"), key: t.apiKey}, func() {}, nil
}

func sourcesCommand() *ffcli.Command {
	var addT, listT, rmT sourcesTarget
	addFS := newFlagSet("sources add")
	addT.register(addFS)
	interval := addFS.String("interval", "", "how often to poll the feed, e.g. 30m (empty: the server's --sources-interval)")
	filter := addFS.String("filter", "", `which articles to keep: a query in the syntax of /api/search's q (empty: the server's --sources-filter; "*": all)`)
	listFS := newFlagSet("sources list")
	listT.register(listFS)
	asJSON := listFS.Bool("json", false, "print the sources as JSON (as GET /api/sources)")
	rmFS := newFlagSet("sources remove")
	rmT.register(rmFS)
	where := "\n\nWith no server running on --data, the sources of --data are changed directly\n" +
		"(a server reads them at start); while one runs (it holds <data>/sources.db),\n" +
		"the command talks to it at --addr with --api-key (CUTWATCH_ADDR and\n" +
		"CUTWATCH_API_KEY, as serve's)."
	add := &ffcli.Command{
		Name:       "add",
		ShortUsage: "cutwatch sources add [--interval D] [--filter Q] URL",
		ShortHelp:  "Follow a feed (RSS, Atom or JSON Feed), or change the interval and filter of one followed.",
		LongHelp: "Adds the feed at URL. A running server polls it at once and then every\n" +
			"interval; each new item's page is read and its article written when the\n" +
			"filter matches it (as a search with that q would)." + where,
		FlagSet: addFS,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: sources add takes one feed URL, got %q", errUsage, args)
			}
			src, done, err := addT.open()
			if err != nil {
				return err
			}
			defer done()
			st, err := src.AddSource(ctx, api.SourceSpec{URL: args[0], Interval: *interval, Filter: *filter})
			if err != nil {
				return err
			}
			fmt.Printf("%s\t%s\tevery %s\tfilter %s\n", st.ID, st.URL, st.Interval, st.Filter)
			return nil
		},
	}
	list := &ffcli.Command{
		Name:       "list",
		ShortUsage: "cutwatch sources list [--json]",
		ShortHelp:  "List the feeds followed with their polls: last and next, last error, items kept and skipped.",
		LongHelp:   "Prints one line a source (or, with --json, what GET /api/sources answers)." + where,
		FlagSet:    listFS,
		Options:    envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%w: sources list takes no arguments, got %q", errUsage, args)
			}
			src, done, err := listT.open()
			if err != nil {
				return err
			}
			defer done()
			all, err := src.ListSources(ctx)
			if err != nil {
				return err
			}
			return printSources(os.Stdout, all, *asJSON)
		},
	}
	rm := &ffcli.Command{
		Name:       "remove",
		ShortUsage: "cutwatch sources remove ID|URL",
		ShortHelp:  "Stop following a feed (its articles stay).",
		LongHelp:   "Removes the source with that id or URL." + where,
		FlagSet:    rmFS,
		Options:    envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%w: sources remove takes one id or URL, got %q", errUsage, args)
			}
			src, done, err := rmT.open()
			if err != nil {
				return err
			}
			defer done()
			return src.RemoveSource(ctx, args[0])
		},
	}
	return &ffcli.Command{
		Name:        "sources",
		ShortUsage:  "cutwatch sources add|list|remove [flags] [args]",
		ShortHelp:   "Manage the news feeds the server follows by itself.",
		FlagSet:     newFlagSet("sources"),
		Subcommands: []*ffcli.Command{add, list, rm},
		Exec: func(context.Context, []string) error {
			return fmt.Errorf("%w: sources needs a subcommand: add, list or remove", errUsage)
		},
	}
}

func printSources(out io.Writer, all []api.SourceStatus, asJSON bool) error {
	if asJSON {
		if all == nil {
			all = []api.SourceStatus{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Sources []api.SourceStatus `json:"sources"`
		}{all})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVERY\tLAST POLL\tNEXT POLL\tKEPT\tSKIPPED\tFAILURES\tLAST ERROR")
	for _, s := range all {
		last := "never"
		if !s.LastPoll.IsZero() {
			last = s.LastPoll.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.ID, s.URL, s.Interval, last, s.NextPoll.Format(time.RFC3339), s.Kept, s.Skipped, s.Failures, s.LastError)
	}
	return tw.Flush()
}

// sourcesClient is api.Sources over a running server's /api/sources.
type sourcesClient struct {
	base, key string
}

func (c *sourcesClient) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the sources of --data are open in a server, which does not answer at %s: %w", c.base, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, c.base+path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &e)
		err := fmt.Errorf("%s %s: %s: %s", method, c.base+path, resp.Status, e.Error)
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w (%v)", api.ErrNotFound, err)
		}
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, c.base+path, err)
		}
	}
	return nil
}

func (c *sourcesClient) AddSource(ctx context.Context, spec api.SourceSpec) (api.SourceStatus, error) {
	var st api.SourceStatus
	err := c.do(ctx, http.MethodPost, "/api/sources", spec, &st)
	return st, err
}

func (c *sourcesClient) ListSources(ctx context.Context) ([]api.SourceStatus, error) {
	var l struct {
		Sources []api.SourceStatus `json:"sources"`
	}
	err := c.do(ctx, http.MethodGet, "/api/sources", nil, &l)
	return l.Sources, err
}

func (c *sourcesClient) RemoveSource(ctx context.Context, id string) error {
	if u, err := url.Parse(id); err == nil && u.Scheme != "" {
		id = sources.ID(u.String()) // the route takes ids only
	}
	return c.do(ctx, http.MethodDelete, "/api/sources/"+url.PathEscape(id), nil, nil)
}
