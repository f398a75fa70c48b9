package sources

import (
	"context"
	"fmt"
	"strings"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// FilterCase is an article with whether a filter should keep it and its
// group (for the report: "on", or an off-topic kind).
type FilterCase struct {
	Article api.Article
	Keep    bool
	Group   string
}

// FilterReport is how a filter did on labelled articles.
type FilterReport struct {
	TP, FP, FN, TN    int
	Precision, Recall float64
	// Kept and Total count the articles kept and seen by group.
	Kept, Total map[string]int
	// Wrong are the ids kept that should not be, Missed those not kept
	// that should be.
	Wrong, Missed []string
}

// EvalFilter tags the cases with t, as the Writer would, and matches
// filter against them with the Percolator, as a poll does; it reports the
// precision and recall of "kept".
func EvalFilter(ctx context.Context, t index.Tagger, s *schema.Schema, filter string, cases []FilterCase) (*FilterReport, error) {
	var req *api.Request
	if strings.TrimSpace(filter) != KeepAll {
		r, err := api.ParseRequest(s, map[string][]string{"q": {filter}, "syntax": {api.SyntaxBleve}})
		if err != nil {
			return nil, err
		}
		req = &r
	}
	rep := &FilterReport{Kept: map[string]int{}, Total: map[string]int{}}
	const batch = 200
	for start := 0; start < len(cases); start += batch {
		part := cases[start:min(start+batch, len(cases))]
		ws := make([]index.Written, len(part))
		for i, c := range part {
			a := c.Article
			if err := a.Normalize(); err != nil {
				return nil, fmt.Errorf("article %q: %w", a.ID, err)
			}
			ents, err := t.Tag(a.Text)
			if err != nil {
				return nil, fmt.Errorf("article %q: tag: %w", a.ID, err)
			}
			ws[i] = index.Written{Article: a, Entities: ents}
		}
		kept := map[string]bool{}
		if req == nil {
			for _, w := range ws {
				kept[w.Article.ID] = true
			}
		} else {
			p, err := search.NewPercolator(s, ws)
			if err != nil {
				return nil, err
			}
			ids, err := p.Match(ctx, *req)
			_ = p.Close()
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				kept[id] = true
			}
		}
		for _, c := range part {
			k := kept[c.Article.ID]
			rep.Total[c.Group]++
			if k {
				rep.Kept[c.Group]++
			}
			switch {
			case k && c.Keep:
				rep.TP++
			case k && !c.Keep:
				rep.FP++
				rep.Wrong = append(rep.Wrong, c.Article.ID)
			case !k && c.Keep:
				rep.FN++
				rep.Missed = append(rep.Missed, c.Article.ID)
			default:
				rep.TN++
			}
		}
	}
	if rep.TP+rep.FP > 0 {
		rep.Precision = float64(rep.TP) / float64(rep.TP+rep.FP)
	}
	if rep.TP+rep.FN > 0 {
		rep.Recall = float64(rep.TP) / float64(rep.TP+rep.FN)
	}
	return rep, nil
}
