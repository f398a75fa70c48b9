package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search"
)

// ts is a real HTTP server on loopback running the real router over a real
// index of the seed articles, shared by the package's tests.
var (
	ts  *httptest.Server
	svc *search.Service
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cutwatch-web-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	idx, err := indextest.BuildSeeds(filepath.Join(dir, "index"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "build seed index:", err)
		return 1
	}
	defer idx.Close()
	svc = search.NewService(idx)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts = httptest.NewServer(New(svc, Options{Logger: quiet}).Handler())
	defer ts.Close()
	return m.Run()
}

// The seed articles, by id (file name without extension).
const (
	midYorks  = "000_5ff42213f9cd3454" // Mid Yorkshire: £55m cuts, no redundancies named
	rotherham = "001_605bd6b5c84727b1" // Rotherham: Unison, 750 jobs
	oxford    = "002_8c9206d03b6f824e" // Oxford Radcliffe: Unison + RCN, 366 jobs
	taunton   = "003_9d35053e17461f83" // Musgrove Park: Unison, £6.5m
	northEast = "004_bc688cb8839fcf6f" // North-East SHA and PCTs: Unison + RCN, 516 posts
)
