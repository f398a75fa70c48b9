package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTagCommandBadFilesAndJSON(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	missing := filepath.Join(dir, "missing.txt")
	if err := os.WriteFile(good, []byte("Unison says The Rotherham NHS Foundation Trust will cut 750 jobs to save £50m."), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("Unison \xff\xfe"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	err := runTag(&out, &errw, []string{missing, good, bad}, true)
	if err == nil {
		t.Fatal("runTag with a missing and an invalid file returned no error")
	}
	for _, name := range []string{missing, bad} {
		if !strings.Contains(errw.String(), name) {
			t.Errorf("stderr does not name %s:\n%s", name, errw.String())
		}
	}
	if !strings.Contains(errw.String(), "not valid UTF-8") || !strings.Contains(errw.String(), "no such file") {
		t.Errorf("stderr does not give the reasons:\n%s", errw.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want 1 JSON line for the good file, got %d:\n%s", len(lines), out.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"file", "trusts", "unions", "amounts_gbp", "jobs", "people", "places", "hospitals", "entities"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("JSON lacks key %q: %s", k, lines[0])
		}
	}
	if rec["file"] != good {
		t.Errorf("file = %v, want %s", rec["file"], good)
	}
	if got := rec["trusts"].([]any); len(got) != 1 || got[0] != "Rotherham NHS Foundation Trust" {
		t.Errorf("trusts = %v", got)
	}
	if got := rec["jobs"].([]any); len(got) != 1 || got[0] != 750.0 {
		t.Errorf("jobs = %v", got)
	}
	ents := rec["entities"].([]any)
	first := ents[0].(map[string]any)
	for _, k := range []string{"type", "value", "text", "start", "end"} {
		if _, ok := first[k]; !ok {
			t.Errorf("entity lacks %q: %v", k, first)
		}
	}
}

func TestTagCommandTable(t *testing.T) {
	var out, errw bytes.Buffer
	if err := runTag(&out, &errw, []string{"../../seeds/002_8c9206d03b6f824e.txt"}, false); err != nil {
		t.Fatalf("runTag: %v (%s)", err, errw.String())
	}
	s := out.String()
	for _, want := range []string{"TYPE", "VALUE", "START", "Oxford Radcliffe Hospitals NHS Trust", "Mark Ladbrooke", "44000000"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
}

func TestEvalCommand(t *testing.T) {
	var out bytes.Buffer
	if err := runEval(&out, "../../index/tag/testdata/dev/gold.json", "../../index/tag/testdata/dev", true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"key", "trusts", "hospitals", "overall", "macro F1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	// JSONL gold with inline text needs no --dir.
	gold := filepath.Join(t.TempDir(), "gold.jsonl")
	line := `{"id": "x1", "text": "Unison said 750 jobs would go at Rotherham NHS Foundation Trust.", "unions": ["Unison"], "jobs": [750], "trusts": ["Rotherham NHS Foundation Trust"]}` + "\n"
	if err := os.WriteFile(gold, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runEval(&out, gold, "", false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "overall          3     0     0") || strings.Contains(out.String(), "Misses by class") {
		t.Errorf("inline JSONL gold not scored as expected (no misses):\n%s", out.String())
	}
	// A miss and a false positive are listed under their classes.
	line = `{"id": "x2", "text": "Unison said 750 jobs would go at Rotherham NHS Foundation Trust.", "unions": ["Unison"], "jobs": [75], "trusts": ["Rotherham NHS Foundation Trust"]}` + "\n"
	if err := os.WriteFile(gold, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runEval(&out, gold, "", false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Misses by class", "jobs: 1 missed, 1 false positive\n", "  MISS   1x 75: x2\n", `  FP     1x 750 (as "750"): x2`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, out.String())
		}
	}
	if err := runEval(&out, filepath.Join(t.TempDir(), "nope.json"), "", false); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Errorf("missing gold file: error %v does not name it", err)
	}
}

// TestTagJSONL: 'tag a.jsonl' tags each article's text, with offsets into
// that text, not into the JSON line.
func TestTagJSONL(t *testing.T) {
	text := "Unison says 30 porters at Royal Bolton Hospital will lose their posts."
	f := filepath.Join(t.TempDir(), "a.jsonl")
	body := `{"id": "j1", "title": "Bolton", "text": "` + text + `"}` + "\n" + `{"id": "j2", "text": "GMB members at Salford Royal face cuts."}` + "\n"
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if err := runTag(&out, &errw, []string{f}, true); err != nil {
		t.Fatalf("runTag: %v (%s)", err, errw.String())
	}
	dec := json.NewDecoder(&out)
	var recs []tagRecord
	for dec.More() {
		var r struct {
			File     string      `json:"file"`
			ID       string      `json:"id"`
			Line     int         `json:"line"`
			Entities []tagEntity `json:"entities"`
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, tagRecord{File: r.File, ID: r.ID, Line: r.Line, Entities: r.Entities})
	}
	if len(recs) != 2 || recs[0].ID != "j1" || recs[0].Line != 1 || recs[1].ID != "j2" || recs[1].Line != 2 {
		t.Fatalf("records %+v, want j1 (line 1) and j2 (line 2)", recs)
	}
	if len(recs[0].Entities) == 0 {
		t.Fatal("no entities in j1")
	}
	for _, e := range recs[0].Entities {
		if e.End > len(text) || text[e.Start:e.End] != e.Text {
			t.Errorf("entity %+v: offsets do not point into the article's text", e)
		}
	}
}
