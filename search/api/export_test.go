package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

func TestGuardCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+44 1709":          "'+44 1709",
		"-2+3":              "'-2+3",
		"@SUM(A1)":          "'@SUM(A1)",
		"\tcmd":             "'\tcmd",
		"\rcmd":             "'\rcmd",
		"Rotherham = cuts":  "Rotherham = cuts",
		"1200":              "1200",
	} {
		if got := GuardCell(in); got != want {
			t.Errorf("GuardCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCSVExport: the header is ExportColumns; quotes, commas and line
// breaks survive a round trip through encoding/csv; a formula is guarded;
// several values join with "; "; a missing figure or date is empty.
func TestCSVExport(t *testing.T) {
	sum := schema.Default.NewSummary()
	sum.AddTerm(tag.Trust, "Guy's & St Thomas'")
	sum.AddTerm(tag.Union, "Unison")
	sum.AddTerm(tag.Union, "GMB")
	published := time.Date(2015, 6, 30, 23, 30, 0, 0, time.FixedZone("", 3600))
	jobs := int64(300)
	in := []ExportRow{
		{ID: "a", Title: "=cmd|' /C calc'!A0", URL: "https://example.org/a?x=1,2", Published: published, Values: sum, Largest: map[string]int64{"jobs": 750},
			JobsAtRisk: &jobs, Events: []tag.CutLink{{Trust: "Guy's & St Thomas'", Jobs: 300, Kind: tag.EventCut}, {AmountGBP: 2e10, Kind: tag.EventSavings}}},
		{ID: "b", Title: "Line one\n\"quoted\", and more", Values: schema.Default.NewSummary()},
	}
	var b bytes.Buffer
	e := NewCSVExport(&b, schema.Default)
	if err := e.Begin(2, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range in {
		if err := e.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := ExportColumns(schema.Default)
	if len(recs) != 3 || !slices.Equal(recs[0], cols) {
		t.Fatalf("records %q", recs)
	}
	col := func(rec []string, name string) string { return rec[slices.Index(cols, name)] }
	a, bb := recs[1], recs[2]
	if col(a, "title") != "'=cmd|' /C calc'!A0" || col(a, "url") != in[0].URL || col(a, "published") != "2015-06-30T22:30:00Z" ||
		col(a, "trust") != "Guy's & St Thomas'" || col(a, "union") != "Unison; GMB" || col(a, "jobs") != "750" || col(a, "amount") != "" ||
		col(a, "jobs_at_risk") != "300" || col(a, "cut_events") != "Guy's & St Thomas': 300 jobs (cut); (no trust): £20000000000 (savings)" {
		t.Errorf("row a: %q", a)
	}
	if col(bb, "title") != in[1].Title || col(bb, "published") != "" || col(bb, "jobs") != "" || col(bb, "jobs_at_risk") != "" || col(bb, "cut_events") != "" {
		t.Errorf("row b: %q", bb)
	}
	if e.Rows != 2 {
		t.Errorf("Rows = %d", e.Rows)
	}
}

func TestNDJSONExport(t *testing.T) {
	sum := schema.Default.NewSummary()
	sum.AddTerm(tag.Place, "Rotherham\u2028")
	sum.AddNumber(tag.Jobs, 12)
	jobs := int64(12)
	var b bytes.Buffer
	e := NewNDJSONExport(&b)
	for _, r := range []ExportRow{
		{ID: "a", Title: `"x"`, Published: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Values: sum, Largest: map[string]int64{"jobs": 12},
			JobsAtRisk: &jobs, Events: []tag.CutLink{{Trust: "T", Jobs: 12, Kind: tag.EventCut}}},
		{ID: "b", Title: "y", Values: schema.Default.NewSummary()},
	} {
		if err := e.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), b.String())
	}
	var first struct {
		ID         string           `json:"id"`
		Title      string           `json:"title"`
		Published  *time.Time       `json:"published"`
		Places     []string         `json:"places"`
		Largest    map[string]int64 `json:"largest"`
		JobsAtRisk *int64           `json:"jobs_at_risk"`
		Events     []tag.CutLink    `json:"cut_events"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.ID != "a" || first.Title != `"x"` || first.Published == nil || first.Published.Year() != 2024 || !slices.Equal(first.Places, []string{"Rotherham\u2028"}) || first.Largest["jobs"] != 12 ||
		first.JobsAtRisk == nil || *first.JobsAtRisk != 12 || !slices.Equal(first.Events, []tag.CutLink{{Trust: "T", Jobs: 12, Kind: tag.EventCut}}) {
		t.Errorf("line 1 = %+v", first)
	}
	var second map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil || second["published"] != nil || second["jobs_at_risk"] != nil || second["cut_events"] != nil {
		t.Errorf("line 2 = %v, %v", second, err)
	}
}
