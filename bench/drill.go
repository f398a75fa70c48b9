package bench

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// DrillStep is one request of a user's session in the browser UI, measured
// without a cache and with a cache that the step before it filled.
type DrillStep struct {
	Name    string  `json:"name"`
	Params  string  `json:"params"`
	Matches uint64  `json:"matches"`
	Service Latency `json:"service"`
	// Cached is the latency with a cache emptied (as by a write) before
	// the session's first step, so each step can only reuse what the
	// steps before it computed: facet counts of the same query and
	// filters, or of the request before a value was ticked.
	Cached Latency `json:"cached"`
}

// drillDown returns a session built from the mix: the landing page (every
// article, every facet), a click on a rare trust, a search for a word,
// ticking a union, then a place, then the next page.
func drillDown(mix []Query) ([]Query, error) {
	byName := map[string]Query{}
	for _, q := range mix {
		byName[q.Name] = q
	}
	two, ok := byName["word + 2 facets"]
	trust, ok2 := byName["1 facet (selective)"]
	if !ok || !ok2 {
		return nil, fmt.Errorf("drill-down: the mix lacks its facet requests")
	}
	v, err := url.ParseQuery(two.Params)
	if err != nil {
		return nil, fmt.Errorf("drill-down: %w", err)
	}
	p := url.QueryEscape
	filter := func(k tag.Kind) string { return "&" + string(k) + "=" + p(v.Get(string(k))) }
	word := "q=" + p(v.Get("q"))
	union := word + filter(tag.Union)
	place := union + filter(tag.Place)
	return []Query{
		{Name: "landing page (after a write)", Params: "q="},
		{Name: "click a trust", Params: trust.Params},
		{Name: "search a word", Params: word},
		{Name: "+ tick a union", Params: union},
		{Name: "+ tick a place", Params: place},
		{Name: "next page", Params: place + "&from=10"},
	}, nil
}

// runDrillDown runs the session rounds times (after one warm-up round)
// on a Service without a cache (plain) and on one with a cache (cached),
// after a write (touch) before each round.
func runDrillDown(ctx context.Context, plain, cached *search.Service, touch *toucher, steps []Query, rounds int) ([]DrillStep, error) {
	reqs := make([]api.Request, len(steps))
	for i, st := range steps {
		v, err := url.ParseQuery(st.Params)
		if err != nil {
			return nil, fmt.Errorf("drill-down %s: %w", st.Name, err)
		}
		if reqs[i], err = api.ParseRequest(schema.Default, v); err != nil {
			return nil, fmt.Errorf("drill-down %s: %w", st.Name, err)
		}
	}
	out := make([]DrillStep, len(steps))
	plainLat := make([][]time.Duration, len(steps))
	cacheLat := make([][]time.Duration, len(steps))
	for round := 0; round <= rounds; round++ {
		for i, r := range reqs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			start := time.Now()
			res, err := plain.Search(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("drill-down %s: %w", steps[i].Name, err)
			}
			if round > 0 {
				plainLat[i] = append(plainLat[i], time.Since(start))
			}
			out[i] = DrillStep{Name: steps[i].Name, Params: steps[i].Params, Matches: res.Total}
		}
		if err := touch.write(ctx); err != nil { // the cache starts empty
			return nil, err
		}
		for i, r := range reqs {
			start := time.Now()
			if _, err := cached.Search(ctx, r); err != nil {
				return nil, fmt.Errorf("drill-down %s with a cache: %w", steps[i].Name, err)
			}
			if round > 0 {
				cacheLat[i] = append(cacheLat[i], time.Since(start))
			}
		}
	}
	for i := range out {
		out[i].Service, out[i].Cached = latency(plainLat[i]), latency(cacheLat[i])
	}
	return out, nil
}
