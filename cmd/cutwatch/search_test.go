package main

import (
	"path/filepath"
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
		// first; its largest amount is £6.5m and it gives no job count.
		seedTaunton,
		"£6.5m   -",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(lines[1], seedTaunton) {
		t.Errorf("first hit is not %s: %q", seedTaunton, lines[1])
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
		{"unbalanced quote", []string{`"compulsory redundancies`}, 2, "unterminated quote"},
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
