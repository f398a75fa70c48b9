package relevance

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// Hand-computed: log2(3) = 1.5849625, log2(5) = 2.3219281, log2(4) = 2.
const (
	inv2 = 1 / 1.584962500721156 // 1/log2(3)
	inv4 = 1 / 2.321928094887362 // 1/log2(5)
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestGain(t *testing.T) {
	for g, want := range map[int]float64{-1: 0, 0: 0, 1: 1, 2: 3, 3: 7} {
		if got := Gain(g); got != want {
			t.Errorf("Gain(%d) = %v, want %v", g, got, want)
		}
	}
}

func TestDCG(t *testing.T) {
	for _, tc := range []struct {
		name   string
		grades []int
		k      int
		want   float64
	}{
		{"empty", nil, 10, 0},
		{"one perfect hit", []int{3}, 10, 7},
		{"graded", []int{3, 2, 0, 1}, 10, 7 + 3*inv2 + 1*inv4},
		{"cut at k", []int{3, 2, 0, 1}, 2, 7 + 3*inv2},
		{"relevant only at rank 2", []int{0, 3}, 10, 7 * inv2},
		{"k zero", []int{3}, 0, 0},
	} {
		if got := DCG(tc.grades, tc.k); !near(got, tc.want) {
			t.Errorf("%s: DCG(%v, %d) = %.9f, want %.9f", tc.name, tc.grades, tc.k, got, tc.want)
		}
	}
}

func TestNDCG(t *testing.T) {
	twelve := map[string]int{}
	for _, id := range strings.Fields("a b c d e f g h i j k l") {
		twelve[id] = 1
	}
	var ten float64 // the ideal of twelve grade-1 judgements at k = 10
	for i := 1; i <= 10; i++ {
		ten += 1 / math.Log2(float64(i+1))
	}
	for _, tc := range []struct {
		name       string
		grades     []int
		judgements map[string]int
		want       float64
	}{
		{"ideal order", []int{3, 2, 1}, map[string]int{"a": 1, "b": 3, "c": 2}, 1},
		{"reversed", []int{1, 2, 3}, map[string]int{"a": 1, "b": 3, "c": 2},
			(1 + 3*inv2 + 7*0.5) / (7 + 3*inv2 + 1*0.5)},
		{"first relevant second", []int{0, 3}, map[string]int{"x": 3}, inv2},
		{"nothing found", nil, map[string]int{"x": 3}, 0},
		{"nothing judged", []int{0, 0}, map[string]int{}, 0},
		{"ideal cut at 10", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, twelve, 1},
		{"half the ideal's hits", []int{1, 1, 1, 1, 1}, twelve, (1 + inv2 + 0.5 + inv4 + 1/math.Log2(6)) / ten},
	} {
		if got := NDCG(tc.grades, tc.judgements, K); !near(got, tc.want) {
			t.Errorf("%s: NDCG = %.9f, want %.9f", tc.name, got, tc.want)
		}
	}
}

func TestFirstRelevant(t *testing.T) {
	eleven := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}
	for _, tc := range []struct {
		grades   []int
		min, k   int
		want     int
		wantRecp float64
	}{
		{[]int{1, 1, 2, 3}, 2, 10, 3, 1.0 / 3},
		{[]int{3}, 2, 10, 1, 1},
		{[]int{1, 1}, 2, 10, 0, 0},
		{eleven, 2, 10, 0, 0},
		{eleven, 2, 11, 11, 1.0 / 11},
		{nil, 2, 10, 0, 0},
	} {
		got := FirstRelevant(tc.grades, tc.min, tc.k)
		if got != tc.want {
			t.Errorf("FirstRelevant(%v, %d, %d) = %d, want %d", tc.grades, tc.min, tc.k, got, tc.want)
		}
		if r := ReciprocalRank(got); !near(r, tc.wantRecp) {
			t.Errorf("ReciprocalRank(%d) = %v, want %v", got, r, tc.wantRecp)
		}
	}
}

