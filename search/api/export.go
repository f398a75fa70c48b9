package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Export formats (the format parameter of /api/export).
const (
	ExportCSV    = "csv"
	ExportNDJSON = "ndjson"
)

// DefaultExportMax is how many rows an export writes at most unless
// configured (serve --export-max).
const DefaultExportMax = 100_000

// ExportRow is one article of an export.
type ExportRow struct {
	ID, Title, URL string
	Published      time.Time // zero when unknown
	// Values are the article's canonical entity values.
	Values schema.Summary
	// Largest holds, per numeric kind the article has values of, the
	// largest.
	Largest map[string]int64
	// JobsAtRisk is the jobs cut or at risk its cut events link to
	// trusts, what the histogram and facet sums add for it (nil: unknown,
	// for an article indexed before cut events were kept).
	JobsAtRisk *int64
	// Events are its cut events: each job count and amount linked to its
	// organisation, with what it is (nil: unknown, as for JobsAtRisk).
	Events []tag.CutLink
}

// ExportWriter receives an export: Begin once, before any row, with the
// number of matching articles and whether the export stops short of them
// at its cap; then each row, in id order.
type ExportWriter interface {
	Begin(total uint64, truncated bool) error
	Row(ExportRow) error
}

// Exporter streams every article a request matches.
type Exporter interface {
	// Export writes the articles req matches (its page, sort and facets
	// are not used) to w in id order, at most limit of them.
	Export(ctx context.Context, req Request, limit int, w ExportWriter) error
}

// ExportColumns returns the columns of a CSV export under s: id, title,
// url, published (RFC 3339, UTC), one column per name kind (its values
// joined with "; "), one per numeric kind (its largest value),
// jobs_at_risk and cut_events (FormatEvents).
func ExportColumns(s *schema.Schema) []string {
	cols := []string{"id", "title", "url", "published"}
	cols = append(cols, s.TermNames()...)
	cols = append(cols, s.NumericNames()...)
	return append(cols, "jobs_at_risk", "cut_events")
}

// FormatEvents writes cut events as one CSV cell, "; " between events:
// "Trust: 300 jobs (cut)", "Trust: £5000000 (savings)", a national figure
// with "(no trust)" for its trust.
func FormatEvents(evs []tag.CutLink) string {
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteString("; ")
		}
		if e.Trust == "" {
			b.WriteString("(no trust)")
		} else {
			b.WriteString(e.Trust)
		}
		if e.Jobs > 0 {
			fmt.Fprintf(&b, ": %d jobs (%s)", e.Jobs, e.Kind)
		} else {
			fmt.Fprintf(&b, ": £%d (%s)", e.AmountGBP, e.Kind)
		}
	}
	return b.String()
}

// CSVExport writes an export as CSV (RFC 4180, with a header line),
// guarding against formula injection: a cell that starts with = + - @, a
// tab or a carriage return gets a leading ' so that a spreadsheet shows it
// as text rather than running it.
type CSVExport struct {
	s *schema.Schema
	w *csv.Writer
	// Rows counts the rows written.
	Rows int
}

// NewCSVExport returns a CSVExport to w for the kinds of s.
func NewCSVExport(w io.Writer, s *schema.Schema) *CSVExport {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	return &CSVExport{s: s, w: cw}
}

// Begin writes the header line.
func (e *CSVExport) Begin(uint64, bool) error {
	return e.w.Write(ExportColumns(e.s))
}

// Row writes one article.
func (e *CSVExport) Row(r ExportRow) error {
	rec := []string{r.ID, r.Title, r.URL, ""}
	if !r.Published.IsZero() {
		rec[3] = r.Published.UTC().Format(time.RFC3339)
	}
	for _, k := range e.s.Kinds() {
		if !k.Numeric {
			rec = append(rec, strings.Join(r.Values.Terms(k.Kind), "; "))
		}
	}
	for _, name := range e.s.NumericNames() {
		v, ok := r.Largest[name]
		if !ok {
			rec = append(rec, "")
			continue
		}
		rec = append(rec, strconv.FormatInt(v, 10))
	}
	jobs := ""
	if r.JobsAtRisk != nil {
		jobs = strconv.FormatInt(*r.JobsAtRisk, 10)
	}
	rec = append(rec, jobs, FormatEvents(r.Events))
	for i, c := range rec {
		rec[i] = GuardCell(c)
	}
	if err := e.w.Write(rec); err != nil {
		return err
	}
	e.Rows++
	if e.Rows%256 == 0 {
		e.w.Flush()
	}
	return e.w.Error()
}

// Flush writes what is buffered.
func (e *CSVExport) Flush() error {
	e.w.Flush()
	return e.w.Error()
}

// GuardCell returns a CSV cell that a spreadsheet will not take for a
// formula: one starting with = + - @, a tab or a carriage return gets a
// leading '.
func GuardCell(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

// NDJSONExport writes an export as one JSON object a line: id, title,
// url, published, the article's values under the kinds' JSON keys (as in
// search hits), "largest" (the largest value per numeric kind),
// "jobs_at_risk" and "cut_events" (null when unknown).
type NDJSONExport struct {
	w   *bufio.Writer
	buf []byte
	// Rows counts the rows written.
	Rows int
}

// NewNDJSONExport returns an NDJSONExport to w.
func NewNDJSONExport(w io.Writer) *NDJSONExport {
	return &NDJSONExport{w: bufio.NewWriterSize(w, 32<<10)}
}

// Begin writes nothing: NDJSON has no header.
func (e *NDJSONExport) Begin(uint64, bool) error { return nil }

// Row writes one article.
func (e *NDJSONExport) Row(r ExportRow) error {
	b := append(e.buf[:0], `{"id":`...)
	b = schema.AppendString(b, r.ID)
	b = append(b, `,"title":`...)
	b = schema.AppendString(b, r.Title)
	b = append(b, `,"url":`...)
	b = schema.AppendString(b, r.URL)
	b = append(b, `,"published":`...)
	if r.Published.IsZero() {
		b = append(b, "null"...)
	} else {
		b = schema.AppendString(b, r.Published.UTC().Format(time.RFC3339))
	}
	b = append(b, ',')
	b = r.Values.AppendFields(b)
	b = append(b, `,"largest":{`...)
	first := true
	for _, name := range r.Values.Schema().NumericNames() {
		v, ok := r.Largest[name]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = schema.AppendString(b, name)
		b = append(b, ':')
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, `},"jobs_at_risk":`...)
	if r.JobsAtRisk == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *r.JobsAtRisk, 10)
	}
	b = append(b, `,"cut_events":`...)
	if r.Events == nil {
		b = append(b, "null"...)
	} else {
		evs, err := json.Marshal(r.Events)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		b = append(b, evs...)
	}
	b = append(b, "}\n"...)
	e.buf = b
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	e.Rows++
	return nil
}

// Flush writes what is buffered.
func (e *NDJSONExport) Flush() error { return e.w.Flush() }
