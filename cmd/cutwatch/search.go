package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// stringsFlag is a repeatable string flag: each use adds one value.
type stringsFlag []string

// String returns the values joined by commas, for help output.
func (s *stringsFlag) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, ",")
}

// Set adds a value.
func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// searchParams are the flags of the search command that map one to one to
// the parameters of the API's /api/search (a range per numeric kind of the
// schema, sort and page); they are parsed and checked by api.ParseRequest,
// so the command and the API accept the same values and give the same
// messages.
func searchParams(s *schema.Schema) []struct{ flag, param, usage string } {
	var out []struct{ flag, param, usage string }
	for _, k := range s.Kinds() {
		if !k.Numeric {
			continue
		}
		whose := "only articles whose " + strings.ToLower(k.Plural) + " include one of at "
		out = append(out,
			struct{ flag, param, usage string }{k.Name() + "-min", k.Name() + "_min", whose + "least `N`"},
			struct{ flag, param, usage string }{k.Name() + "-max", k.Name() + "_max", whose + "most `N`"})
	}
	return append(out,
		struct{ flag, param, usage string }{"syntax", "syntax", "language `S` of QUERY: " + strings.Join(api.Syntaxes, " or ") + " (default simple)"},
		struct{ flag, param, usage string }{"published-from", "published_from", "only articles published on or after `DATE` (YYYY-MM-DD: from the start of that UTC day; or an RFC 3339 time)"},
		struct{ flag, param, usage string }{"published-to", "published_to", "only articles published on or before `DATE` (YYYY-MM-DD: to the end of that UTC day; or an RFC 3339 time)"},
		struct{ flag, param, usage string }{"histogram", "histogram", "also count the matching articles, their jobs at risk and savings per `PERIOD`: " + strings.Join(api.HistogramIntervals, ", ")},
		struct{ flag, param, usage string }{"sort", "sort", "order `S` of hits: " + strings.Join(api.SortKeys(s), ", ") + " (default relevance)"},
		struct{ flag, param, usage string }{"from", "from", "offset `N` of the first hit (default 0)"},
		struct{ flag, param, usage string }{"size", "size", fmt.Sprintf("number `N` of hits (default %d, at most %d)", api.DefaultSize, api.MaxSize)})
}

func searchCommand() *ffcli.Command {
	fs := newFlagSet("search")
	data := fs.String("data", defaultDataDir, "data folder: the article store and the index (the folder its CURRENT file names)")
	asJSON := fs.Bool("json", false, "print the result as JSON, as /api/search returns it")
	server := fs.String("server", "", "search the JSON API of the cutwatch server at `URL` (http://127.0.0.1:8080) instead of opening the index of --data, which a running server holds locked")
	asCSV := fs.Bool("csv", false, fmt.Sprintf("print every matching article (not one page) as CSV, as /api/export returns it (at most %d)", api.DefaultExportMax))
	filters := make(map[string]*stringsFlag)
	for _, field := range schema.Default.TermNames() {
		filters[field] = new(stringsFlag)
		fs.Var(filters[field], field, fmt.Sprintf("only articles with the %s `NAME` (repeatable: any of the values)", field))
	}
	params := make(map[string]*string)
	for _, p := range searchParams(schema.Default) {
		params[p.param] = fs.String(p.flag, "", p.usage)
	}
	return &ffcli.Command{
		Name:       "search",
		ShortUsage: "cutwatch search [--data ./data | --server URL] [--json|--csv] [--syntax bleve] [--published-from DATE] [--published-to DATE] [--histogram year] [--trust T] [--union U] [--person P] [--place P] [--hospital H] [--sort S] [--from N] [--size N] [QUERY...]",
		ShortHelp:  "Search the index from the command line.",
		LongHelp: "Searches the index of --data, or with --server a running server, with\n" +
			"QUERY (the words are joined with spaces) in the language of the API's q:\n" +
			"every word required, \"phrases\", OR, NOT, -word, union:RCN, jobs:>500,\n" +
			"published:2024, typos forgiven (see README, Query language); with\n" +
			"--syntax bleve, bleve's query string. No QUERY matches every article.\n" +
			"Filters are repeatable: values of one facet are ORed, facets ANDed.\n\n" +
			"Prints a table of hits (rank, score, id, title, unions and trusts, largest\n" +
			"amount and job count), the total and the time taken, the top values of\n" +
			"each facet, and with --histogram the articles and jobs per period; --json\n" +
			"prints the API's JSON instead, and --csv every matching article as CSV\n" +
			"(the columns of /api/export; a note on stderr when the cap cuts it).\n" +
			"Dates are inclusive; a date YYYY-MM-DD is the whole UTC day. A malformed query or\n" +
			"parameter exits with status 2 and the parser's message.\n\n" +
			"bleve locks the index: while 'cutwatch serve' runs on the same --data,\n" +
			"search through it with --server http://HOST:PORT.",
		FlagSet: fs,
		Options: envOptions(),
		Exec: func(ctx context.Context, args []string) error {
			v := url.Values{}
			if q := strings.TrimSpace(strings.Join(args, " ")); q != "" {
				v.Set("q", q)
			}
			for field, vals := range filters {
				if len(*vals) > 0 {
					v[field] = *vals
				}
			}
			for name, val := range params {
				if *val != "" {
					v.Set(name, *val)
				}
			}
			if *asJSON && *asCSV {
				return fmt.Errorf("%w: --json and --csv cannot be combined", errUsage)
			}
			format := ""
			switch {
			case *asJSON:
				format = "json"
			case *asCSV:
				format = api.ExportCSV
			}
			if *server != "" {
				return runRemoteSearch(ctx, os.Stdout, os.Stderr, *server, v, format)
			}
			return runSearch(ctx, os.Stdout, os.Stderr, *data, v, format)
		},
	}
}

