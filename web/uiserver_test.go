package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
)

// hostileID is the id of testdata/hostile.json, an article whose title and
// text carry script and markup payloads.
const hostileID = "hostile-xss"

// The UI tests run against their own real server: the real router over a
// real index of the seeds plus the hostile article, built once, on first
// use, in a temporary directory. (The API tests keep the seeds-only index
// of TestMain, whose counts they assert.)
var uiSrv struct {
	once sync.Once
	err  error
	dir  string
	w    *index.Writer
	svc  *search.Service
	ts   *httptest.Server
}

// uiServer returns the UI test server, building its index on first use.
func uiServer(tb testing.TB) (*httptest.Server, *search.Service) {
	tb.Helper()
	uiSrv.once.Do(func() { uiSrv.err = startUIServer() })
	if uiSrv.err != nil {
		tb.Fatalf("UI test server: %v", uiSrv.err)
	}
	return uiSrv.ts, uiSrv.svc
}

func startUIServer() error {
	dir, err := os.MkdirTemp("", "cutwatch-web-ui-test-")
	if err != nil {
		return err
	}
	uiSrv.dir = dir
	tagger, err := tag.New()
	if err != nil {
		return fmt.Errorf("tagger: %w", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	if uiSrv.w, err = index.OpenWriter(ctx, dir, index.WriterOptions{Tagger: tagger, Logger: quiet}); err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	paths := []string{indextest.SeedsDir(), filepath.Join("testdata", "hostile.json")}
	stats, err := uiSrv.w.PutFiles(ctx, paths, nil)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if stats.Indexed != 6 || len(stats.Skipped) > 0 {
		return fmt.Errorf("build index: indexed %d, skipped %v; want the 5 seeds and the hostile article", stats.Indexed, stats.Skipped)
	}
	uiSrv.svc = search.NewService(uiSrv.w.Index())
	uiSrv.ts = httptest.NewServer(New(uiSrv.svc, Options{Logger: quiet}).Handler())
	return nil
}

// closeUIServer stops the UI test server and removes its index, if it was
// started.
func closeUIServer() {
	if uiSrv.ts != nil {
		uiSrv.ts.Close()
	}
	if uiSrv.w != nil {
		_ = uiSrv.w.Close()
	}
	if uiSrv.dir != "" {
		_ = os.RemoveAll(uiSrv.dir)
	}
}
