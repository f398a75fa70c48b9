package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search"
)

// ts is a real HTTP server on loopback running the real router over a real
// index of the seed articles, shared by the package's tests.
var (
	ts      *httptest.Server
	svc     *search.Service
	seedIdx bleve.Index
)

func TestMain(m *testing.M) {
	code := indextest.MainWithSeeds(m, func(idx bleve.Index) {
		seedIdx = idx
		svc = search.NewService(idx)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ts = httptest.NewServer(New(svc, Options{Logger: quiet}).Handler())
	})
	uiSrv.close()
	chartSrv.close()
	os.Exit(code)
}

// The seed articles, by id.
const (
	midYorks  = indextest.MidYorks
	rotherham = indextest.Rotherham
	oxford    = indextest.Oxford
	taunton   = indextest.Taunton
	northEast = indextest.NorthEast
)
