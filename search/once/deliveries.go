package once

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/search/watch"
)

// Deliveries is the cluster's queue of webhook deliveries: the work-queue
// stream StreamDeliveries with one durable pull consumer that every
// node's dispatcher fetches from, so that each message is handed to one
// node at a time and leaves the stream when acknowledged. It implements
// watch.Queue.
//
// Every node matches every article, so every node offers the same
// deliveries. Three things keep each one once:
//   - a delivery's id hashes its watch and its article's content, the same
//     on every node, and is published as Nats-Msg-Id: JetStream drops
//     the copies published within DedupeWindow;
//   - once published, a marker with that id is created in
//     BucketDelivered (kept MarkerTTL): a node that matches the article
//     later (a node bootstrapping from an empty --data replays the whole
//     corpus hours later) finds it and publishes nothing;
//   - with Config.WrittenAt, an article version written more than
//     MarkerTTL/2 ago is not delivered at all, marker or not.
//
// The marker is created after the publish, never before: a node that dies
// between the two leaves no marker, and the other nodes, which match the
// same article about the same time, publish the same id (dropped by
// JetStream's window if the first got through).
type Deliveries struct {
	c *Cluster
}

// Deliveries returns the delivery queue.
func (c *Cluster) Deliveries() *Deliveries { return &Deliveries{c: c} }

// errCodeDuplicateInProcess is JetStream's answer to a publish whose
// Nats-Msg-Id another publish is storing ("duplicate message id is in
// process", nats-server's JSStreamDuplicateMessageConflict).
const errCodeDuplicateInProcess jetstream.ErrorCode = 10158

// enqueueWorkers is how many deliveries one Enqueue offers at once.
const enqueueWorkers = 16

// Enqueue implements watch.Queue.
func (q *Deliveries) Enqueue(ctx context.Context, ds []watch.Delivery) error {
	errs := make([]error, len(ds))
	sem := make(chan struct{}, enqueueWorkers)
	var wg sync.WaitGroup
	for i := range ds {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("enqueue panicked: %v", r)
				}
				<-sem
				wg.Done()
			}()
			errs[i] = q.enqueue(ctx, ds[i])
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (q *Deliveries) enqueue(ctx context.Context, d watch.Delivery) error {
	cfg := q.c.cfg
	_, err := q.c.delivered.Get(ctx, d.ID)
	switch {
	case err == nil:
		return nil // queued already, by this node or another
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return fmt.Errorf("delivery %s: read its marker: %w", d.ID, err)
	}
	if cfg.WrittenAt != nil {
		at, err := cfg.WrittenAt(ctx, d.Article)
		if err != nil {
			return fmt.Errorf("delivery %s: when was %s written: %w", d.ID, d.Article, err)
		}
		if !at.IsZero() && time.Since(at) > cfg.MarkerTTL/2 {
			cfg.Logger.Debug("once: not delivering the match of an old article", "delivery", d.ID, "article", d.Article, "written", at)
			return nil
		}
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	for try := 1; ; try++ {
		_, err := q.c.js.Publish(ctx, SubjectDeliveries, v, jetstream.WithMsgID(d.ID))
		if err == nil {
			break
		}
		// Another node publishes the same id at this moment: ask again
		// until JetStream says it took it (a duplicate) or that one failed.
		var apiErr *jetstream.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode != errCodeDuplicateInProcess || try == 50 {
			return fmt.Errorf("delivery %s: publish: %w", d.ID, err)
		}
		pause(ctx, 20*time.Millisecond)
	}
	if _, err := q.c.delivered.Create(ctx, d.ID, []byte(cfg.Node)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return fmt.Errorf("delivery %s: mark it queued: %w", d.ID, err)
	}
	return nil
}

// Fetch implements watch.Queue.
func (q *Deliveries) Fetch(ctx context.Context, max int, wait time.Duration) ([]watch.Pending, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	batch, err := q.c.queue.Fetch(max, jetstream.FetchMaxWait(wait))
	if err != nil {
		return nil, fmt.Errorf("fetch deliveries: %w", err)
	}
	var out []watch.Pending
	for msg := range batch.Messages() {
		p := &pending{msg: msg}
		meta, err := msg.Metadata()
		if err == nil {
			err = json.Unmarshal(msg.Data(), &p.d)
		}
		if err != nil {
			q.c.cfg.Logger.Error("once: dropping an unreadable delivery", "subject", msg.Subject(), "err", err)
			_ = msg.Term()
			continue
		}
		p.queued, p.attempt = meta.Timestamp, int(meta.NumDelivered)
		out = append(out, p)
	}
	if err := batch.Error(); err != nil && len(out) == 0 && !errors.Is(err, jetstream.ErrNoMessages) {
		return nil, fmt.Errorf("fetch deliveries: %w", err)
	}
	return out, nil
}

// pending is a delivery fetched by this node.
type pending struct {
	msg     jetstream.Msg
	d       watch.Delivery
	queued  time.Time
	attempt int
}

func (p *pending) Delivery() watch.Delivery      { return p.d }
func (p *pending) Queued() time.Time             { return p.queued }
func (p *pending) Attempt() int                  { return p.attempt }
func (p *pending) Ack(ctx context.Context) error { return p.msg.DoubleAck(ctx) }
func (p *pending) Retry(d time.Duration) error   { return p.msg.NakWithDelay(d) }
func (p *pending) Drop() error                   { return p.msg.Term() }

var _ watch.Queue = (*Deliveries)(nil)
