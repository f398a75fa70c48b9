package watch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/search/api"
)

// What a Hub needs to run in a cluster (cutwatch serve --nats), where
// every node indexes every article and so matches every watch, but each
// match must reach the webhook once. Each is an option of Options;
// without them (the embedded default) the Hub keeps its queue in
// watches.db. The NATS implementations are in search/once.

// Queue is the cluster's queue of deliveries: a work queue every node
// offers its matches to and every node's dispatcher takes from, each
// delivery handed to one node at a time.
type Queue interface {
	// Enqueue offers the deliveries of a write, and returns once they are
	// durably queued (or known to be queued or delivered already: the
	// queue keeps each Delivery.ID once for the whole cluster, however
	// many nodes offer it and however late).
	Enqueue(ctx context.Context, ds []Delivery) error
	// Fetch waits at most wait for at most max deliveries handed to this
	// node.
	Fetch(ctx context.Context, max int, wait time.Duration) ([]Pending, error)
}

// Delivery is one POST of the cluster's queue: one article version that
// one watch matched.
type Delivery struct {
	// ID names the watch and the article's content (a hash of both): every
	// node that matches the same version of the article makes the same.
	ID      string `json:"id"`
	Watch   string `json:"watch"`
	Article string `json:"article"`
	// Version is a hash of the article's content.
	Version string `json:"version"`
	// Body is the Payload posted.
	Body json.RawMessage `json:"body"`
}

// Pending is a Delivery handed to this node by the Queue, until it says
// what became of it.
type Pending interface {
	Delivery() Delivery
	// Queued is when the delivery was first queued (the give-up age counts
	// from it); Attempt is the number of this attempt (1 for the first).
	Queued() time.Time
	Attempt() int
	// Ack: delivered. Retry: hand it out again after d. Drop: give it up.
	Ack(ctx context.Context) error
	Retry(d time.Duration) error
	Drop() error
}

// Catalog keeps the watches themselves where every node sees them (a NATS
// KV bucket): CreateWatch, DeleteWatch and a webhook's 410 change it, and
// every node's Hub mirrors its changes with MirrorWatch and ForgetWatch.
// It keeps each watch with its secret: any node may sign its deliveries.
type Catalog interface {
	PutWatch(ctx context.Context, w api.Watch) error
	DeleteWatch(ctx context.Context, id string) error
}

// enqueueTimeout bounds the queueing of one write's deliveries.
const enqueueTimeout = 30 * time.Second

// enqueueLocked offers the deliveries ds, split into one per watch and
// article version, to the Queue, and records seq as percolated. h.mu must
// be held.
func (h *Hub) enqueueLocked(ctx context.Context, ds []delivery, seq uint64) error {
	var out []Delivery
	for _, d := range ds {
		c, ok := h.watches[d.Watch]
		if !ok {
			continue
		}
		for i, k := range d.Articles {
			sum := sha256.Sum256([]byte(d.Watch + "\x00" + d.versions[i]))
			id := "d_" + hex.EncodeToString(sum[:16])
			head, err := json.Marshal(Payload{Watch: c.w.ID, Name: c.w.Name, Delivery: id})
			if err != nil {
				return err
			}
			if !bytes.HasSuffix(head, []byte(`"articles":null}`)) {
				return fmt.Errorf("payload head %s", head)
			}
			body := append(bytes.TrimSuffix(head, []byte("null}")), '[')
			body = append(append(body, d.arts[k]...), ']', '}')
			out = append(out, Delivery{ID: id, Watch: d.Watch, Article: d.ids[i], Version: d.versions[i], Body: body})
		}
	}
	if len(out) > 0 {
		ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
		defer cancel()
		if err := h.opts.Queue.Enqueue(ctx, out); err != nil {
			return fmt.Errorf("watches: queue %d deliveries: %w", len(out), err)
		}
		h.queued.Add(uint64(len(out)))
	}
	if seq == h.percolated {
		return nil
	}
	return h.setPercolated(seq)
}

// dispatchQueue takes deliveries from the Queue, Workers at once, and
// posts them until Close.
func (h *Hub) dispatchQueue() {
	defer h.done.Done()
	sem := make(chan struct{}, h.opts.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for h.ctx.Err() == nil {
		free := h.opts.Workers - len(sem)
		if free == 0 {
			select {
			case sem <- struct{}{}: // wait for a free worker
				<-sem
			case <-h.ctx.Done():
			}
			continue
		}
		ps, err := h.fetch(free)
		if err != nil {
			if h.ctx.Err() == nil {
				h.log.Warn("watches: cannot fetch deliveries from the cluster's queue; trying again", "err", err)
				pause(h.ctx, time.Second)
			}
			continue
		}
		for _, p := range ps {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() {
					if r := recover(); r != nil {
						h.log.Error("watch delivery panicked", "delivery", p.Delivery().ID, "panic", r)
					}
					<-sem
					wg.Done()
				}()
				h.deliverPending(p)
			}()
		}
	}
}

// fetch calls the Queue's Fetch, turning a panic into an error.
func (h *Hub) fetch(n int) (ps []Pending, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetch panicked: %v", r)
		}
	}()
	return h.opts.Queue.Fetch(h.ctx, n, time.Second)
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// unknownWait is how long a delivery whose watch this node does not know
// (yet: created on another node a moment ago) waits to be handed out
// again; after unknownGiveUp it is dropped (the watch was deleted before
// this node started; one deleted since is dropped at once).
const (
	unknownWait   = time.Second
	unknownGiveUp = time.Minute
)

