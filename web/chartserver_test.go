package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// chartCorpus is the size of the generated corpus of the charts' tests:
// enough articles spread over 2008–2026 (bench/gen) for every year to
// have a few, and trusts, unions and places with several each.
const chartCorpus = 400

// The charts' and entity pages' tests run against their own real server:
// the real router over a real index (with the Writer's bitmaps, as served)
// of chartCorpus generated, dated articles, built once, on first use, in a
// temporary directory. (The seeds have no spread of dates to chart.)
var chartSrv struct {
	once sync.Once
	err  error
	dir  string
	w    *index.Writer
	svc  *search.Service
	ts   *httptest.Server
}

// chartServer returns the charts' test server, building its index on
// first use.
func chartServer(tb testing.TB) (*httptest.Server, *search.Service) {
	tb.Helper()
	chartSrv.once.Do(func() { chartSrv.err = startChartServer() })
	if chartSrv.err != nil {
		tb.Fatalf("charts test server: %v", chartSrv.err)
	}
	return chartSrv.ts, chartSrv.svc
}

func startChartServer() error {
	dir, err := os.MkdirTemp("", "cutwatch-web-charts-test-")
	if err != nil {
		return err
	}
	chartSrv.dir = dir
	tagger, err := tag.New()
	if err != nil {
		return fmt.Errorf("tagger: %w", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	if chartSrv.w, err = index.OpenWriter(ctx, dir, index.WriterOptions{Tagger: tagger, Logger: quiet}); err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	g, err := gen.New(21)
	if err != nil {
		return err
	}
	batch := make([]api.Article, 0, chartCorpus)
	for i := range chartCorpus {
		a := g.Article(i)
		batch = append(batch, api.Article{ID: a.ID, Title: a.Title, Text: a.Text, Published: a.Published})
	}
	if _, err := chartSrv.w.Put(ctx, batch); err != nil {
		return fmt.Errorf("index the corpus: %w", err)
	}
	chartSrv.svc = search.New(chartSrv.w.Index(), search.OnWriter(chartSrv.w, search.Options{}))
	chartSrv.ts = httptest.NewServer(New(chartSrv.svc, Options{Logger: quiet}).Handler())
	return nil
}

// closeChartServer stops the charts' test server and removes its index,
// if it was started.
func closeChartServer() {
	if chartSrv.ts != nil {
		chartSrv.ts.Close()
	}
	if chartSrv.w != nil {
		_ = chartSrv.w.Close()
	}
	if chartSrv.dir != "" {
		_ = os.RemoveAll(chartSrv.dir)
	}
}
