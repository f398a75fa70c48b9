package relevance

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ids := map[string]bool{"a": true, "b": true}
	good := func() Query {
		return Query{ID: "q1", Kind: "trust", Q: "Barts", Need: "Barts Health cuts", Judgements: map[string]int{"a": 3, "b": 1}}
	}
	for _, tc := range []struct {
		name    string
		queries func() []Query
		want    string // "" for valid
	}{
		{"valid", func() []Query { return []Query{good()} }, ""},
		{"no query", func() []Query { return nil }, "no query"},
		{"unknown article", func() []Query { q := good(); q.Judgements["zz"] = 2; return []Query{q} }, "article zz is not in the corpus"},
		{"grade 0", func() []Query { q := good(); q.Judgements["b"] = 0; return []Query{q} }, "grade 0, want 1, 2 or 3"},
		{"grade 4", func() []Query { q := good(); q.Judgements["b"] = 4; return []Query{q} }, "grade 4"},
		{"nothing relevant", func() []Query { q := good(); q.Judgements = map[string]int{"a": 1}; return []Query{q} }, "no article of grade 2 or more"},
		{"no judgements", func() []Query { q := good(); q.Judgements = nil; return []Query{q} }, "no article of grade 2 or more"},
		{"same id", func() []Query { q, r := good(), good(); r.Q = "Whipps Cross"; return []Query{q, r} }, "id used twice"},
		{"same request", func() []Query { q, r := good(), good(); r.ID = "q2"; r.Q = "  barts "; return []Query{q, r} }, "the same request as query q1"},
		{"same q, other params", func() []Query { q, r := good(), good(); r.ID = "q2"; r.Params = "union=Unison"; return []Query{q, r} }, ""},
		{"no id", func() []Query { q := good(); q.ID = ""; return []Query{q} }, "query #1: no id"},
		{"no kind", func() []Query { q := good(); q.Kind = ""; return []Query{q} }, "no kind"},
		{"no need", func() []Query { q := good(); q.Need = " "; return []Query{q} }, "no need"},
		{"q in params", func() []Query { q := good(); q.Params = "q=x"; return []Query{q} }, "q belongs in the q field"},
		{"bad params", func() []Query { q := good(); q.Params = "union=%zz"; return []Query{q} }, "params"},
	} {
		err := (&Set{Queries: tc.queries()}).Validate(ids)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadRejectsUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(path, []byte(`{"corpus":{"files":["*.txt"]},"queries":[{"id":"a","query":"Barts"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "query") {
		t.Errorf("a misspelt field: err %v, want it refused", err)
	}
}

func TestLoadCorpus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/one.txt", "Barts to cut 600 jobs\n\nBarts Health NHS Trust is to cut 600 jobs.")
	write("a/two.txt", "Published: 2015-03-02\nLeeds to cut jobs\n\nLeeds Teaching Hospitals will cut 300 posts.")
	write("a/notes.md", "not an article")
	arts, err := LoadCorpus(context.Background(), dir, Corpus{Files: []string{"a/*.txt"}, Generated: &Generated{Seed: 1, N: 3}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	if got, want := strings.Join(ids, " "), "one two gen-1-0000000 gen-1-0000001 gen-1-0000002"; got != want {
		t.Fatalf("ids %q, want %q (file names, then the generator's ids)", got, want)
	}
	if !arts[0].Published.IsZero() {
		t.Errorf("an article without a date line is dated %v (its file's time), want undated", arts[0].Published)
	}
	if want := time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC); !arts[1].Published.Equal(want) {
		t.Errorf("an article with a date line is dated %v, want %v", arts[1].Published, want)
	}
	if arts[0].Title != "Barts to cut 600 jobs" || arts[2].Title == "" || arts[2].Published.IsZero() {
		t.Errorf("titles %q, %q; generated date %v: want the first line, the generator's title and date", arts[0].Title, arts[2].Title, arts[2].Published)
	}

	write("b/one.txt", "Another article with the id one.")
	if _, err := LoadCorpus(context.Background(), dir, Corpus{Files: []string{"a/*.txt", "b/*.txt"}}); err == nil || !strings.Contains(err.Error(), `id "one"`) {
		t.Errorf("an id read twice: err %v, want it refused", err)
	}
	if _, err := LoadCorpus(context.Background(), dir, Corpus{Files: []string{"c/*.txt"}}); err == nil || !strings.Contains(err.Error(), "matches no file") {
		t.Errorf("a pattern matching nothing: err %v, want it refused", err)
	}
	write("d/empty.txt", "   ")
	if _, err := LoadCorpus(context.Background(), dir, Corpus{Files: []string{"d/*.txt"}}); err == nil || !strings.Contains(err.Error(), "empty.txt") {
		t.Errorf("a file the reader skips: err %v, want it refused with its name", err)
	}
}
