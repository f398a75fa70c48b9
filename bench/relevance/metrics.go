package relevance

import (
	"math"
	"sort"
)

// K is the rank cut-off of the metrics: the first page of /api/search.
const K = 10

// Gain is the gain of a grade in DCG: 2^grade − 1 (0, 1, 3, 7).
func Gain(grade int) float64 {
	if grade <= 0 {
		return 0
	}
	return math.Exp2(float64(grade)) - 1
}

// DCG is the discounted cumulative gain of grades in rank order, over the
// first k: Σ Gain(grade_i) / log2(i + 1) for ranks i = 1..k.
func DCG(grades []int, k int) float64 {
	var d float64
	for i, g := range grades {
		if i >= k {
			break
		}
		d += Gain(g) / math.Log2(float64(i+2))
	}
	return d
}

// IdealDCG is the DCG at k of the best order of the judgements: their
// grades from highest to lowest.
func IdealDCG(judgements map[string]int, k int) float64 {
	grades := make([]int, 0, len(judgements))
	for _, g := range judgements {
		grades = append(grades, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(grades)))
	return DCG(grades, k)
}

// NDCG is the DCG at k of grades divided by the ideal DCG at k of
// judgements; 0 when the ideal is 0 (a query with nothing relevant).
func NDCG(grades []int, judgements map[string]int, k int) float64 {
	ideal := IdealDCG(judgements, k)
	if ideal == 0 {
		return 0
	}
	return DCG(grades, k) / ideal
}

// FirstRelevant is the rank (1-based) of the first of grades, among the
// first k, that is at least min; 0 when there is none.
func FirstRelevant(grades []int, min, k int) int {
	for i, g := range grades {
		if i >= k {
			break
		}
		if g >= min {
			return i + 1
		}
	}
	return 0
}

// ReciprocalRank is 1/rank for a rank from FirstRelevant, 0 for none.
func ReciprocalRank(rank int) float64 {
	if rank <= 0 {
		return 0
	}
	return 1 / float64(rank)
}
