package relevance

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/search"
)

// Grid is the values of each weight of a search.Ranking to try: every
// combination is scored (RunGrid). An empty list keeps the weight of
// search.DefaultRanking.
type Grid struct {
	Title, Entity, Recency []float64
	// HalfLife in years (of 365 days).
	HalfLife []float64
	TypoStep []uint8
}

// gridKeys are the names of ParseGrid's lists.
var gridKeys = []string{"title", "entity", "recency", "half_life", "typo_step"}

// ParseGrid reads "title=0,0.3;entity=1;recency=0,0.1;half_life=3;typo_step=3":
// lists of values by weight (half_life in years), separated by ';'. A
// weight not named keeps search.DefaultRanking's value.
func ParseGrid(spec string) (Grid, error) {
	var g Grid
	for part := range strings.SplitSeq(spec, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		key, list, ok := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		if !ok || !slices.Contains(gridKeys, key) {
			return Grid{}, fmt.Errorf("grid: %q: want NAME=V,V,... with NAME one of %s", part, strings.Join(gridKeys, ", "))
		}
		var vals []float64
		for v := range strings.SplitSeq(list, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || f < 0 || f > 1000 {
				return Grid{}, fmt.Errorf("grid: %s: %q is not a number from 0 to 1000", key, v)
			}
			vals = append(vals, f)
		}
		switch key {
		case "title":
			g.Title = vals
		case "entity":
			g.Entity = vals
		case "recency":
			g.Recency = vals
		case "half_life":
			g.HalfLife = vals
		case "typo_step":
			for _, v := range vals {
				if v != math.Trunc(v) || v > 40 {
					return Grid{}, fmt.Errorf("grid: typo_step: %v is not a whole number from 0 to 40", v)
				}
				g.TypoStep = append(g.TypoStep, uint8(v))
			}
		}
	}
	return g, nil
}

const year = 365 * 24 * time.Hour

// Rankings returns every combination of the grid's values.
func (g Grid) Rankings() []search.Ranking {
	d := search.DefaultRanking
	or := func(vals []float64, def float64) []float64 {
		if len(vals) == 0 {
			return []float64{def}
		}
		return vals
	}
	steps := g.TypoStep
	if len(steps) == 0 {
		steps = []uint8{d.TypoStep}
	}
	var out []search.Ranking
	for _, t := range or(g.Title, d.Title) {
		for _, e := range or(g.Entity, d.Entity) {
			for _, r := range or(g.Recency, d.Recency) {
				for _, h := range or(g.HalfLife, float64(d.HalfLife)/float64(year)) {
					for _, s := range steps {
						out = append(out, search.Ranking{Title: t, Entity: e, Recency: r, HalfLife: time.Duration(h * float64(year)), TypoStep: s})
					}
				}
			}
		}
	}
	return out
}

// GridRow is the score of one ranking of a grid.
type GridRow struct {
	Ranking search.Ranking `json:"ranking"`
	NDCG    float64        `json:"ndcg_at_10"`
	MRR     float64        `json:"mrr_at_10"`
	Zero    int            `json:"zero_result_queries"`
	// Kinds is the mean nDCG@10 of each kind of query, KindsMRR its
	// MRR@10.
	Kinds    map[string]float64 `json:"ndcg_by_kind"`
	KindsMRR map[string]float64 `json:"mrr_by_kind"`
}

// RunGrid scores every ranking of g on set over the index x (built once):
// a Service per ranking, its result cache off, as Run scores one.
func RunGrid(ctx context.Context, x *Index, set *Set, articles int, g Grid) ([]GridRow, error) {
	var rows []GridRow
	for _, r := range g.Rankings() {
		svc := search.New(x.Writer.Index(), search.OnWriter(x.Writer, search.Options{CacheEntries: -1, Ranking: &r}))
		rep, err := Run(ctx, svc, set, articles)
		if err != nil {
			return nil, err
		}
		row := GridRow{Ranking: r, NDCG: rep.NDCG, MRR: rep.MRR, Zero: rep.Zero, Kinds: map[string]float64{}, KindsMRR: map[string]float64{}}
		n := map[string]int{}
		for _, q := range rep.Results {
			row.Kinds[q.Kind] += q.NDCG
			row.KindsMRR[q.Kind] += ReciprocalRank(q.Rank)
			n[q.Kind]++
		}
		for k := range row.Kinds {
			row.Kinds[k] /= float64(n[k])
			row.KindsMRR[k] /= float64(n[k])
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// WriteGrid prints the rows, best nDCG@10 first (then the grid's order),
// one per line with the mean nDCG@10 of each kind of query.
func WriteGrid(w io.Writer, rows []GridRow) error {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b GridRow) int {
		switch {
		case a.NDCG > b.NDCG:
			return -1
		case a.NDCG < b.NDCG:
			return 1
		}
		return 0
	})
	var kinds []string
	for _, r := range rows {
		for k := range r.Kinds {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	slices.Sort(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "%6s %6s %7s %9s %4s  %6s %6s %4s", "title", "entity", "recency", "half_life", "typo", "nDCG", "MRR", "zero")
	for _, k := range kinds {
		fmt.Fprintf(&b, " %8.8s", k)
	}
	b.WriteByte('\n')
	for _, r := range rows {
		fmt.Fprintf(&b, "%6g %6g %7g %8gy %4d  %.4f %.4f %4d", r.Ranking.Title, r.Ranking.Entity, r.Ranking.Recency,
			math.Round(float64(r.Ranking.HalfLife)/float64(year)*100)/100, r.Ranking.TypoStep, r.NDCG, r.MRR, r.Zero)
		for _, k := range kinds {
			fmt.Fprintf(&b, " %8.3f", r.Kinds[k])
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
