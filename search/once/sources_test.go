package once_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/cluster/natstest"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/once"
	"github.com/cutwatch/cutwatch/search/sources"
)

// sourceNode is a node's feed sources: its Manager, with its lease of the
// sources and its mirror of the catalog.
type sourceNode struct {
	*node
	m      *sources.Manager
	leases *once.Leases
	stop   context.CancelFunc
}

// TestSourcePolledOncePerCluster runs three nodes' Managers on one
// three-server NATS cluster, each with its own client connection and
// sources.db, writing through one write path. A source added on one node
// reaches the others through the catalog; its feed is fetched by one node
// per poll interval, and each item's page is fetched and its article
// written once. When the holder dies (its NATS connection closed, no
// lease released) another node takes the source over within the lease's
// time to live, sends the validators of the last poll (answered 304),
// and takes only the item added since.
func TestSourcePolledOncePerCluster(t *testing.T) {
	const (
		interval = time.Second
		ttl      = 2 * time.Second
		stories  = 3
	)
	nc := natstest.Start(t, 3)
	site := newNewsSite(t, stories)
	w := openWriter(t, index.WriterOptions{})
	ing := &counting{w: w, by: map[string][]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ns []*sourceNode
	for i := range 3 {
		name := fmt.Sprintf("node-%d", i)
		n := &sourceNode{node: connect(t, nc, i, name, once.Config{LeaseTTL: ttl})}
		n.leases = n.cl.Leases()
		m, err := sources.Open(sources.Options{
			Data: t.TempDir(), Writer: w, MinInterval: 100 * time.Millisecond, Jitter: -1,
			Fetch: sources.FetchOptions{AllowPrivate: true, Contact: "https://example.org/" + name, Timeout: 5 * time.Second},
			Lease: n.leases, States: n.cl.States(), Ingest: nodeIngester{c: ing, node: name}, Catalog: n.cl.SourceCatalog(),
			Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		n.m = m
		mctx, stop := context.WithCancel(ctx)
		n.stop = stop
		if err := n.cl.MirrorSources(mctx, m); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			n.stop()
			_ = m.Close()
			n.leases.Close()
		})
		ns = append(ns, n)
	}
	src, err := ns[0].m.AddSource(ctx, api.SourceSpec{URL: site.srv.URL + "/feed", Interval: interval.String(), Filter: sources.KeepAll})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns[1:] {
		waitFor(t, 10*time.Second, n.name+" mirrors the source added on node-0", func() bool {
			return slices.Contains(n.m.SourceIDs(), src.ID)
		})
	}
	for _, n := range ns {
		n.m.Start()
	}

	// Four polls: one node fetches, one poll an interval.
	waitFor(t, 20*time.Second, "four fetches of the feed", func() bool { return len(site.hits()) >= 4 })
	hits := site.hits()
	holder := hits[0].node
	checkOnePerInterval(t, hits, interval)
	for _, h := range hits {
		if h.node != holder {
			t.Fatalf("the feed was fetched by %s and %s: want one node at a time (%v)", holder, h.node, hits)
		}
	}
	checkPagesOnce(t, site, ing, stories)

	// The holder dies: its connection is gone, its lease not released.
	var dead *sourceNode
	for _, n := range ns {
		if n.name == holder {
			dead = n
		}
	}
	dead.nc.Close()
	dead.stop()
	_ = dead.m.Close()
	dead.leases.Close()
	died := time.Now()
	before := len(site.hits())
	waitFor(t, 3*ttl+interval+5*time.Second, "another node fetches the feed", func() bool {
		hs := site.hits()
		return len(hs) > before && hs[len(hs)-1].node != holder
	})
	hits = site.hits()
	taker := hits[before].node
	if taker == holder {
		// The dead node's poll that was running when it died.
		t.Fatalf("after %s died it fetched again: %v", holder, hits[before:])
	}
	// The lease expires ttl after its last renewal (a third of ttl before
	// the death at most), and the others look every ttl/2; then the
	// shared next poll is due.
	if took := hits[before].at.Sub(died); took > ttl+ttl/2+interval+time.Second {
		t.Errorf("%s took the source over %v after %s died: want within the lease's TTL (%v) plus a recheck and an interval", taker, took, holder, ttl)
	}
	if h := hits[before]; h.ifNoneMatch == "" || h.status != 304 {
		t.Errorf("the taker's first fetch sent If-None-Match %q (answered %d): want the last poll's ETag, shared, and 304", h.ifNoneMatch, h.status)
	}

	// A new story: the taker takes it, and only it.
	site.addStory()
	waitFor(t, 10*time.Second, "the new story written", func() bool { return len(ing.all()) == stories+1 })
	waitFor(t, 10*time.Second, "two more fetches", func() bool { return len(site.hits()) >= len(hits)+2 })
	hits = site.hits()
	checkOnePerInterval(t, hits, interval)
	for _, h := range hits[before:] {
		if h.node != taker {
			t.Errorf("after the takeover the feed was fetched by %s and %s: want one node at a time", taker, h.node)
		}
	}
	checkPagesOnce(t, site, ing, stories+1)
}

// checkOnePerInterval fails unless consecutive fetches of the feed are at
// least most of an interval apart (the polls of one node, or of one node
// after another: the next poll is shared).
func checkOnePerInterval(t *testing.T, hits []feedHit, interval time.Duration) {
	t.Helper()
	for i := 1; i < len(hits); i++ {
		if gap := hits[i].at.Sub(hits[i-1].at); gap < interval*8/10 {
			t.Errorf("fetches %d (%s) and %d (%s) of the feed %v apart: want one per interval (%v)", i-1, hits[i-1].node, i, hits[i].node, gap, interval)
		}
	}
}

// checkPagesOnce fails unless each of the n stories' pages was fetched
// once and its article written once, by all the nodes together.
func checkPagesOnce(t *testing.T, site *newsSite, ing *counting, n int) {
	t.Helper()
	pages := site.pageHits()
	if len(pages) != n {
		t.Errorf("%d pages fetched, want %d: %v", len(pages), n, pages)
	}
	for p, c := range pages {
		if c != 1 {
			t.Errorf("page %s fetched %d times, want once", p, c)
		}
	}
	ids := ing.all()
	if len(ids) != n || len(slices.Compact(slices.Clone(ids))) != n {
		t.Errorf("articles written: %v, want %d, each once", ids, n)
	}
}
