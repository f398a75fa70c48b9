package main

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/index/cluster/natstest"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/once"
	"github.com/cutwatch/cutwatch/search/sources"
	"github.com/cutwatch/cutwatch/search/watch"
)

// TestWireOnce wires two nodes' Hubs and Managers as serve's cluster
// mode does, on one NATS server: a watch created on one node and a source
// added on the other are seen by both, and removing them removes them
// everywhere.
func TestWireOnce(t *testing.T) {
	nc := natstest.Start(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type node struct {
		hub *watch.Hub
		src *sources.Manager
	}
	var ns []node
	for _, name := range []string{"a", "b"} {
		conn, err := nats.Connect(nc.URL(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Close)
		js, err := jetstream.New(conn)
		if err != nil {
			t.Fatal(err)
		}
		ow, err := wireOnce(ctx, js, once.Config{Node: name, Replicas: 1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ow.close)
		hopts := watch.Options{AllowPrivate: true, Logger: slog.New(slog.DiscardHandler)}
		ow.watchOptions(&hopts)
		hub, err := watch.Open(t.TempDir(), hopts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = hub.Close() })
		sopts := sources.Options{Data: t.TempDir(), Logger: slog.New(slog.DiscardHandler), Fetch: sources.FetchOptions{AllowPrivate: true}}
		ow.sourceOptions(&sopts, nil)
		src, err := sources.Open(sopts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = src.Close() })
		if err := ow.mirror(ctx, hub, src); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, node{hub: hub, src: src})
	}
	w, err := ns[0].hub.CreateWatch(ctx, api.WatchSpec{Search: "q=redundancies", URL: "http://127.0.0.1:9/hook"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ns[1].src.AddSource(ctx, api.SourceSpec{URL: "http://127.0.0.1:9/feed", Interval: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
		}
	}
	until("node b has the watch created on a", func() bool { return slices.Contains(ns[1].hub.WatchIDs(), w.ID) })
	until("node a has the source added on b", func() bool { return slices.Contains(ns[0].src.SourceIDs(), s.ID) })
	if err := ns[1].hub.DeleteWatch(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if err := ns[0].src.RemoveSource(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	until("node a forgets the watch deleted on b", func() bool { return len(ns[0].hub.WatchIDs()) == 0 })
	until("node b forgets the source removed on a", func() bool { return len(ns[1].src.SourceIDs()) == 0 })
}
