package once

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/sources"
)

// States keeps the sources' shared poll state in BucketPollState. It
// implements sources.States.
type States struct{ kv jetstream.KeyValue }

// States returns the shared poll states.
func (c *Cluster) States() *States { return &States{kv: c.state} }

// LoadState implements sources.States.
func (s *States) LoadState(ctx context.Context, id string) (sources.PollState, bool, error) {
	var st sources.PollState
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read the poll state of %s: %w", id, err)
	}
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return st, false, fmt.Errorf("poll state of %s: %w", id, err)
	}
	return st, true, nil
}

// SaveState implements sources.States.
func (s *States) SaveState(ctx context.Context, id string, st sources.PollState) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, id, v); err != nil {
		return fmt.Errorf("save the poll state of %s: %w", id, err)
	}
	return nil
}

// SourceCatalog keeps the sources in BucketSources. It implements
// sources.Catalog.
type SourceCatalog struct{ kv, state jetstream.KeyValue }

// SourceCatalog returns the catalog of sources.
func (c *Cluster) SourceCatalog() *SourceCatalog {
	return &SourceCatalog{kv: c.sources, state: c.state}
}

// PutSource implements sources.Catalog.
func (s *SourceCatalog) PutSource(ctx context.Context, src api.SourceStatus) error {
	v, err := json.Marshal(api.SourceStatus{ID: src.ID, URL: src.URL, Interval: src.Interval, Filter: src.Filter, Added: src.Added})
	if err != nil {
		return err
	}
	if _, err := s.kv.Put(ctx, src.ID, v); err != nil {
		return fmt.Errorf("save source %s in the cluster: %w", src.ID, err)
	}
	return nil
}

// DeleteSource implements sources.Catalog; the source's poll state goes
// too.
func (s *SourceCatalog) DeleteSource(ctx context.Context, id string) error {
	if err := s.kv.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete source %s in the cluster: %w", id, err)
	}
	if err := s.state.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete the poll state of %s: %w", id, err)
	}
	return nil
}

// MirrorSources keeps m's sources the same as BucketSources until ctx
// ends: it applies every source of the bucket, drops those of m the
// bucket lacks once it has read them all, then applies each change. It
// returns once the first full read is applied (or ctx ends, or the
// watch cannot start).
func (c *Cluster) MirrorSources(ctx context.Context, m *sources.Manager) error {
	return c.mirror(ctx, c.sources, "sources", mirrorTarget{
		apply: func(v []byte) error {
			var s api.SourceStatus
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			return m.MirrorSource(s)
		},
		forget: m.ForgetSource,
		ids:    m.SourceIDs,
	})
}

var (
	_ sources.States  = (*States)(nil)
	_ sources.Catalog = (*SourceCatalog)(nil)
)
