package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/tag/eval"
)

// TestGenThenEval generates a small corpus with 'cutwatch gen' and scores
// the tagger on it with 'cutwatch eval --gold FILE.jsonl' (no --dir): every
// gold value of the corpus must be counted as found or missed, and the
// tagger must find most of them.
func TestGenThenEval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.jsonl")
	if code := run(context.Background(), []string{"gen", "--n", "40", "--seed", "3", "--out", path}); code != 0 {
		t.Fatalf("gen exit code %d", code)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gold, lines := 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines++
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"trusts", "unions", "amounts_gbp", "jobs", "people", "places", "hospitals"} {
			var vs []any
			if err := json.Unmarshal(m[k], &vs); err != nil {
				t.Fatalf("line %d: %s: %v", lines, k, err)
			}
			gold += len(vs)
		}
	}
	if lines != 40 {
		t.Fatalf("%d lines, want 40", lines)
	}

	var out bytes.Buffer
	if err := runEval(&out, path, "", false); err != nil {
		t.Fatal(err)
	}
	var overall []string
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) == 7 && f[0] == "overall" {
			overall = f
		}
	}
	if overall == nil {
		t.Fatalf("no overall line:\n%s", out.String())
	}
	tp, _ := strconv.Atoi(overall[1])
	fn, _ := strconv.Atoi(overall[3])
	f1, _ := strconv.ParseFloat(overall[6], 64)
	if tp+fn != gold {
		t.Errorf("TP %d + FN %d = %d, want the %d gold values of the corpus", tp, fn, tp+fn, gold)
	}
	if f1 < 0.9 {
		t.Errorf("overall F1 %.3f on generated articles, want at least 0.9:\n%s", f1, out.String())
	}
}

func TestGenUsage(t *testing.T) {
	if code := run(context.Background(), []string{"gen", "--n", "10"}); code != 2 {
		t.Errorf("gen without --out: exit code %d, want 2", code)
	}
}

// TestEvalGen: eval --gen scores generated articles against the
// generator's truth, cut-event links included, and their counts add up to
// the links the generator wrote.
func TestEvalGen(t *testing.T) {
	const n, seed = 60, 3
	g, err := gen.New(seed)
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]int{}
	for i := range n {
		for _, e := range g.Article(i).Events {
			key, _ := eval.EventKey(e)
			links[key]++
		}
	}
	var out bytes.Buffer
	if err := runEvalGen(&out, n, seed, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d generated articles (seed %d)", n, seed)) ||
		!strings.Contains(out.String(), fmt.Sprintf("on the %d annotated articles", n)) {
		t.Fatalf("report:\n%s", out.String())
	}
	for _, key := range eval.EventKeys {
		var row []string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, key+" ") {
				row = strings.Fields(strings.TrimPrefix(l, key))
			}
		}
		if len(row) != 6 {
			t.Fatalf("no %s row:\n%s", key, out.String())
		}
		tp, _ := strconv.Atoi(row[0])
		fn, _ := strconv.Atoi(row[2])
		f1, _ := strconv.ParseFloat(row[5], 64)
		if tp+fn != links[key] || f1 < 0.85 {
			t.Errorf("%s: TP %d + FN %d, want the %d links generated; F1 %.3f", key, tp, fn, links[key], f1)
		}
	}
	if err := evalCommand().ParseAndRun(context.Background(), []string{"--gen", "-1"}); !errors.Is(err, errUsage) {
		t.Errorf("eval --gen -1: %v, want a usage error", err)
	}
}
