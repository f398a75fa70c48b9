package search

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// rows collects an export.
type rows struct {
	total     uint64
	truncated bool
	begun     int
	rows      []api.ExportRow
}

func (r *rows) Begin(total uint64, truncated bool) error {
	r.total, r.truncated = total, truncated
	r.begun++
	return nil
}

func (r *rows) Row(row api.ExportRow) error {
	r.rows = append(r.rows, row)
	return nil
}

func (r *rows) ids() []string {
	out := make([]string, len(r.rows))
	for i, row := range r.rows {
		out[i] = row.ID
	}
	return out
}

// TestExport: for random requests, an export with the bitmaps and one
// paging with bleve alone (search_after) write the same rows: every
// article the request matches (Matches), in id order, once, with its
// stored fields; the total is the search's; a cap stops at its number of
// rows and says so. The corpus is larger than a few batches, so paging
// shows.
func TestExport(t *testing.T) {
	defer func(n int) { exportBatch = n }(exportBatch)
	exportBatch = 40 // pages without a large corpus
	ctx := context.Background()
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: indextest.Tagger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	g, err := gen.New(13)
	if err != nil {
		t.Fatal(err)
	}
	var arts []api.Article
	for i := range 150 {
		a := g.Article(i)
		arts = append(arts, api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
	}
	if _, err := w.Put(ctx, arts); err != nil {
		t.Fatal(err)
	}
	withBits := New(w.Index(), OnWriter(w, Options{CacheEntries: -1, MaxSearches: -1}))
	bleveOnly := New(w.Index(), Options{MaxSearches: -1})
	if _, b := w.Bitmaps(); b == nil {
		t.Fatal("the Writer has no bitmaps")
	}

	r := rand.New(rand.NewPCG(5, 6))
	reqs := []api.Request{{}}
	var written []index.Written
	for _, a := range arts[:60] {
		written = append(written, index.Written{Article: a})
	}
	reqs = append(reqs, randomRequests(r, written, 40)...)
	big, withJobs := 0, 0
	for i, req := range reqs {
		limit := 0
		if i%5 == 4 {
			limit = 1 + r.IntN(exportBatch+10)
		}
		var got, want rows
		if err := withBits.Export(ctx, req, limit, &got); err != nil {
			t.Fatalf("%s: %v", describe(req), err)
		}
		if err := bleveOnly.Export(ctx, req, limit, &want); err != nil {
			t.Fatalf("%s: %v", describe(req), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s limit %d: with bitmaps %d of %d rows %v…, bleve alone %d of %d %v…", describe(req), limit, len(got.rows), got.total, got.ids()[:min(3, len(got.rows))], len(want.rows), want.total, want.ids()[:min(3, len(want.rows))])
		}
		ids, err := bleveOnly.Matches(ctx, req, nil, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		res, err := bleveOnly.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.begun != 1 || got.total != res.Total || uint64(len(ids)) != res.Total {
			t.Fatalf("%s: Begin %d times with total %d; search total %d, %d matches", describe(req), got.begun, got.total, res.Total, len(ids))
		}
		cap := len(ids)
		if limit > 0 {
			cap = min(limit, len(ids))
		}
		if !slices.Equal(got.ids(), ids[:cap]) || got.truncated != (cap < len(ids)) {
			t.Fatalf("%s limit %d: exported %d rows (truncated %v), want the first %d of %d matches", describe(req), limit, len(got.rows), got.truncated, cap, len(ids))
		}
		if len(got.rows) > exportBatch {
			big++
		}
		for _, row := range got.rows[:min(5, len(got.rows))] {
			a, err := bleveOnly.Article(ctx, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			if row.Title != a.Title || a.Published == nil || !row.Published.Equal(*a.Published) || !reflect.DeepEqual(row.Values, a.Values) {
				t.Fatalf("row %s: %+v, article %+v", row.ID, row, a)
			}
			j, ok := largest(a.Values.Numbers(tag.Jobs))
			if got, has := row.Largest[api.FacetMetricJobs]; has != ok || got != j {
				t.Fatalf("row %s: largest jobs %v, article's jobs %v", row.ID, row.Largest, a.Values.Numbers("jobs"))
			}
			// The cut events and jobs at risk stored at write time are those
			// the article links when read.
			_, cut := tag.TrustCuts(a.CutEvents)
			total := cut.Jobs
			var links []tag.CutLink
			for _, e := range a.CutEvents {
				links = append(links, e.CutLink)
			}
			if row.JobsAtRisk == nil || *row.JobsAtRisk != total || len(row.Events) != len(links) || (len(links) > 0 && !slices.Equal(row.Events, links)) {
				t.Fatalf("row %s: jobs at risk %v, events %v; the article's %d, %v", row.ID, row.JobsAtRisk, row.Events, total, links)
			}
			if total > 0 {
				withJobs++
			}
		}
	}
	if big == 0 {
		t.Fatal("no export was longer than a batch")
	}
	if withJobs == 0 {
		t.Fatal("no exported article had jobs at risk")
	}
}
