package sources_test

import (
	"context"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
)

// filterCases are n generated on-topic articles and n off-topic ones of
// seed (a third of each off-topic kind).
func filterCases(t *testing.T, seed uint64, n int) []sources.FilterCase {
	t.Helper()
	g, err := gen.New(seed)
	if err != nil {
		t.Fatal(err)
	}
	var cs []sources.FilterCase
	for i := range n {
		a := g.Article(i)
		cs = append(cs, sources.FilterCase{Article: api.Article{ID: a.ID, Title: a.Title, Text: a.Text}, Keep: true, Group: "on"})
		o := g.OffTopic(i)
		cs = append(cs, sources.FilterCase{Article: api.Article{ID: o.ID, Title: o.Title, Text: o.Text}, Group: gen.OffTopicKinds[i%len(gen.OffTopicKinds)]})
	}
	return cs
}

// TestDefaultFilterOnGeneratedCorpus measures the default filter on
// generated NHS-cuts articles mixed with as many off-topic ones (NHS news
// without cuts, cuts outside the NHS, other local news): precision and
// recall of "kept" must both be at least 0.95. The seed is not the one
// the filter was written against.
func TestDefaultFilterOnGeneratedCorpus(t *testing.T) {
	rep, err := sources.EvalFilter(context.Background(), testTagger(t), schema.Default, sources.DefaultFilter, filterCases(t, 2, 300))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("precision %.4f, recall %.4f (TP %d FP %d FN %d TN %d); kept by group: %v of %v; wrong %v; missed %v",
		rep.Precision, rep.Recall, rep.TP, rep.FP, rep.FN, rep.TN, rep.Kept, rep.Total, first(rep.Wrong, 5), first(rep.Missed, 5))
	if rep.Precision < 0.95 || rep.Recall < 0.95 {
		t.Errorf("precision %.4f, recall %.4f: want both at least 0.95", rep.Precision, rep.Recall)
	}
	// "*" keeps everything: the measure is not blind.
	all, err := sources.EvalFilter(context.Background(), testTagger(t), schema.Default, sources.KeepAll, filterCases(t, 2, 30))
	if err != nil {
		t.Fatal(err)
	}
	if all.Recall != 1 || all.Precision != 0.5 {
		t.Errorf("keep-all filter: precision %.2f recall %.2f, want 0.5 and 1", all.Precision, all.Recall)
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
