package search

import (
	"context"
	"os"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/search/api"
)

// svc searches a real index of the seed articles, built once for the
// package's tests (tagging and indexing take a second or two under -race).
var svc *Service

func TestMain(m *testing.M) {
	os.Exit(indextest.MainWithSeeds(m, func(idx bleve.Index) { svc = NewService(idx) }))
}

// The seed articles, by id.
const (
	midYorks  = indextest.MidYorks
	rotherham = indextest.Rotherham
	oxford    = indextest.Oxford
	taunton   = indextest.Taunton
	northEast = indextest.NorthEast
)

func mustSearch(t *testing.T, req api.Request) *api.Result {
	t.Helper()
	res, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

func hitIDs(res *api.Result) []string {
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}
