package once

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// mirrorTarget is the local copy a bucket is mirrored into.
type mirrorTarget struct {
	apply  func(v []byte) error  // add or replace the value of a key
	forget func(id string) error // remove a key's
	ids    func() []string       // the keys held
}

// mirror watches the bucket kv and applies it to t until ctx ends (see
// MirrorSources). A watch that ends early is started again after a
// second, with a full read.
func (c *Cluster) mirror(ctx context.Context, kv jetstream.KeyValue, what string, t mirrorTarget) error {
	log := c.cfg.Logger.With("bucket", kv.Bucket())
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("once: watch the %s: %w", what, err)
	}
	ready := make(chan struct{})
	goSafe(log, "mirror of the "+what, func() {
		first := true
		for {
			c.follow(w, what, t, func() {
				if first {
					first = false
					close(ready)
				}
			})
			_ = w.Stop()
			for ctx.Err() == nil {
				pause(ctx, time.Second)
				if w, err = kv.WatchAll(ctx); err == nil {
					break
				}
				log.Warn("once: cannot watch the "+what+"; trying again", "err", err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	})
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// follow applies the updates of w until its channel closes: the whole
// bucket first (then the keys held that the bucket lacks are forgotten,
// and synced is called), then every change.
func (c *Cluster) follow(w jetstream.KeyWatcher, what string, t mirrorTarget, synced func()) {
	log := c.cfg.Logger
	seen := map[string]bool{}
	initial := true
	for e := range w.Updates() {
		if e == nil {
			if initial {
				initial = false
				for _, id := range t.ids() {
					if !seen[id] {
						if err := t.forget(id); err != nil {
							log.Error("once: cannot drop a local copy the cluster no longer has", "what", what, "key", id, "err", err)
						}
					}
				}
				synced()
			}
			continue
		}
		var err error
		switch e.Operation() {
		case jetstream.KeyValuePut:
			if initial {
				seen[e.Key()] = true
			}
			err = t.apply(e.Value())
		default: // deleted or purged
			err = t.forget(e.Key())
		}
		if err != nil {
			log.Error("once: cannot mirror a change of the cluster", "what", what, "key", e.Key(), "err", err)
		}
	}
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