// runSearch runs the search given as API parameters on the index of the
// data folder and prints the result to out: a table, JSON (format
// "json") or every match as CSV (api.ExportCSV, with a note to errOut
// when the cap cuts it). A bad request is a usage error.
func runSearch(ctx context.Context, out, errOut io.Writer, data string, params url.Values, format string) error {
	req, err := api.ParseRequest(schema.Default, params)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	dir := indexDir(data)
	idx, err := index.Open(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: build it with 'cutwatch index --data %s PATH...'", err, data)
	case errors.Is(err, index.ErrLocked):
		return fmt.Errorf("%w; while 'cutwatch serve' runs, search through it with --server http://HOST:PORT", err)
	case err != nil:
		return err
	}
	defer idx.Close()

	svc := search.NewService(idx)
	if format == api.ExportCSV {
		e := &cliExport{CSVExport: api.NewCSVExport(out, schema.Default)}
		err := svc.Export(ctx, req, api.DefaultExportMax, e)
		if api.IsBadRequest(err) {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if err == nil {
			err = e.Flush()
		}
		if err == nil && e.truncated {
			fmt.Fprintf(errOut, "cutwatch: the search matches %d articles; the CSV holds the first %d (by id)\n", e.total, api.DefaultExportMax)
		}
		return err
	}
	res, err := svc.Search(ctx, req)
	if api.IsBadRequest(err) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	if err := writeResult(out, req, res); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// remoteTimeout bounds one request of runRemoteSearch (an export of
// 100,000 rows takes seconds).
const remoteTimeout = 5 * time.Minute

// runRemoteSearch runs the search given as API parameters on the server
// at base through its JSON API (/api/search, or /api/export for CSV) and
// prints the result as runSearch does. The server's 400 is a usage error
// with its message.
func runRemoteSearch(ctx context.Context, out, errOut io.Writer, base string, params url.Values, format string) error {
	req, err := api.ParseRequest(schema.Default, params)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: --server: want http://HOST:PORT, got %q", errUsage, base)
	}
	path := "/api/search"
	if format == api.ExportCSV {
		path = "/api/export"
		params = cloneValues(params)
		params.Set("format", api.ExportCSV)
	}
	ctx, cancel := context.WithTimeout(ctx, remoteTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String()+path+"?"+params.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return fmt.Errorf("search %s: %w", u.Redacted(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode == http.StatusBadRequest {
			return fmt.Errorf("%w: %s", errUsage, e.Error)
		}
		return fmt.Errorf("search %s: %s: %s", u.Redacted(), resp.Status, e.Error)
	}
	if format == api.ExportCSV {
		if _, err := io.Copy(out, resp.Body); err != nil {
			return fmt.Errorf("search %s: %w", u.Redacted(), err)
		}
		// The cap is known from the header, sent before the rows.
		if resp.Header.Get("X-Export-Truncated") == "true" {
			fmt.Fprintf(errOut, "cutwatch: the search matches %s articles; the CSV holds the first %s (by id)\n", resp.Header.Get("X-Export-Total"), resp.Header.Get("X-Export-Limit"))
		}
		return nil
	}
	var res api.Result
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&res); err != nil {
		return fmt.Errorf("search %s: the answer is no search result: %w", u.Redacted(), err)
	}
	if format == "json" {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&res); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	}
	if err := writeResult(out, req, &res); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}

// cliExport is a CSV export that remembers its total and whether the cap
// cut it.
type cliExport struct {
	*api.CSVExport
	total     uint64
	truncated bool
}

func (e *cliExport) Begin(total uint64, truncated bool) error {
	e.total, e.truncated = total, truncated
	return e.CSVExport.Begin(total, truncated)
}

// Widths (in runes) of the text columns of the hit table.
const (
	titleWidth = 60
	chipsWidth = 50
	facetTop   = 5 // values shown per facet
)

// writeResult prints a search result as a table of hits, a total line and
// the top facet values.
func writeResult(w io.Writer, req api.Request, res *api.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(res.Hits) > 0 {
		fmt.Fprintln(tw, "RANK\tSCORE\tID\tTITLE\tUNIONS / TRUSTS\tAMOUNT\tJOBS")
	}
	for i, h := range res.Hits {
		fmt.Fprintf(tw, "%d\t%.3f\t%s\t%s\t%s\t%s\t%s\n", req.From+i+1, h.Score, h.ID,
			clip(oneLine(h.Title), titleWidth), clip(strings.Join(append(slices.Clone(h.Values.Terms(tag.Union)), h.Values.Terms(tag.Trust)...), ", "), chipsWidth),
			largest(h.Values.Numbers(tag.Amount), formatGBP), largest(h.Values.Numbers(tag.Jobs), func(n int64) string { return strconv.FormatInt(n, 10) }))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	noun := "hits"
	if res.Total == 1 {
		noun = "hit"
	}
	fmt.Fprintf(w, "\n%d %s", res.Total, noun)
	if len(res.Hits) > 0 && (req.From > 0 || uint64(len(res.Hits)) < res.Total) {
		fmt.Fprintf(w, " (showing %d–%d)", req.From+1, req.From+len(res.Hits))
	} else if len(res.Hits) == 0 && res.Total > 0 {
		fmt.Fprintf(w, " (none from %d on)", req.From+1)
	}
	fmt.Fprintf(w, ", took %.3f ms\n", res.TookMS)

	type facetLine struct {
		name  string
		items []string
	}
	var lines []facetLine
	for _, f := range res.Facets {
		var items []string
		for _, tc := range f.Terms {
			if tc.Count > 0 && len(items) < facetTop {
				items = append(items, fmt.Sprintf("%s (%d)", tc.Value, tc.Count))
			}
		}
		for _, rc := range f.Ranges {
			if rc.Count > 0 {
				items = append(items, fmt.Sprintf("%s (%d)", rc.Label, rc.Count))
			}
		}
		lines = append(lines, facetLine{f.Name, items})
	}
	if res.Total == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nfacets:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range lines {
		if len(l.items) > 0 {
			fmt.Fprintf(tw, "  %s\t%s\n", l.name, strings.Join(l.items, ", "))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if req.Histogram == "" {
		return nil
	}
	fmt.Fprintf(w, "\nper %s:\n", req.Histogram)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "FROM\tARTICLES\tJOBS AT RISK\tSAVINGS\t")
	for _, b := range res.Histogram {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", b.Start, b.Count, b.Jobs, formatGBP(b.SavingsGBP))
	}
	return tw.Flush()
}

// largest formats the largest of vals, or "-" when there is none.
func largest(vals []int64, format func(int64) string) string {
	if len(vals) == 0 {
		return "-"
	}
	return format(slices.Max(vals))
}

// formatGBP writes an amount of pounds the way news does: £20bn, £6.5m,
// £250k, £900.
func formatGBP(n int64) string {
	short := func(v float64, unit string) string {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return "£" + strings.TrimSuffix(s, ".0") + unit
	}
	switch {
	case n >= 1_000_000_000:
		return short(float64(n)/1e9, "bn")
	case n >= 1_000_000:
		return short(float64(n)/1e6, "m")
	case n >= 10_000:
		return short(float64(n)/1e3, "k")
	}
	return "£" + strconv.FormatInt(n, 10)
}

// oneLine replaces runs of white space (line breaks, tabs) by one space, so
// that a value cannot break the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip shortens s to at most n runes, ending in "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ,") + "…"
}

// Interface checks.
var _ flag.Value = (*stringsFlag)(nil)
