package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/bench/relevance"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/web"
)

// subsetSet writes a small judged set for the tests: the shipped set's
// queries over a slice of its corpus (the seeds, two dev2 articles and the
// first 40 generated ones), each query keeping its judgements of those
// articles, and only the queries with one of grade 2 or more left.
func subsetSet(t *testing.T) string {
	t.Helper()
	shipped, err := relevance.Load("../../bench/relevance/queries.json")
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	sub := relevance.Set{Corpus: relevance.Corpus{
		Files:     []string{abs("../../seeds/*.txt"), abs("../../index/tag/testdata/dev2/dev2_0[19]_*.txt")},
		Generated: &relevance.Generated{Seed: 1, N: 40},
	}}
	dir := t.TempDir()
	arts, err := relevance.LoadCorpus(context.Background(), dir, sub.Corpus)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, a := range arts {
		in[a.ID] = true
	}
	for _, q := range shipped.Queries {
		j, best := map[string]int{}, 0
		for id, g := range q.Judgements {
			if in[id] {
				j[id], best = g, max(best, g)
			}
		}
		if best >= relevance.Relevant {
			q.Judgements = j
			sub.Queries = append(sub.Queries, q)
		}
	}
	if len(sub.Queries) < 10 {
		t.Fatalf("only %d queries of the shipped set judge the subset", len(sub.Queries))
	}
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "queries.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// direct is one query scored independently of bench/relevance: searched
// over HTTP on a real server, with nDCG@10 and the first relevant rank
// computed here from the formulas.
type direct struct {
	ndcg  float64
	rank  int
	total uint64
}

func scoreOverHTTP(t *testing.T, set *relevance.Set) []direct {
	t.Helper()
	arts, err := relevance.LoadCorpus(context.Background(), set.Dir, set.Corpus)
	if err != nil {
		t.Fatal(err)
	}
	x, err := relevance.Build(context.Background(), t.TempDir(), indextest.Tagger(t), arts)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	srv := httptest.NewServer(web.New(x.Service, web.Options{Logger: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	var out []direct
	for _, q := range set.Queries {
		v, err := q.Values()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/api/search?" + v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Total uint64 `json:"total"`
			Hits  []struct {
				ID     string `json:"id"`
				AlsoIn []struct {
					ID string `json:"id"`
				} `json:"also_in"`
			} `json:"hits"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("query %s: status %d, %v", q.ID, resp.StatusCode, err)
		}
		d := direct{total: body.Total}
		var dcg float64
		for i, h := range body.Hits {
			if i == 10 {
				break
			}
			g := q.Judgements[h.ID]
			for _, c := range h.AlsoIn {
				g = max(g, q.Judgements[c.ID])
			}
			dcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
			if g >= 2 && d.rank == 0 {
				d.rank = i + 1
			}
		}
		var ideal []int
		for _, g := range q.Judgements {
			ideal = append(ideal, g)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
		var idcg float64
		for i, g := range ideal {
			if i == 10 {
				break
			}
			idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
		}
		d.ndcg = dcg / idcg
		out = append(out, d)
	}
	return out
}

// TestEvalQueries runs 'cutwatch eval --queries' end to end on a small
// subset of the judged set and checks that the figures it prints are the
// ones computed directly: each query searched through the HTTP API of a
// real server on the same corpus, and nDCG@10, MRR@10 and the zero-result
// rate worked out here from the hits.
func TestEvalQueries(t *testing.T) {
	path := subsetSet(t)
	set, err := relevance.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := scoreOverHTTP(t, set)
	var sumNDCG, sumRR float64
	zero := 0
	for _, d := range want {
		sumNDCG += d.ndcg
		if d.rank > 0 {
			sumRR += 1 / float64(d.rank)
		}
		if d.total == 0 {
			zero++
		}
	}
	n := float64(len(want))

	var text bytes.Buffer
	if err := runEvalQueries(context.Background(), &text, path, true, false, nil); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, line := range []string{
		fmt.Sprintf("%d queries over 47 articles", len(set.Queries)),
		fmt.Sprintf("nDCG@10           %.4f", sumNDCG/n),
		fmt.Sprintf("MRR@10            %.4f", sumRR/n),
		fmt.Sprintf("zero-result rate  %.4f  (%d of %d queries)", float64(zero)/n, zero, len(want)),
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("eval --queries printed no line %q:\n%s", line, out)
		}
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 6 {
			rows[f[0]] = f
		}
	}
	for i, q := range set.Queries {
		row := rows[q.ID]
		first := "-"
		if want[i].rank > 0 {
			first = strconv.Itoa(want[i].rank)
		}
		if row == nil || row[2] != fmt.Sprintf("%.4f", want[i].ndcg) || row[3] != first || row[4] != strconv.FormatUint(want[i].total, 10) {
			t.Errorf("query %s: printed %v, want nDCG %.4f, first relevant %s, %d hits", q.ID, row, want[i].ndcg, first, want[i].total)
		}
	}

	var js bytes.Buffer
	if err := runEvalQueries(context.Background(), &js, path, false, true, nil); err != nil {
		t.Fatal(err)
	}
	var rep relevance.Report
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, js.String())
	}
	if math.Abs(rep.NDCG-sumNDCG/n) > 1e-9 || math.Abs(rep.MRR-sumRR/n) > 1e-9 || rep.Zero != zero || len(rep.Results) != len(want) {
		t.Errorf("--json: nDCG %v MRR %v zero %d over %d results; want %v, %v, %d over %d",
			rep.NDCG, rep.MRR, rep.Zero, len(rep.Results), sumNDCG/n, sumRR/n, zero, len(want))
	}

	// --grid: the row of the server's own ranking (the default) scores
	// as the server does; the other row is another ranking.
	g, err := relevance.ParseGrid(fmt.Sprintf("title=0,%g", search.DefaultRanking.Title))
	if err != nil {
		t.Fatal(err)
	}
	var gj bytes.Buffer
	if err := runEvalQueries(context.Background(), &gj, path, false, true, &g); err != nil {
		t.Fatal(err)
	}
	var grid []relevance.GridRow
	if err := json.Unmarshal(gj.Bytes(), &grid); err != nil {
		t.Fatalf("--grid --json: %v\n%s", err, gj.String())
	}
	if len(grid) != 2 || grid[0].Ranking.Title != 0 || grid[1].Ranking != search.DefaultRanking {
		t.Fatalf("--grid title=0,%g: rankings %+v, want title 0 and the default", search.DefaultRanking.Title, grid)
	}
	if d := grid[1]; math.Abs(d.NDCG-sumNDCG/n) > 1e-9 || math.Abs(d.MRR-sumRR/n) > 1e-9 || d.Zero != zero {
		t.Errorf("--grid: the default ranking's row nDCG %v MRR %v zero %d; want %v, %v, %d", d.NDCG, d.MRR, d.Zero, sumNDCG/n, sumRR/n, zero)
	}
}

func TestEvalQueriesErrors(t *testing.T) {
	for _, args := range [][]string{{"--json"}, {"--json", "--gen", "5"}, {"--grid", "title=0"}, {"--queries", "q.json", "--grid", "title=x"}, {"--queries", "q.json", "--grid", "boost=1"}} {
		if err := evalCommand().ParseAndRun(context.Background(), args); !errors.Is(err, errUsage) {
			t.Errorf("eval %v: %v, want a usage error", args, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(bad, []byte(`{"corpus":{"generated":{"seed":1,"n":3}},"queries":[{"id":"a","kind":"trust","q":"Barts","need":"x","judgements":{"nope":3}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := evalCommand().ParseAndRun(context.Background(), []string{"--queries", bad})
	if err == nil || !strings.Contains(err.Error(), "article nope is not in the corpus") {
		t.Errorf("a set judging an article its corpus lacks: %v, want it refused before any search", err)
	}
}