func TestScore(t *testing.T) {
	q := Query{ID: "x", Q: "barts", Judgements: map[string]int{"a": 3, "b": 1, "dup": 2}}
	hits := []api.Hit{{ID: "z"}, {ID: "b"}, {ID: "c", AlsoIn: []api.AlsoIn{{ID: "dup"}, {ID: "y"}}}, {ID: "a"}}
	for range 10 {
		hits = append(hits, api.Hit{ID: "filler"})
	}
	r := Score(q, &api.Result{Total: 42, Hits: hits})
	wantGrades := []int{0, 1, 2, 3, 0, 0, 0, 0, 0, 0}
	if len(r.Grades) != K || len(r.Hits) != K {
		t.Fatalf("scored %d hits (%v), want the first %d", len(r.Grades), r.Hits, K)
	}
	for i, g := range wantGrades {
		if r.Grades[i] != g {
			t.Fatalf("grades %v, want %v (a story of near-duplicates counts with its best copy)", r.Grades, wantGrades)
		}
	}
	want := (1*inv2 + 3*0.5 + 7*inv4) / (7 + 3*inv2 + 1*0.5)
	if !near(r.NDCG, want) || r.Rank != 3 || r.Total != 42 {
		t.Errorf("score %+v, want nDCG %.6f, first relevant rank 3, total 42", r, want)
	}
}

// fixedSearcher answers each q with the hits listed for it and records the
// requests it was asked: the aggregation and the parsing of Run are tested
// here, the real search end to end in cmd/cutwatch (TestEvalQueries).
type fixedSearcher struct {
	hits map[string][]string
	reqs []api.Request
}

func (f *fixedSearcher) Schema() *schema.Schema { return schema.Default }

func (f *fixedSearcher) Search(_ context.Context, req api.Request) (*api.Result, error) {
	f.reqs = append(f.reqs, req)
	res := &api.Result{}
	for _, id := range f.hits[req.Q] {
		res.Hits = append(res.Hits, api.Hit{ID: id})
	}
	res.Total = uint64(len(res.Hits))
	return res, nil
}

func TestRun(t *testing.T) {
	set := &Set{Queries: []Query{
		{ID: "perfect", Q: "a", Judgements: map[string]int{"x": 3}},
		{ID: "second", Q: "b", Params: "union=Unison&size=10", Judgements: map[string]int{"x": 3}},
		{ID: "none", Q: "c", Judgements: map[string]int{"x": 2}},
		{ID: "only mentions", Q: "d", Judgements: map[string]int{"x": 2, "m": 1}},
	}}
	s := &fixedSearcher{hits: map[string][]string{"a": {"x"}, "b": {"w", "x"}, "d": {"m"}}}
	rep, err := Run(context.Background(), s, set, 7)
	if err != nil {
		t.Fatal(err)
	}
	nd := []float64{1, inv2, 0, 1 / (3 + inv2)}
	wantNDCG := (nd[0] + nd[1] + nd[2] + nd[3]) / 4
	wantMRR := (1 + 0.5 + 0 + 0) / 4
	if !near(rep.NDCG, wantNDCG) || !near(rep.MRR, wantMRR) || rep.ZeroRate != 0.25 || rep.Zero != 1 || rep.Queries != 4 || rep.Articles != 7 {
		t.Errorf("report %+v, want nDCG %.6f, MRR %.6f, zero-result rate 0.25", rep, wantNDCG, wantMRR)
	}
	for i, r := range rep.Results {
		if !near(r.NDCG, nd[i]) {
			t.Errorf("query %s: nDCG %.6f, want %.6f", r.ID, r.NDCG, nd[i])
		}
	}
	if got := s.reqs[1]; got.Q != "b" || len(got.Filters["union"]) != 1 || got.Filters["union"][0] != "Unison" {
		t.Errorf("the second query was searched as %+v, want q=b with the union filter of its params", got)
	}

	bad := &Set{Queries: []Query{{ID: "bad", Q: "a", Params: "size=1000", Judgements: map[string]int{"x": 3}}}}
	if _, err := Run(context.Background(), s, bad, 1); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("a query the API refuses: err %v, want an error naming it", err)
	}
}

func TestReportWrite(t *testing.T) {
	rep := &Report{Queries: 2, Articles: 9, NDCG: 0.5, MRR: 0.25, ZeroRate: 0.5, Zero: 1, Results: []QueryResult{
		{ID: "one", Kind: "trust", Request: "q=Barts", NDCG: 1, Rank: 1, Total: 3},
		{ID: "two", Kind: "typo", Request: "q=Rotheram", NDCG: 0, Rank: 0, Total: 0},
	}}
	var b strings.Builder
	if err := rep.Write(&b, true); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2 queries over 9 articles", "nDCG@10           0.5000", "MRR@10            0.2500",
		"zero-result rate  0.5000  (1 of 2 queries)", "one ", "q=Barts", "two ", "q=Rotheram"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := rep.Write(&b, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "q=Barts") {
		t.Errorf("without verbose the report lists the queries:\n%s", b.String())
	}
}
