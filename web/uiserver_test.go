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

// lazyServer is a test server of its own: the real router over a real
// index that fill writes, built once, on first use, in a temporary
// directory, and removed by close.
type lazyServer struct {
	name string
	fill func(ctx context.Context, w *index.Writer) error
	// bitmaps serves with the Writer's bitmaps, as `cutwatch serve` does;
	// without them, with bleve alone.
	bitmaps bool

	once sync.Once
	err  error
	dir  string
	w    *index.Writer
	svc  *search.Service
	ts   *httptest.Server
}

// get returns the server and its search service, building them on first
// use.
func (s *lazyServer) get(tb testing.TB) (*httptest.Server, *search.Service) {
	tb.Helper()
	s.once.Do(func() { s.err = s.start() })
	if s.err != nil {
		tb.Fatalf("%s test server: %v", s.name, s.err)
	}
	return s.ts, s.svc
}

func (s *lazyServer) start() error {
	dir, err := os.MkdirTemp("", "cutwatch-web-"+s.name+"-test-")
	if err != nil {
		return err
	}
	s.dir = dir
	tagger, err := tag.New()
	if err != nil {
		return fmt.Errorf("tagger: %w", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	if s.w, err = index.OpenWriter(ctx, dir, index.WriterOptions{Tagger: tagger, Logger: quiet}); err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	if err := s.fill(ctx, s.w); err != nil {
		return err
	}
	if s.bitmaps {
		s.svc = search.New(s.w.Index(), search.OnWriter(s.w, search.Options{}))
	} else {
		s.svc = search.NewService(s.w.Index())
	}
	s.ts = httptest.NewServer(New(s.svc, Options{Logger: quiet}).Handler())
	return nil
}

// close stops the server and removes its index, if it was started.
func (s *lazyServer) close() {
	if s.ts != nil {
		s.ts.Close()
	}
	if s.w != nil {
		_ = s.w.Close()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// The UI tests run against their own real server: the real router over a
// real index of the seeds plus the hostile article. (The API tests keep the
// seeds-only index of TestMain, whose counts they assert.)
var uiSrv = &lazyServer{name: "ui", fill: func(ctx context.Context, w *index.Writer) error {
	paths := []string{indextest.SeedsDir(), filepath.Join("testdata", "hostile.json")}
	stats, err := w.PutFiles(ctx, paths, nil)
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if stats.Indexed != 6 || len(stats.Skipped) > 0 {
		return fmt.Errorf("build index: indexed %d, skipped %v; want the 5 seeds and the hostile article", stats.Indexed, stats.Skipped)
	}
	return nil
}}

// uiServer returns the UI test server, building its index on first use.
func uiServer(tb testing.TB) (*httptest.Server, *search.Service) { return uiSrv.get(tb) }
