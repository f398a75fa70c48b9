package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutwatch/cutwatch/index/indextest"
)

// svc searches a real index of the seed articles, built once for the
// package's tests (tagging and indexing take a second or two under -race).
var svc *Service

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cutwatch-search-test-")
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
	svc = NewService(idx)
	return m.Run()
}

// The seed articles, by id (file name without extension).
const (
	midYorks  = "000_5ff42213f9cd3454" // Mid Yorkshire: £55m cuts, no redundancies named
	rotherham = "001_605bd6b5c84727b1" // Rotherham: Unison, 750 jobs, £20bn
	oxford    = "002_8c9206d03b6f824e" // Oxford Radcliffe: Unison + RCN, 366 jobs
	taunton   = "003_9d35053e17461f83" // Musgrove Park: Unison, £6.5m
	northEast = "004_bc688cb8839fcf6f" // North-East SHA and PCTs: Unison + RCN, 516 posts
)

func mustSearch(t *testing.T, req Request) *Result {
	t.Helper()
	res, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

func hitIDs(res *Result) []string {
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids
}
