package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSearchTable(t *testing.T) {
	data := indexSeeds(t)
	code, out, errs := cli(t, "search", "--data", data, "--size", "3", "redundancy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "RANK") || !strings.Contains(lines[0], "TITLE") {
		t.Errorf("no table header:\n%s", out)
	}
	// Ranks 1 to 3, then the total with the page shown.
	for i, want := range []string{"1 ", "2 ", "3 "} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("line %d = %q, want rank %s", i+1, lines[i+1], want)
		}
	}
	for _, want := range []string{
		"4 hits (showing 1–3), took ",
		"facets:",
		"union     Unison (4), Royal College of Nursing (2)",
		// Musgrove Park (Taunton) says redundancies most often and ranks
		// second, after the one whose title says it (Oxford: a title
		// match counts, search.DefaultRanking); its largest amount is
		// £6.5m and it gives no job count.
		seedTaunton,
		"£6.5m   -",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(lines[1], seedOxford) || !strings.Contains(lines[2], seedTaunton) {
		t.Errorf("first hits are not %s (the title says it), %s: %q, %q", seedOxford, seedTaunton, lines[1], lines[2])
	}
	if strings.Contains(out, seedMidYorks) {
		t.Errorf("Mid Yorkshire does not speak of redundancies but was listed:\n%s", out)
	}
}

func TestSearchErrors(t *testing.T) {
	data := indexSeeds(t)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unbalanced quote", []string{"--syntax", "bleve", `"compulsory redundancies`}, 2, "unterminated quote"},
		{"unknown field", []string{"unions:Unison"}, 2, `unknown field "unions"`},
		{"unbalanced bracket", []string{"(nurse", "midwife"}, 2, "missing ')'"},
		{"bad size", []string{"--size", "1000", "nurse"}, 2, "size: must be between 1 and 100"},
		{"negative from", []string{"--from", "-1", "nurse"}, 2, "from: must be 0 or more"},
		{"bad number", []string{"--amount-min", "abc"}, 2, `amount_min: not a number: "abc"`},
		{"unknown sort", []string{"--sort", "title"}, 2, "unknown sort key"},
		{"no index", []string{"--data", filepath.Join(t.TempDir(), "empty"), "nurse"}, 1, "cutwatch index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := cli(t, append([]string{"search", "--data", data}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and a message with %q", code, errs, tt.code, tt.msg)
			}
			if out != "" {
				t.Errorf("stdout not empty on error: %q", out)
			}
		})
	}
}

// TestSearchDatesCSVHistogram: .txt articles dated by their front-matter
// line are filtered by --published-from/--published-to, counted per year by
// --histogram, and printed whole by --csv (dates, a guarded formula).
func TestSearchDatesCSVHistogram(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"a.txt": "Published: 2011-03-05\nUnison says 40 porters' jobs will go at Leeds General Infirmary.",
		"b.txt": "Published: 2015-07-20T09:00:00+01:00\nThe GMB warns 120 nurses' jobs are at risk at Leeds Teaching Hospitals NHS Trust, which must save £5m.",
		"c.txt": "Published: 2015-12-31\n=1+1 as Unite says 15 jobs are cut.",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errs := cli(t, "index", "--data", data, dir); code != 0 {
		t.Fatalf("index: exit %d: %s", code, errs)
	}
	if res := searchJSON(t, data, "--published-from", "2012-01-01", "--published-to", "2015-12-31"); res.Total != 2 {
		t.Errorf("2012–2015: %d hits, want 2", res.Total)
	}
	code, out, errs := cli(t, "search", "--data", data, "--histogram", "year")
	if code != 0 || !strings.Contains(out, "per year:") || !regexp.MustCompile(`2011-01-01\s+1\s+`).MatchString(out) || !regexp.MustCompile(`2015-01-01\s+2\s+120\s+£5m`).MatchString(out) {
		t.Errorf("histogram: exit %d, stderr %s\n%s", code, errs, out)
	}
	code, out, errs = cli(t, "search", "--data", data, "--csv")
	if code != 0 {
		t.Fatalf("--csv: exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("--csv: %d records, %v:\n%s", len(recs), err, out)
	}
	byID := map[string][]string{}
	for _, r := range recs[1:] {
		byID[r[0]] = r
	}
	if byID["a"][3] != "2011-03-05T00:00:00Z" || byID["b"][3] != "2015-07-20T08:00:00Z" || !strings.HasPrefix(byID["c"][1], "'=1+1") {
		t.Errorf("--csv rows %q", recs)
	}
	if code, _, errs := cli(t, "search", "--data", data, "--csv", "--json"); code != 2 || !strings.Contains(errs, "cannot be combined") {
		t.Errorf("--csv --json: exit %d, %s", code, errs)
	}
	if code, _, errs := cli(t, "search", "--data", data, "--published-to", "soon"); code != 2 || !strings.Contains(errs, "published_to: not a date") {
		t.Errorf("bad date: exit %d, %s", code, errs)
	}
}

// TestSearchServer: while serve holds --data locked, search --server asks
// its JSON API instead and prints the same table, JSON and CSV as a search
// of the index; the server's 400 is a usage error with its message.
func TestSearchServer(t *testing.T) {
	data := t.TempDir()
	addr, stop := startServe(t, defaultServeConfig(data))
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + addr

	// The index is locked: the message points to --server.
	code, _, errs := cli(t, "search", "--data", data, "redundancy")
	if code == 0 || !strings.Contains(errs, "--server") {
		t.Errorf("search of a served --data: exit %d, stderr %q; want a failure naming --server", code, errs)
	}

	code, out, errs := cli(t, "search", "--server", base, "--size", "3", "redundancy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"RANK", "4 hits (showing 1–3), took ", "union     Unison (4), Royal College of Nursing (2)", seedTaunton} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The simple syntax's typo tolerance and aliases, through the server.
	code, out, errs = cli(t, "search", "--server", base+"/", "--json", "RCN")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"total": 2`) || !strings.Contains(out, `"value": "Royal College of Nursing"`) {
		t.Errorf("--json RCN: want 2 hits and the entity named:\n%s", out)
	}
	code, out, errs = cli(t, "search", "--server", base, "--csv", "--union", "unison")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Errorf("--csv --union unison: %d rows (%v), want a header and 4 articles:\n%s", len(rows), err, out)
	}
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"unions:Unison"}, `unknown field "unions"`},
		{[]string{"--syntax", "bleve", `"unbalanced`}, "unterminated quote"},
	} {
		code, out, errs := cli(t, append([]string{"search", "--server", base}, tt.args...)...)
		if code != 2 || !strings.Contains(errs, tt.msg) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errs, tt.msg)
		}
	}
	if code, _, errs := cli(t, "search", "--server", "ftp://x", "a"); code != 2 || !strings.Contains(errs, "--server") {
		t.Errorf("--server ftp://x: exit %d, stderr %q", code, errs)
	}
}
