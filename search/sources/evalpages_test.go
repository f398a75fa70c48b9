package sources

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readabilityPages is the test-pages folder of the go-readability module
// the build uses (in the module cache: the go command puts it there).
func readabilityPages(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "codeberg.org/readeck/go-readability/v2").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list the go-readability module: %v %s", err, out)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "test-pages")
}

// TestExtractOnReadabilityTestPages measures Extract against the
// real-world pages that ship with go-readability (Mozilla's Readability
// test suite, with the expected article text of each): the mean word F1
// must be at least 0.9. The figures are in BENCHMARKS.md.
func TestExtractOnReadabilityTestPages(t *testing.T) {
	rep, err := EvalPages(readabilityPages(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Pages) < 100 {
		t.Fatalf("%d test pages, want the 130 or so of go-readability", len(rep.Pages))
	}
	for _, s := range rep.Pages {
		if s.F1 < 0.8 || testing.Verbose() {
			t.Logf("%-45s F1 %.3f (P %.3f R %.3f) title %v date %v/%v %v", s.Name, s.F1, s.Precision, s.Recall, s.TitleOK, s.DateOK, s.DateWant, s.Err)
		}
	}
	t.Logf("%d pages: mean word F1 %.4f (P %.4f, R %.4f), median %.4f; titles %d/%d; dates on the day %d/%d (found %d); failed %d",
		len(rep.Pages), rep.MeanF1, rep.MeanP, rep.MeanR, rep.MedianF1, rep.TitlesOK, rep.Titles, rep.DatesOK, rep.Dates, rep.DatesAny, rep.Failed)
	if rep.MeanF1 < 0.9 {
		t.Errorf("mean word F1 %.4f, want at least 0.9", rep.MeanF1)
	}
}

func TestWordF1(t *testing.T) {
	cases := []struct {
		got, want string
		f1        float64
	}{
		{"a b c", "a b c", 1},
		{"a b", "a b c d", 2 * (1 * 0.5) / 1.5},
		{"x y", "a b", 0},
		{"A, b!", "a b", 1},
	}
	for _, c := range cases {
		if _, _, f := wordF1(words(c.got), words(c.want)); f < c.f1-1e-9 || f > c.f1+1e-9 {
			t.Errorf("wordF1(%q, %q) = %v, want %v", c.got, c.want, f, c.f1)
		}
	}
}
