package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// chartCorpus is the size of the generated corpus of the charts' tests:
// enough articles spread over 2008–2026 (bench/gen) for every year to
// have a few, and trusts, unions and places with several each.
const chartCorpus = 400

// The charts' and entity pages' tests run against their own real server:
// the real router over a real index (with the Writer's bitmaps, as served)
// of chartCorpus generated, dated articles. (The seeds have no spread of
// dates to chart.)
var chartSrv = &lazyServer{name: "charts", bitmaps: true, fill: func(ctx context.Context, w *index.Writer) error {
	g, err := gen.New(21)
	if err != nil {
		return err
	}
	batch := make([]api.Article, 0, chartCorpus)
	for i := range chartCorpus {
		a := g.Article(i)
		batch = append(batch, api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
	}
	if _, err := w.Put(ctx, batch); err != nil {
		return fmt.Errorf("index the corpus: %w", err)
	}
	return nil
}}

// chartServer returns the charts' test server, building its index on
// first use.
func chartServer(tb testing.TB) (*httptest.Server, *search.Service) { return chartSrv.get(tb) }
