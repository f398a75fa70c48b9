package once

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Names of the NATS KV buckets and the stream this package keeps.
const (
	BucketLeases       = "cutwatch_leases"     // source id → node holding its lease (TTL: Config.LeaseTTL)
	BucketPollState    = "cutwatch_poll_state" // source id → sources.PollState (JSON)
	BucketSources      = "cutwatch_sources"    // source id → api.SourceStatus's spec (JSON)
	BucketWatches      = "cutwatch_watches"    // watch id → api.Watch with its secret (JSON)
	BucketDelivered    = "cutwatch_delivered"  // delivery id → node that queued it first (TTL: Config.MarkerTTL)
	StreamDeliveries   = "CUTWATCH_DELIVERIES" // work queue of watch.Delivery (JSON)
	SubjectDeliveries  = "cutwatch.deliveries"
	ConsumerDeliveries = "webhooks" // the one durable pull consumer every node fetches from
)

// Defaults of Config.
const (
	DefaultReplicas     = 3
	DefaultLeaseTTL     = 30 * time.Second
	DefaultMarkerTTL    = 90 * 24 * time.Hour
	DefaultDedupeWindow = 2 * time.Minute
	DefaultDeliveryAge  = 25 * time.Hour
	DefaultAckWait      = time.Minute
)

// Config configures the buckets, the stream and this node.
type Config struct {
	// Node is this node's name (cutwatch serve --node): the holder of the
	// leases it takes. It must differ between nodes.
	Node string
	// Replicas is the number of copies of each bucket and of the stream
	// (the R of JetStream; 1 for a single NATS server).
	Replicas int
	// LeaseTTL is how long a source's lease lives without renewal: the
	// longest a source goes unpolled after its holder dies (plus half of
	// it, the others' recheck).
	LeaseTTL time.Duration
	// MarkerTTL is how long the cluster remembers a delivery it queued:
	// a node that matches the same article version later (bootstrapping
	// from an empty --data, replaying the stream) does not queue it again
	// within it. Deliveries of articles written longer ago than
	// MarkerTTL/2 are not queued at all when WrittenAt tells their age.
	MarkerTTL time.Duration
	// DedupeWindow is JetStream's duplicate window of the delivery
	// stream: nodes matching the same article within it queue one
	// delivery.
	DedupeWindow time.Duration
	// DeliveryAge is how long a delivery stays in the stream (more than
	// the webhooks' give-up age).
	DeliveryAge time.Duration
	// AckWait is how long a node has to post a delivery before it is
	// handed to another (more than the webhooks' timeout).
	AckWait time.Duration
	// WrittenAt, if not nil, returns when the latest version of an
	// article was written to the cluster (its message's time in the
	// article stream): see MarkerTTL.
	WrittenAt func(ctx context.Context, articleID string) (time.Time, error)
	Logger    *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Node == "" {
		return c, errors.New("once: a node name is needed")
	}
	if c.Replicas <= 0 {
		c.Replicas = DefaultReplicas
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.MarkerTTL <= 0 {
		c.MarkerTTL = DefaultMarkerTTL
	}
	if c.DedupeWindow <= 0 {
		c.DedupeWindow = DefaultDedupeWindow
	}
	if c.DeliveryAge <= 0 {
		c.DeliveryAge = DefaultDeliveryAge
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Cluster holds this node's handles on the buckets and the stream.
type Cluster struct {
	cfg       Config
	js        jetstream.JetStream
	leases    jetstream.KeyValue
	state     jetstream.KeyValue
	sources   jetstream.KeyValue
	watches   jetstream.KeyValue
	delivered jetstream.KeyValue
	queue     jetstream.Consumer
}

// Open creates (or updates) the buckets and the delivery stream and its
// consumer, as cfg says: every node may call it at start.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Cluster, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, js: js}
	kv := func(name, desc string, ttl time.Duration) (jetstream.KeyValue, error) {
		b, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, Description: desc,
			History: 1, TTL: ttl, Replicas: cfg.Replicas, Storage: jetstream.FileStorage})
		if err != nil {
			return nil, fmt.Errorf("once: bucket %s: %w", name, err)
		}
		return b, nil
	}
	if c.leases, err = kv(BucketLeases, "cutwatch: the node polling each feed source", cfg.LeaseTTL); err != nil {
		return nil, err
	}
	if c.state, err = kv(BucketPollState, "cutwatch: the poll state of each feed source", 0); err != nil {
		return nil, err
	}
	if c.sources, err = kv(BucketSources, "cutwatch: the feed sources", 0); err != nil {
		return nil, err
	}
	if c.watches, err = kv(BucketWatches, "cutwatch: the watches (saved searches with webhooks)", 0); err != nil {
		return nil, err
	}
	if c.delivered, err = kv(BucketDelivered, "cutwatch: the watch deliveries queued", cfg.MarkerTTL); err != nil {
		return nil, err
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: StreamDeliveries,
		Description: "cutwatch: the webhook deliveries of the watches, each handed to one node",
		Subjects:    []string{SubjectDeliveries}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
		Replicas: cfg.Replicas, Duplicates: cfg.DedupeWindow, MaxAge: cfg.DeliveryAge})
	if err != nil {
		return nil, fmt.Errorf("once: stream %s: %w", StreamDeliveries, err)
	}
	c.queue, err = st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: ConsumerDeliveries,
		Description: "cutwatch: every node's webhook dispatcher", AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: cfg.AckWait, MaxDeliver: -1, MaxAckPending: 1000, Replicas: cfg.Replicas})
	if err != nil {
		return nil, fmt.Errorf("once: consumer %s: %w", ConsumerDeliveries, err)
	}
	return c, nil
}

// goSafe runs f in a goroutine that logs a panic instead of dying.
func goSafe(log *slog.Logger, what string, f func()) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				log.Error("once: "+what+" panicked", "panic", r)
			}
		}()
		f()
	}()
}
