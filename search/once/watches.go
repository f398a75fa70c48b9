package once

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/watch"
)

// WatchCatalog keeps the watches, with their secrets, in BucketWatches.
// It implements watch.Catalog.
type WatchCatalog struct{ kv jetstream.KeyValue }

// WatchCatalog returns the catalog of watches.
func (c *Cluster) WatchCatalog() *WatchCatalog { return &WatchCatalog{kv: c.watches} }

// PutWatch implements watch.Catalog.
func (s *WatchCatalog) PutWatch(ctx context.Context, w api.Watch) error {
	w.Queued = 0
	v, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, w.ID, v); err != nil {
		return fmt.Errorf("save watch %s in the cluster: %w", w.ID, err)
	}
	return nil
}

// DeleteWatch implements watch.Catalog.
func (s *WatchCatalog) DeleteWatch(ctx context.Context, id string) error {
	if err := s.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete watch %s in the cluster: %w", id, err)
	}
	return nil
}

// MirrorWatches keeps h's watches the same as BucketWatches until ctx
// ends, as MirrorSources does for the sources.
func (c *Cluster) MirrorWatches(ctx context.Context, h *watch.Hub) error {
	return c.mirror(ctx, c.watches, "watches", mirrorTarget{
		apply: func(v []byte) error {
			var w api.Watch
			if err := json.Unmarshal(v, &w); err != nil {
				return err
			}
			return h.MirrorWatch(w)
		},
		forget: h.ForgetWatch,
		ids:    h.WatchIDs,
	})
}

var _ watch.Catalog = (*WatchCatalog)(nil)
