package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/search/once"
	"github.com/cutwatch/cutwatch/search/sources"
	"github.com/cutwatch/cutwatch/search/watch"
)

// onceWiring is what serve's cluster mode (--nats) adds so that the work
// of the whole cluster is done once (search/once): the leases of the feed
// sources, their shared poll state, the delivery queue of the watches,
// and the watches and sources shared by every node. Its use, in serve's
// cluster branch:
//
//	ow, err := wireOnce(ctx, js, once.Config{Node: cfg.node, Replicas: r, WrittenAt: ..., Logger: log})
//	defer ow.close()
//	ow.watchOptions(&hubOpts)                 // before watch.Open
//	ow.sourceOptions(&srcOpts, node)          // before sources.Open; node is the cluster's api.Ingester
//	err = ow.mirror(ctx, hub, src)            // after both are open, before hub.Start and src.Start
type onceWiring struct {
	cl     *once.Cluster
	leases *once.Leases
	cancel context.CancelFunc
	ctx    context.Context
}

// wireOnce creates (or updates) the buckets and the delivery stream of
// search/once through js.
func wireOnce(ctx context.Context, js jetstream.JetStream, cfg once.Config) (*onceWiring, error) {
	cl, err := once.Open(ctx, js, cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	ow := &onceWiring{cl: cl, leases: cl.Leases()}
	ow.ctx, ow.cancel = context.WithCancel(context.Background())
	return ow, nil
}

// wireOnceRetry is wireOnce, tried again every few seconds while NATS
// cannot be reached (the process starts once it can; it never gives up
// by itself), until ctx ends.
func wireOnceRetry(ctx context.Context, js jetstream.JetStream, cfg once.Config, log *slog.Logger) (*onceWiring, error) {
	var last string
	for wait := time.Second; ; wait = min(2*wait, 10*time.Second) {
		tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		ow, err := wireOnce(tctx, js, cfg)
		cancel()
		if err == nil {
			return ow, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if msg := err.Error(); msg != last {
			log.Error("cluster: cannot set up the once-per-cluster buckets on NATS; retrying until it can be reached", "err", err)
			last = msg
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// watchOptions sets the Hub's cluster options: the delivery queue and
// the catalog of watches.
func (ow *onceWiring) watchOptions(o *watch.Options) {
	o.Queue, o.Catalog = ow.cl.Deliveries(), ow.cl.WatchCatalog()
}

// sourceOptions sets the Manager's cluster options: the leases, the
// shared poll state, the catalog of sources, and ing, the cluster's write
// path, for the articles kept.
func (ow *onceWiring) sourceOptions(o *sources.Options, ing sources.Ingester) {
	o.Lease, o.States, o.Catalog, o.Ingest = ow.leases, ow.cl.States(), ow.cl.SourceCatalog(), ing
}

// mirror makes hub and src mirror the cluster's watches and sources (nil
// skips one), and returns once each has read them all.
func (ow *onceWiring) mirror(ctx context.Context, hub *watch.Hub, src *sources.Manager) error {
	ready := func(err error) error {
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		return nil
	}
	if hub != nil {
		if err := ready(mirrorUntil(ctx, ow.ctx, func(c context.Context) error { return ow.cl.MirrorWatches(c, hub) })); err != nil {
			return err
		}
	}
	if src != nil {
		return ready(mirrorUntil(ctx, ow.ctx, func(c context.Context) error { return ow.cl.MirrorSources(c, src) }))
	}
	return nil
}

// mirrorUntil starts a mirror that runs until life ends, and waits for
// its first full read at most as long as wait lives.
func mirrorUntil(wait, life context.Context, start func(context.Context) error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				slog.Error("cluster: mirror panicked", "panic", r)
				done <- fmt.Errorf("mirror panicked: %v", r)
			}
		}()
		done <- start(life)
	}()
	select {
	case err := <-done:
		return err
	case <-wait.Done():
		return wait.Err()
	}
}

// close stops the mirrors and the renewal of the leases (the Manager's
// Close releases them first).
func (ow *onceWiring) close() {
	ow.cancel()
	ow.leases.Close()
}
