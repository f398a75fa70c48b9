// Command rankcost measures what the ranking's weights (search.Ranking)
// cost: it opens a 'cutwatch bench' run's index (its --out DIR/full) and
// times the text requests of the benchmark mix under four rankings in one
// process, taking turns request by request — none (bleve's scores and the
// entity weight), the title clauses alone, the recency bonus alone, and
// search.DefaultRanking — and prints each one's p50 and its ratio to none.
// The result cache is off.
//
//	cutwatch bench -n 20000 --phases gen,full --out /tmp/run
//	go run ./bench/rankcost --data /tmp/run/full --corpus /tmp/run/corpus.jsonl --rounds 150
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/cutwatch/cutwatch/bench"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

func main() {
	data := flag.String("data", "", "the --data of a 'cutwatch bench' run's index (DIR/full)")
	corpus := flag.String("corpus", "", "its corpus (DIR/corpus.jsonl), which the mix's words are chosen from")
	rounds := flag.Int("rounds", 60, "times each request runs under each ranking (after one warm-up)")
	prof := flag.String("cpuprofile", "", "write a CPU profile to this file")
	only := flag.String("only", "", "time only the request of this name (\"two-word AND\")")
	flag.Parse()
	if *data == "" || *corpus == "" {
		fmt.Fprintln(os.Stderr, "rankcost: --data and --corpus are required")
		os.Exit(2)
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	t, err := tag.New()
	must(err)
	w, err := index.OpenWriter(ctx, *data, index.WriterOptions{Tagger: t, MinFree: -1, Logger: slog.New(slog.DiscardHandler)})
	must(err)
	defer func() { must(w.Close()) }()
	mix, err := bench.Mix(*corpus)
	must(err)
	d := search.DefaultRanking
	variants := []struct {
		name string
		r    search.Ranking
	}{
		{"none", search.Ranking{Entity: 1, TypoStep: d.TypoStep}},
		{"title", search.Ranking{Title: d.Title, Entity: 1, TypoStep: d.TypoStep}},
		{"recency", search.Ranking{Entity: 1, Recency: d.Recency, HalfLife: d.HalfLife, TypoStep: d.TypoStep}},
		{"default", d},
	}
	svcs := make([]*search.Service, len(variants))
	for i := range variants {
		svcs[i] = search.New(w.Index(), search.OnWriter(w, search.Options{CacheEntries: -1, Ranking: &variants[i].r}))
	}
	var reqs []api.Request
	var names []string
	for _, q := range mix {
		v, err := url.ParseQuery(q.Params)
		must(err)
		if v.Get("q") == "" || (*only != "" && q.Name != *only) {
			continue
		}
		r, err := api.ParseRequest(schema.Default, v)
		must(err)
		reqs = append(reqs, r)
		names = append(names, q.Name+" "+q.Params)
	}
	lat := make([][][]time.Duration, len(reqs))
	for i := range lat {
		lat[i] = make([][]time.Duration, len(variants))
	}
	for round := 0; round <= *rounds; round++ {
		for i, r := range reqs {
			for k := range variants {
				v := (k + round) % len(variants)
				start := time.Now()
				_, err := svcs[v].Search(ctx, r)
				el := time.Since(start)
				must(err)
				if round > 0 {
					lat[i][v] = append(lat[i][v], el)
				}
			}
		}
	}
	fmt.Printf("%-60s", "request (p50 ms)")
	for _, v := range variants {
		fmt.Printf(" %9s", v.name)
	}
	fmt.Println()
	for i := range reqs {
		fmt.Printf("%-60.60s", names[i])
		base := p50(lat[i][0])
		for v := range variants {
			m := p50(lat[i][v])
			fmt.Printf(" %6.2f %4.2f", m, m/base)
		}
		fmt.Println()
	}
}

func p50(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
