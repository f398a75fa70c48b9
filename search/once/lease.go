package once

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/search/sources"
)

// Leases are this node's leases of feed sources in BucketLeases: a key
// per source whose value is the node holding it. A node takes a free
// lease with Create (which fails if another node holds it), renews the
// ones it holds with Update at the revision it last wrote (which fails if
// another took it meanwhile), every third of the TTL, and gives them up
// with a Delete at that revision. The bucket's TTL (its streams' MaxAge)
// removes the lease of a node that died after LeaseTTL; the next node
// that asks takes it. It implements sources.Lease.
type Leases struct {
	c  *Cluster
	kv jetstream.KeyValue

	ops  sync.Mutex // one change of a lease at a time: Hold, Release, a renewal
	mu   sync.Mutex
	held map[string]uint64 // source id → revision of our lease

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Leases starts renewing this node's leases; Close stops it.
func (c *Cluster) Leases() *Leases {
	l := &Leases{c: c, kv: c.leases, held: map[string]uint64{}, stop: make(chan struct{}), done: make(chan struct{})}
	goSafe(c.cfg.Logger, "lease renewal", l.renewLoop)
	return l
}

// Hold implements sources.Lease.
func (l *Leases) Hold(ctx context.Context, id string) (bool, error) {
	l.ops.Lock()
	defer l.ops.Unlock()
	node := []byte(l.c.cfg.Node)
	e, err := l.kv.Get(ctx, id)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		rev, err := l.kv.Create(ctx, id, node)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil // another node was quicker
		}
		if err != nil {
			return false, fmt.Errorf("take the lease of %s: %w", id, err)
		}
		l.set(id, rev)
		return true, nil
	case err != nil:
		return false, fmt.Errorf("read the lease of %s: %w", id, err)
	case string(e.Value()) != l.c.cfg.Node:
		l.drop(id)
		return false, nil
	}
	rev, err := l.kv.Update(ctx, id, node, e.Revision())
	if err != nil {
		l.drop(id)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil
		}
		return false, fmt.Errorf("renew the lease of %s: %w", id, err)
	}
	l.set(id, rev)
	return true, nil
}

// Release implements sources.Lease.
func (l *Leases) Release(ctx context.Context, id string) error {
	l.ops.Lock()
	defer l.ops.Unlock()
	l.mu.Lock()
	rev, ok := l.held[id]
	delete(l.held, id)
	l.mu.Unlock()
	if !ok {
		return nil
	}
	if err := l.kv.Delete(ctx, id, jetstream.LastRevision(rev)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("release the lease of %s: %w", id, err)
	}
	return nil
}

// Recheck implements sources.Lease.
func (l *Leases) Recheck() time.Duration { return l.c.cfg.LeaseTTL / 2 }

// Held returns whether this node holds the lease of id, as far as it
// knows.
func (l *Leases) Held(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.held[id]
	return ok
}

func (l *Leases) set(id string, rev uint64) {
	l.mu.Lock()
	l.held[id] = rev
	l.mu.Unlock()
}

func (l *Leases) drop(id string) {
	l.mu.Lock()
	delete(l.held, id)
	l.mu.Unlock()
}

// renewLoop renews the leases held every third of their TTL.
func (l *Leases) renewLoop() {
	defer close(l.done)
	t := time.NewTicker(l.c.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		held := make([]string, 0, len(l.held))
		for id := range l.held {
			held = append(held, id)
		}
		l.mu.Unlock()
		for _, id := range held {
			l.renew(id)
		}
	}
}

// renew renews the lease of id if this node still holds it.
func (l *Leases) renew(id string) {
	l.ops.Lock()
	defer l.ops.Unlock()
	l.mu.Lock()
	rev, ok := l.held[id]
	l.mu.Unlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.c.cfg.LeaseTTL/3)
	nrev, err := l.kv.Update(ctx, id, []byte(l.c.cfg.Node), rev)
	cancel()
	if err != nil {
		l.drop(id)
		l.c.cfg.Logger.Warn("once: lost the lease of a source", "source", id, "err", err)
		return
	}
	l.set(id, nrev)
}

// Close stops renewing the leases (they expire after LeaseTTL unless
// released).
func (l *Leases) Close() {
	l.once.Do(func() { close(l.stop) })
	<-l.done
}

var _ sources.Lease = (*Leases)(nil)
