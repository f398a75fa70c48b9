package relevance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// Searcher is what Run needs of a search backend (api.Searcher has it).
type Searcher interface {
	Schema() *schema.Schema
	Search(ctx context.Context, req api.Request) (*api.Result, error)
}

// Report is the score of a ranking on a set.
type Report struct {
	Queries  int `json:"queries"`
	Articles int `json:"articles"`
	// NDCG is the mean nDCG@10, MRR the mean reciprocal rank of the first
	// hit of grade 2 or more in the first 10, ZeroRate the share of queries
	// that found nothing.
	NDCG     float64       `json:"ndcg_at_10"`
	MRR      float64       `json:"mrr_at_10"`
	ZeroRate float64       `json:"zero_result_rate"`
	Zero     int           `json:"zero_result_queries"`
	Results  []QueryResult `json:"results"`
}

// QueryResult is the score of one query.
type QueryResult struct {
	ID      string  `json:"id"`
	Kind    string  `json:"kind"`
	Request string  `json:"request"`
	NDCG    float64 `json:"ndcg_at_10"`
	// Rank is the rank of the first hit of grade 2 or more in the first
	// 10, 0 when none.
	Rank  int    `json:"first_relevant_rank"`
	Total uint64 `json:"total"`
	// Hits are the ids of the first page of hits, Grades their grades.
	Hits   []string `json:"hits"`
	Grades []int    `json:"grades"`
}

// Run searches every query of set through s as GET /api/search would
// (api.ParseRequest of the query's parameters, then Search) and scores
// the first page of hits against its judgements. articles is the size of
// the corpus, for the report. A query the API would refuse (400) or a
// failed search is an error: the set must be answerable.
func Run(ctx context.Context, s Searcher, set *Set, articles int) (*Report, error) {
	rep := &Report{Queries: len(set.Queries), Articles: articles}
	for _, q := range set.Queries {
		v, err := q.Values()
		if err != nil {
			return nil, err
		}
		req, err := api.ParseRequest(s.Schema(), v)
		if err != nil {
			return nil, fmt.Errorf("query %s (%s): %w", q.ID, q.Request(), err)
		}
		res, err := s.Search(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("query %s (%s): %w", q.ID, q.Request(), err)
		}
		r := Score(q, res)
		rep.Results = append(rep.Results, r)
		rep.NDCG += r.NDCG
		rep.MRR += ReciprocalRank(r.Rank)
		if r.Total == 0 {
			rep.Zero++
		}
	}
	if n := float64(len(rep.Results)); n > 0 {
		rep.NDCG /= n
		rep.MRR /= n
		rep.ZeroRate = float64(rep.Zero) / n
	}
	return rep, nil
}

// Score scores one query's result: the grades of its first K hits (a hit
// standing for near-duplicates has the best grade of its copies), their
// nDCG@K and the rank of the first of grade 2 or more.
func Score(q Query, res *api.Result) QueryResult {
	r := QueryResult{ID: q.ID, Kind: q.Kind, Request: q.Request(), Total: res.Total}
	for i, h := range res.Hits {
		if i >= K {
			break
		}
		g := q.Judgements[h.ID]
		for _, c := range h.AlsoIn {
			g = max(g, q.Judgements[c.ID])
		}
		r.Hits = append(r.Hits, h.ID)
		r.Grades = append(r.Grades, g)
	}
	r.NDCG = NDCG(r.Grades, q.Judgements, K)
	r.Rank = FirstRelevant(r.Grades, Relevant, K)
	return r
}

// Write prints the report: the three figures and, with verbose, a line per
// query (its nDCG@10, the rank of its first relevant hit, its number of
// hits and its request).
func (rep *Report) Write(w io.Writer, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d queries over %d articles\n\n", rep.Queries, rep.Articles)
	fmt.Fprintf(&b, "nDCG@10           %.4f\n", rep.NDCG)
	fmt.Fprintf(&b, "MRR@10            %.4f\n", rep.MRR)
	fmt.Fprintf(&b, "zero-result rate  %.4f  (%d of %d queries)\n", rep.ZeroRate, rep.Zero, rep.Queries)
	if verbose {
		fmt.Fprintf(&b, "\n%-30s %-9s %7s %5s %6s  %s\n", "query", "kind", "nDCG", "first", "hits", "request")
		for _, r := range rep.Results {
			first := "-"
			if r.Rank > 0 {
				first = fmt.Sprint(r.Rank)
			}
			fmt.Fprintf(&b, "%-30s %-9s %7.4f %5s %6d  %s\n", r.ID, r.Kind, r.NDCG, first, r.Total, r.Request)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one indented JSON object.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}