// deliverPending posts p once and tells the Queue what became of it: as
// deliver does for watches.db's queue, with the same backoff, give-up age
// and 410 handling.
func (h *Hub) deliverPending(p Pending) {
	d := p.Delivery()
	h.mu.RLock()
	c, ok := h.watches[d.Watch]
	h.mu.RUnlock()
	settle := func(what string, err error) {
		if err != nil && h.ctx.Err() == nil {
			h.log.Warn("watches: cannot settle a delivery with the cluster's queue; it is handed out again", "delivery", d.ID, "outcome", what, "err", err)
		}
	}
	switch {
	case !ok && !h.wasDeleted(d.Watch) && time.Since(p.Queued()) < unknownGiveUp:
		settle("retry", p.Retry(unknownWait))
		return
	case !ok || c.w.Disabled != "":
		settle("drop", p.Drop())
		return
	}
	now := time.Now()
	status, asked, err := h.post(c.w, delivery{ID: d.ID, Body: d.Body}, now)
	if h.ctx.Err() != nil {
		return // closing: the queue hands it out again
	}
	at := api.Attempt{Delivery: d.ID, Attempt: p.Attempt(), At: now.UTC(), Status: status}
	if err != nil {
		at.Error = err.Error()
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		at.Result = "delivered"
		if err := p.Ack(h.ctx); err != nil {
			settle("ack", err)
		}
		h.delivered.Add(1)
	case status == http.StatusGone:
		at.Result = "disabled"
		h.failed.Add(1)
		settle("drop", p.Drop())
		h.disable(c.w, fmt.Sprintf("the webhook answered 410 Gone at %s", now.UTC().Format(time.RFC3339)))
	case err == nil && status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
		at.Result = "failed"
		at.Error = "the webhook refused it: " + http.StatusText(status)
		h.failed.Add(1)
		settle("drop", p.Drop())
	default:
		wait := h.backoff(p.Attempt(), asked)
		nextAt := now.Add(wait)
		if nextAt.Sub(p.Queued()) > h.opts.GiveUp {
			at.Result = "failed"
			if at.Error == "" {
				at.Error = fmt.Sprintf("status %d", status)
			}
			at.Error += fmt.Sprintf("; given up after %s", h.opts.GiveUp)
			h.failed.Add(1)
			settle("drop", p.Drop())
			break
		}
		at.Result = "retry"
		n := nextAt.UTC()
		at.Next = &n
		h.retried.Add(1)
		settle("retry", p.Retry(wait))
	}
	err = h.db.Update(func(tx *bolt.Tx) error { return addAttempt(tx, d.Watch, at) })
	if err != nil {
		h.log.Error("watches: record an attempt", "delivery", d.ID, "err", err)
	}
}

// disable marks the watch w disabled for why, in the Catalog (every node
// mirrors it) and here.
func (h *Hub) disable(w api.Watch, why string) {
	w.Disabled = why
	if h.opts.Catalog != nil {
		ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
		defer cancel()
		if err := h.opts.Catalog.PutWatch(ctx, w); err != nil {
			h.log.Error("watches: cannot disable a watch in the cluster's catalog", "watch", w.ID, "err", err)
		}
	}
	if err := h.MirrorWatch(w); err != nil {
		h.log.Error("watches: cannot disable a watch", "watch", w.ID, "err", err)
	}
	h.log.Warn("watch disabled", "watch", w.ID, "reason", why)
}

// MirrorWatch adds or replaces a watch as the Catalog holds it (created
// or disabled on another node).
func (h *Hub) MirrorWatch(w api.Watch) error {
	c, err := h.compile(w)
	if err != nil {
		return fmt.Errorf("watch %q from the catalog: %w", w.ID, err)
	}
	v, err := json.Marshal(w)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.watches[w.ID]; ok && old.w == w {
		return nil
	}
	err = h.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketWatches).Put([]byte(w.ID), v) })
	if err != nil {
		return fmt.Errorf("save watch %q: %w", w.ID, err)
	}
	h.watches[w.ID] = c
	return nil
}

// ForgetWatch removes a watch the Catalog no longer holds (deleted on
// another node); nothing if it is not here.
func (h *Hub) ForgetWatch(id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.watches[id]; !ok {
		return nil
	}
	return h.forgetLocked(id)
}

// maxGone is how many deleted watches a Hub remembers.
const maxGone = 1000

// noteGone remembers that watch id was deleted: its deliveries still in
// the cluster's queue are dropped at once, not taken for those of a watch
// created on another node that this one has not mirrored yet. h.mu must
// be held.
func (h *Hub) noteGone(id string) {
	h.gone = append(h.gone, id)
	if n := len(h.gone) - maxGone; n > 0 {
		h.gone = slices.Delete(h.gone, 0, n)
	}
}

func (h *Hub) wasDeleted(id string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return slices.Contains(h.gone, id)
}

// WatchIDs returns the ids of the watches here.
func (h *Hub) WatchIDs() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ids := make([]string, 0, len(h.watches))
	for id := range h.watches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
