package bench

import (
	"fmt"
	"io"
	"strings"
)

// Markdown writes the report as Markdown tables for BENCHMARKS.md. Phases
// not run yet are left out.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	per1k := func(v int64, n int) string {
		if n == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f MB", float64(v)/float64(n)*1000/(1<<20))
	}
	mb := func(v int64) string { return fmt.Sprintf("%.0f MB", float64(v)/(1<<20)) }
	fmt.Fprintf(&b, "Corpus: %d generated articles (seed %d), %.0f MB of JSON Lines; %s, %d CPUs.\n\n",
		r.N, r.Seed, r.CorpusMB, r.GoVersion, r.CPUs)

	if r.Raw != nil || r.Full != nil {
		b.WriteString("| ingest | articles | time | articles/s | index on disk | per 1,000 articles | peak RSS |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		row := func(name string, x *IngestResult) {
			if x == nil {
				return
			}
			peak := mb(x.PeakRSS)
			if !x.PeakRSSOwn {
				peak += " (process)"
			}
			fmt.Fprintf(&b, "| %s | %d | %.1f s | %.0f | %s | %s | %s |\n", name, x.Articles, x.Seconds, x.PerSecond,
				mb(x.SizeBytes), per1k(x.SizeBytes, x.Articles), peak)
		}
		row("raw bleve (title + text, no tagging)", r.Raw)
		row("full pipeline (tag + index, index.Indexer)", r.Full)
		if r.Raw != nil && r.Full != nil {
			ratio := r.Full.PerSecond / r.Raw.PerSecond
			fmt.Fprintf(&b, "\nFull / raw ingest rate: **%.2f** (target ≥ 0.5: %s).\n", ratio, verdict(ratio >= 0.5))
		}
		b.WriteString("\n")
	}
	if len(r.Queries) > 0 {
		b.WriteString("| request | params | matches | kind | search p50 / p95 / p99 (ms) | bleve p50 / p95 / p99 (ms) | p50 ratio | cached p50 / p99 (ms) |\n")
		b.WriteString("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |\n")
		for _, q := range r.Queries {
			kind := "broad"
			switch {
			case q.Share < 0.01:
				kind = "selective (<1%)"
			case q.Share >= 0.999:
				kind = "match-all"
			}
			cached := "—"
			if q.Cached.N > 0 {
				cached = fmt.Sprintf("%.3f / %.3f", q.Cached.P50, q.Cached.P99)
			}
			fmt.Fprintf(&b, "| %s | `%s` | %d (%.1f%%) | %s | %s | %s | %.2f | %s |\n", q.Name, q.Params, q.Matches, 100*q.Share,
				kind, lat(q.Service), lat(q.Direct), ratio(q.Service.P50, q.Direct.P50), cached)
		}
		if r.MixSvc != nil && r.MixDirect != nil {
			// The headline ratio weighs every request of the mix once: the
			// sum of the per-request p50s, search over bleve.
			var ss, sd float64
			for _, q := range r.Queries {
				ss, sd = ss+q.Service.P50, sd+q.Direct.P50
			}
			x := ratio(ss, sd)
			fmt.Fprintf(&b, "| **whole mix** (pooled latencies) | | | | %s | %s | %.2f | |\n", lat(*r.MixSvc), lat(*r.MixDirect), ratio(r.MixSvc.P50, r.MixDirect.P50))
			fmt.Fprintf(&b, "\nsearch.Service / bleve at p50, summed over the requests of the mix: **%.2f** (target ≤ 1.2: %s).\n\n", x, verdict(x <= 1.2))
		}
	}
	if len(r.DrillDown) > 0 {
		b.WriteString("A user's session in the UI, the cache emptied (as by a write) before its first step:\n\n")
		b.WriteString("| step | params | matches | no cache p50 / p95 / p99 (ms) | cache p50 / p95 / p99 (ms) |\n")
		b.WriteString("| --- | --- | ---: | ---: | ---: |\n")
		for _, d := range r.DrillDown {
			fmt.Fprintf(&b, "| %s | `%s` | %d | %s | %s |\n", d.Name, d.Params, d.Matches, lat(d.Service), lat(d.Cached))
		}
		b.WriteString("\n")
	}
	if len(r.Bursts) > 0 {
		fmt.Fprintf(&b, "Bursts of %d landing-page requests (`q=`, every facet) arriving together right after a write:\n\n", r.Bursts[0].Size)
		b.WriteString("| server | bursts | answered p50 / p95 / p99 (ms) | last answer of a burst, p50 (ms) | refused (busy) | timed out |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: |\n")
		for _, x := range r.Bursts {
			fmt.Fprintf(&b, "| %s | %d | %s | %.2f | %d | %d |\n", x.Config, x.Bursts, lat(x.Each), x.Slowest, x.Refused, x.TimedOut)
		}
		b.WriteString("\n")
	}
	if len(r.Load) > 0 {
		b.WriteString("| server | HTTP connections | duration | requests | requests/s | p50 (ms) | p99 (ms) | refused (503 busy) | errors |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, l := range r.Load {
			cfg := l.Config
			if cfg == "" {
				cfg = "—"
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f s | %d | %.0f | %.2f | %.2f | %d | %d |\n", cfg, l.Connections, l.Seconds, l.Requests,
				l.PerSecond, l.Latency.P50, l.Latency.P99, l.Rejected, l.Errors)
		}
		if r.HTTPAdds == nil && r.HTTPSerial != nil && r.MixSvc != nil {
			// Reports from before the paired measurement.
			fmt.Fprintf(&b, "\nHTTP adds %.2f ms at p50 over the in-process mix (1 connection; target < 1 ms: %s).\n\n",
				r.HTTPSerial.P50-r.MixSvc.P50, verdict(r.HTTPSerial.P50-r.MixSvc.P50 < 1))
		}
		b.WriteString("\n")
	}
	if len(r.HTTPPaired) > 0 && r.HTTPAdds != nil {
		b.WriteString("| request | in-process p50 / p99 (ms) | HTTP p50 / p99 (ms) | HTTP adds, median of pairs (ms) |\n")
		b.WriteString("| --- | ---: | ---: | ---: |\n")
		for _, p := range r.HTTPPaired {
			fmt.Fprintf(&b, "| %s | %.2f / %.2f | %.2f / %.2f | %.2f |\n", p.Name, p.Service.P50, p.Service.P99, p.HTTP.P50, p.HTTP.P99, p.AddsP50)
		}
		fmt.Fprintf(&b, "\nHTTP adds **%.2f ms** at p50 (median of the paired differences, each request in-process and over HTTP back to back; target < 1 ms: %s).\n\n",
			*r.HTTPAdds, verdict(*r.HTTPAdds < 1))
	}
	if r.ServePeakRSS > 0 {
		n := r.N
		if r.Full != nil {
			n = r.Full.Articles
		}
		scope := "serving: index open, query and HTTP phases"
		if !r.ServePeakRSSOwn {
			scope = "whole process (peak could not be reset)"
		}
		fmt.Fprintf(&b, "Peak RSS (%s): %s, %s per 1,000 articles.\n\n", scope, mb(r.ServePeakRSS), per1k(r.ServePeakRSS, n))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func lat(l Latency) string { return fmt.Sprintf("%.2f / %.2f / %.2f", l.P50, l.P95, l.P99) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
