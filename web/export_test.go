package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// exportCorpus is the size of the generated corpus of TestExportAll.
const exportCorpus = 10_000

// formulaID is the corpus's one article whose title is a formula.
const formulaID = "formula-1"

// TestExportAll exports every article of a generated corpus of 10,000
// (one of them titled with a formula) through GET /api/export: the CSV
// parses with encoding/csv and with Python's csv module, its rows are the
// search's total, in id order, each once; the formula cell is guarded;
// the NDJSON lines parse; a cap cuts the export and says so. The corpus is
// indexed once, for all of these.
func TestExportAll(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 10,000 articles: not in -short")
	}
	ctx := context.Background()
	start := time.Now()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: indextest.Tagger(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	g, err := gen.New(16)
	if err != nil {
		t.Fatal(err)
	}
	batch := []api.Article{{ID: formulaID, Title: `=HYPERLINK("http://evil.example","click")`, Text: "Unison says 40 porters' jobs are at risk at the trust, in a story whose title is a formula."}}
	for i := range exportCorpus - 1 {
		a := g.Article(i)
		batch = append(batch, api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
		if len(batch) == 1000 || i == exportCorpus-2 {
			if _, err := w.Put(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	t.Logf("indexed %d articles in %s", exportCorpus, time.Since(start).Round(time.Millisecond))
	svc := search.New(w.Index(), search.OnWriter(w, search.Options{}))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	hs := httptest.NewServer(New(svc, Options{Logger: quiet}).Handler())
	defer hs.Close()
	capped := httptest.NewServer(New(svc, Options{Logger: quiet, ExportMax: 1234}).Handler())
	defer capped.Close()

	get := func(t *testing.T, base, query string) (*http.Response, []byte) {
		t.Helper()
		resp, err := http.Get(base + "/api/export?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	total := func(t *testing.T, query string) uint64 {
		t.Helper()
		res, err := svc.Search(ctx, mustParse(t, query))
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}

	t.Run("csv", func(t *testing.T) {
		resp, body := get(t, hs.URL, "")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cd := resp.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="cutwatch-\d{4}-\d\d-\d\d\.csv"$`).MatchString(cd) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if resp.Header.Get("X-Export-Truncated") != "" || resp.Header.Get("X-Export-Total") != strconv.Itoa(exportCorpus) {
			t.Errorf("X-Export-Total %q, X-Export-Truncated %q", resp.Header.Get("X-Export-Total"), resp.Header.Get("X-Export-Truncated"))
		}
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		cols := api.ExportColumns(schema.Default)
		if !slices.Equal(recs[0], cols) {
			t.Fatalf("header %q, want %q", recs[0], cols)
		}
		rows := recs[1:]
		if n := total(t, ""); uint64(len(rows)) != n || n != exportCorpus {
			t.Fatalf("%d rows, search total %d, corpus %d", len(rows), n, exportCorpus)
		}
		ids := make([]string, len(rows))
		dated := 0
		for i, r := range rows {
			ids[i] = r[0]
			if r[3] != "" {
				dated++
			}
			if r[0] == formulaID && r[1] != `'=HYPERLINK("http://evil.example","click")` {
				t.Errorf("formula title exported as %q", r[1])
			}
			for j, c := range r {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("row %d column %s starts with %q: %q", i, cols[j], c[0], c)
				}
			}
		}
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Error("rows not in id order, or an id twice")
		}
		if dated != exportCorpus-1 {
			t.Errorf("%d rows with a date, want %d", dated, exportCorpus-1)
		}
		checkWithPython(t, body, exportCorpus, formulaID, `'=HYPERLINK("http://evil.example","click")`)
	})

	t.Run("filtered ndjson", func(t *testing.T) {
		q := "q=unison&published_from=2010-06-01&published_to=2012-12-31&format=ndjson"
		resp, body := get(t, hs.URL, q)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("status %d, type %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var row struct {
				ID         string          `json:"id"`
				Published  string          `json:"published"`
				JobsAtRisk *int64          `json:"jobs_at_risk"`
				Events     json.RawMessage `json:"cut_events"`
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("line %d: %v: %s", n+1, err, sc.Bytes())
			}
			if row.Published < "2010-06-01" || row.Published >= "2013-01-01" {
				t.Errorf("line %d: published %q outside the dates", n+1, row.Published)
			}
			if row.JobsAtRisk == nil || len(row.Events) == 0 || row.Events[0] != '[' {
				t.Errorf("line %d: jobs at risk %v, cut events %s", n+1, row.JobsAtRisk, row.Events)
			}
			n++
		}
		if want := total(t, q); uint64(n) != want || n == 0 {
			t.Fatalf("%d lines, search total %d", n, want)
		}
	})

	t.Run("capped", func(t *testing.T) {
		resp, body := get(t, capped.URL, "")
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs)-1 != 1234 || resp.Header.Get("X-Export-Truncated") != "true" || resp.Header.Get("X-Export-Limit") != "1234" || resp.Header.Get("X-Export-Total") != strconv.Itoa(exportCorpus) {
			t.Fatalf("%d rows; headers %v", len(recs)-1, resp.Header)
		}
	})

	t.Run("bad", func(t *testing.T) {
		for _, q := range []string{"format=xlsx", "published_from=yesterday", "q=%28unison"} {
			if resp, body := get(t, hs.URL, q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"error"`) {
				t.Errorf("%s: status %d: %.200s", q, resp.StatusCode, body)
			}
		}
	})
}

func mustParse(t *testing.T, query string) api.Request {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	req, err := api.ParseRequest(schema.Default, v)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// checkWithPython parses the CSV with Python's csv module: it must find
// the header and n rows of the header's width, and the cell want in the
// title of the row of id. Without python3 the check is skipped loudly,
// and fails when CUTWATCH_REQUIRE_PYTHON=1 (CI).
func checkWithPython(t *testing.T, data []byte, n int, id, want string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CUTWATCH_REQUIRE_PYTHON") == "1" {
			t.Fatal("python3 not found and CUTWATCH_REQUIRE_PYTHON=1")
		}
		t.Skip("SKIPPED: python3 not found: the CSV export was not parsed with Python's csv module (CUTWATCH_REQUIRE_PYTHON=1 makes this fail)")
	}
	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f, strict=True))
header, body = rows[0], rows[1:]
widths = sorted({len(r) for r in body})
title = [r[1] for r in body if r[0] == sys.argv[2]]
print(json.dumps({"rows": len(body), "width": len(header), "widths": widths, "title": title}))
`
	out, err := exec.Command(py, "-c", script, file, id).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got struct {
		Rows   int      `json:"rows"`
		Width  int      `json:"width"`
		Widths []int    `json:"widths"`
		Title  []string `json:"title"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python3 said %s: %v", out, err)
	}
	if got.Rows != n || !slices.Equal(got.Widths, []int{got.Width}) || !slices.Equal(got.Title, []string{want}) {
		t.Fatalf("Python's csv read %s, want %d rows of one width and title %q", fmt.Sprint(got), n, want)
	}
}
