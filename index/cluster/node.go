package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Options configure a Node.
type Options struct {
	Conn ConnOptions
	// NATS, if not nil, is an open connection (Dial) to use instead of
	// dialling Conn; the Node does not close it.
	NATS *nats.Conn
	// Stream is the name of the article stream (DefaultStream if empty).
	Stream string
	// Replicas is the stream's replication factor (DefaultReplicas if 0).
	Replicas int
	// Node names this node (the host name if empty).
	Node string
	// PublishTimeout bounds the wait for JetStream's acknowledgement of
	// a write (DefaultPublishTimeout if 0): past it the write is a 503.
	PublishTimeout time.Duration
	// MinSeqWait bounds the wait of a read with min_seq
	// (DefaultMinSeqWait if 0).
	MinSeqWait time.Duration
	// Seeds is a folder of articles published when the stream is empty
	// (see Node); empty: none.
	Seeds string
	// Logger (slog.Default() if nil).
	Logger *slog.Logger
	// ObserveBatch, if not nil, is called with the number of messages of
	// each batch applied (a metric).
	ObserveBatch func(int)
}

// maxBatch bounds a batch of applied messages: by count, and by the bytes
// of their (compressed) bodies.
const (
	maxBatch      = 512
	maxBatchBytes = 8 << 20
)

// Node is one cutwatch node of the cluster mode: the api.Ingester of the
// write routes (publishing to the stream), the applier of the stream into
// its index.Writer, and the api.SeqWaiter, api.Cluster and
// api.Readiness of the web layer.
//
// Start connects in the background: a node whose NATS servers cannot be
// reached starts anyway, serves reads from its local index, answers
// writes 503 and /readyz 503 with the reason, and keeps trying.
type Node struct {
	w        *index.Writer
	opts     Options
	log      *slog.Logger
	prefix   string
	nc       *nats.Conn
	ownNC    bool                                // the Node dialled nc and closes it
	js       atomic.Pointer[jetstream.JetStream] // set once the stream exists
	stream   atomic.Pointer[jetstream.Stream]
	replicas int

	applied     atomic.Uint64 // last stream sequence applied to the store
	appliedMsgs atomic.Uint64
	streamLast  atomic.Uint64 // the stream's last sequence as last seen
	target      atomic.Uint64 // the stream's last sequence at start
	targetSet   atomic.Bool
	pubErrors   atomic.Uint64
	setupErr    atomic.Pointer[string] // why the stream is not set up yet
	applyErr    atomic.Pointer[string] // why applying stopped (retrying)

	mu     sync.Mutex
	notify chan struct{} // closed (and replaced) at each apply

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// Start connects to NATS (in the background: see Node), creates or
// updates the article stream and applies it into w from the sequence the
// store of w last applied. It fails only for bad options.
func Start(w *index.Writer, opts Options) (*Node, error) {
	if opts.Stream == "" {
		opts.Stream = DefaultStream
	}
	if opts.Replicas <= 0 {
		opts.Replicas = DefaultReplicas
	}
	if opts.PublishTimeout <= 0 {
		opts.PublishTimeout = DefaultPublishTimeout
	}
	if opts.MinSeqWait <= 0 {
		opts.MinSeqWait = DefaultMinSeqWait
	}
	if opts.Node == "" {
		h, err := os.Hostname()
		if err != nil {
			h = "cutwatch"
		}
		opts.Node = h
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if strings.ContainsAny(opts.Stream, ". *>\t") {
		return nil, fmt.Errorf("stream name %q: no '.', '*', '>' or spaces", opts.Stream)
	}
	// A store that cannot be read (damaged) does not stop the node: it
	// serves what it can, and the apply loop says why it cannot apply.
	applied, msgs, err := w.Applied()
	if err != nil {
		opts.Logger.Error("cluster: the article store's applied stream sequence cannot be read: this node applies nothing until it is repaired", "err", err)
	}
	n := &Node{w: w, opts: opts, log: opts.Logger.With("node", opts.Node), prefix: subjectPrefix(opts.Stream), notify: make(chan struct{}), done: make(chan struct{})}
	n.applied.Store(applied)
	n.appliedMsgs.Store(msgs)
	co := opts.Conn
	if co.Name == "" {
		co.Name = "cutwatch " + opts.Node
	}
	n.nc = opts.NATS
	if n.nc == nil {
		nc, err := Dial(co, n.log)
		if err != nil {
			return nil, err
		}
		n.nc, n.ownNC = nc, true
	}
	why := "connecting to NATS " + co.URLs
	n.setupErr.Store(&why)
	n.ctx, n.cancel = context.WithCancel(context.Background())
	go n.run()
	return n, nil
}

// Close stops applying and closes the connection (writes then fail).
func (n *Node) Close() {
	n.cancel()
	<-n.done
	if n.ownNC {
		n.nc.Close()
	}
}

// Dial connects to NATS as the cluster mode does (see ConnOptions): it
// returns at once, also when no server can be reached yet, and the
// connection keeps trying in the background. It fails only for bad
// options.
func Dial(co ConnOptions, log *slog.Logger) (*nats.Conn, error) {
	nopts, err := co.natsOptions()
	if err != nil {
		return nil, err
	}
	nopts = append(nopts,
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("NATS: disconnected; reconnecting", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("NATS: reconnected", "url", c.ConnectedUrlRedacted())
		}))
	nc, err := nats.Connect(co.URLs, nopts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS %s: %w", co.URLs, err)
	}
	return nc, nil
}

// Put is PutSeq without the sequence number (the write path of the feed
// sources in cluster mode, search/sources.Ingester).
func (n *Node) Put(ctx context.Context, arts []api.Article) ([][]tag.Entity, error) {
	ents, _, err := n.PutSeq(ctx, arts)
	return ents, err
}

// WrittenAt returns when the latest message of the article id was
// written to the stream (search/once's Config.WrittenAt).
func (n *Node) WrittenAt(ctx context.Context, id string) (time.Time, error) {
	p := n.stream.Load()
	if p == nil {
		return time.Time{}, fmt.Errorf("%w: the cluster's stream is not set up yet", api.ErrReplication)
	}
	m, err := (*p).GetLastMsgForSubject(ctx, n.prefix+"."+Token(id))
	if err != nil {
		return time.Time{}, fmt.Errorf("article %q in the stream: %w", api.Truncate(id, 100), err)
	}
	return m.Time, nil
}

// run sets up the stream (retrying until it can), publishes the seeds
// into an empty stream, and applies the stream until Close.
func (n *Node) run() {
	defer close(n.done)
	defer func() {
		if r := recover(); r != nil {
			n.log.Error("cluster: the apply loop panicked; this node no longer applies the stream (restart it)", "panic", r)
			why := fmt.Sprintf("the apply loop stopped: %v", r)
			n.applyErr.Store(&why)
		}
	}()
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := n.setup()
		if err == nil {
			break
		}
		why := fmt.Sprintf("cannot set up the stream %s on NATS (%s): %v", n.opts.Stream, n.nc.Status(), err)
		if prev := n.setupErr.Swap(&why); prev == nil || *prev != why {
			n.log.Error("cluster: "+why+"; retrying", "servers", n.opts.Conn.URLs)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	n.setupErr.Store(nil)
	n.log.Info("cluster: stream ready", "stream", n.opts.Stream, "replicas", n.replicas, "applied", n.applied.Load(), "catch_up_to", n.target.Load())
	for {
		err := n.consume()
		if n.ctx.Err() != nil {
			return
		}
		why := err.Error()
		if prev := n.applyErr.Swap(&why); prev == nil || *prev != why {
			n.log.Error("cluster: applying the stream stopped; resuming from the store's last applied message", "applied", n.applied.Load(), "err", err)
		}
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// setup creates or updates the stream, reads its last sequence (the
// catch-up target of /readyz) and publishes the seeds into it when it is
// empty.
func (n *Node) setup() error {
	js, err := jetstream.New(n.nc, jetstream.WithPublishAsyncMaxPending(1024))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
	defer cancel()
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              n.opts.Stream,
		Description:       "cutwatch articles: the latest version of each, deletes as tombstones",
		Subjects:          []string{n.prefix + ".*"},
		Storage:           jetstream.FileStorage,
		Replicas:          n.opts.Replicas,
		MaxMsgsPerSubject: 1,
		Duplicates:        DuplicateWindow,
		Discard:           jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("create or update the stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("read the stream: %w", err)
	}
	n.replicas = info.Config.Replicas
	n.js.Store(&js)
	n.stream.Store(&st)
	n.streamLast.Store(info.State.LastSeq)
	if a := n.applied.Load(); info.State.LastSeq < a {
		n.log.Error("cluster: the stream ends before the message this node's store last applied: was the stream deleted and made again? This node's --data belongs to another stream: start it on an empty --data", "stream_last", info.State.LastSeq, "applied", a)
	}
	if info.State.LastSeq == 0 && n.opts.Seeds != "" {
		if err := n.seed(); err != nil {
			n.log.Error("cluster: publishing the seed articles failed", "seeds", n.opts.Seeds, "err", err)
		}
		if info, err = st.Info(ctx); err == nil {
			n.streamLast.Store(info.State.LastSeq)
		}
	}
	n.target.Store(n.streamLast.Load())
	n.targetSet.Store(true)
	return nil
}

// seed publishes the articles of Options.Seeds, DefaultBatchSize at a
// time. Nodes started together on an empty stream publish the same
// messages, which the stream stores once (their ids hash their content).
func (n *Node) seed() error {
	files, _, err := index.FindFiles([]string{n.opts.Seeds})
	if err != nil {
		if os.IsNotExist(errors.Unwrap(err)) || errors.Is(err, os.ErrNotExist) {
			n.log.Warn("cluster: an empty stream and no seed articles to put into it", "seeds", n.opts.Seeds)
			return nil
		}
		return err
	}
	var arts []api.Article
	seen := map[string]bool{}
	for _, f := range files {
		err := index.ReadFile(n.ctx, f, func(r index.Record) error {
			if !seen[r.Article.ID] {
				seen[r.Article.ID] = true
				arts = append(arts, r.Article)
			}
			return nil
		}, func(index.Skip) {})
		if err != nil {
			return err
		}
	}
	published := 0
	for start := 0; start < len(arts); start += index.DefaultBatchSize {
		batch := arts[start:min(start+index.DefaultBatchSize, len(arts))]
		if _, _, err := n.PutSeq(n.ctx, batch); err != nil {
			// A bad seed article fails its batch: try them one by one.
			for _, a := range batch {
				if _, _, err := n.PutSeq(n.ctx, []api.Article{a}); err == nil {
					published++
				}
			}
			continue
		}
		published += len(batch)
	}
	n.log.Info("cluster: the stream was empty: published the seed articles", "seeds", n.opts.Seeds, "articles", published)
	return nil
}

// consume applies the stream from the store's last applied sequence + 1
// until Close or an error. An ordered consumer: ephemeral, in order,
// recreated by the client from where it was on a gap or a lost server;
// the node's position is the one its store records, not the server's.
func (n *Node) consume() error {
	js := *n.js.Load()
	// From the store's record, which a failed apply may have moved on
	// (the store committed, the index did not: the index catches up from
	// the store at the next write).
	applied, msgs, err := n.w.Applied()
	if err != nil {
		return err
	}
	n.appliedMsgs.Store(msgs)
	if applied != n.applied.Load() {
		n.setApplied(applied)
	}
	from := applied + 1
	cons, err := js.OrderedConsumer(n.ctx, n.opts.Stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   from,
	})
	if err != nil {
		return fmt.Errorf("create a consumer of %s from %d: %w", n.opts.Stream, from, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(maxBatch))
	if err != nil {
		return fmt.Errorf("consume %s from %d: %w", n.opts.Stream, from, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(n.ctx, it.Stop)
	defer stop()
	n.applyErr.Store(nil)
	for {
		msg, err := it.Next()
		if err != nil {
			return fmt.Errorf("read the stream: %w", err)
		}
		batch := []jetstream.Msg{msg}
		size := len(msg.Data())
		for len(batch) < maxBatch && size < maxBatchBytes {
			m, err := it.Next(jetstream.NextMaxWait(time.Millisecond))
			if err != nil {
				break
			}
			batch = append(batch, m)
			size += len(m.Data())
		}
		if err := n.apply(batch); err != nil {
			return err
		}
	}
}

// apply decodes a batch of messages and applies it to the Writer.
func (n *Node) apply(batch []jetstream.Msg) error {
	entries := make([]index.LogEntry, 0, len(batch))
	for _, m := range batch {
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("message metadata: %w", err)
		}
		seq := meta.Sequence.Stream
		n.streamLast.Store(max(n.streamLast.Load(), seq+meta.NumPending))
		r, err := Decode(m.Subject(), m.Headers(), m.Data())
		if err != nil {
			n.log.Error("cluster: a message of the stream cannot be read: skipped", "seq", seq, "subject", m.Subject(), "err", err)
			entries = append(entries, index.LogEntry{Seq: seq, Noop: true})
			continue
		}
		entries = append(entries, index.LogEntry{Seq: seq, Article: r.Article, Entities: r.Entities, Tagged: !r.Delete, Delete: r.Delete})
	}
	st, err := n.w.Apply(n.ctx, entries)
	if err != nil {
		return fmt.Errorf("apply messages %d–%d: %w", entries[0].Seq, entries[len(entries)-1].Seq, err)
	}
	if st.Skipped > 0 {
		n.log.Info("cluster: skipped messages this node had applied already", "skipped", st.Skipped)
	}
	if st.Applied > 0 {
		n.appliedMsgs.Add(uint64(st.Applied))
		n.setApplied(st.Seq)
		if n.opts.ObserveBatch != nil {
			n.opts.ObserveBatch(st.Applied)
		}
	}
	return nil
}

// setApplied records seq as applied and wakes the reads waiting for it.
func (n *Node) setApplied(seq uint64) {
	n.mu.Lock()
	n.applied.Store(seq)
	close(n.notify)
	n.notify = make(chan struct{})
	n.mu.Unlock()
}

func (n *Node) notifyChan() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.notify
}

// WaitSeq returns nil once this node has applied the stream's message
// seq, or a retryable *api.MinSeqError after Options.MinSeqWait.
func (n *Node) WaitSeq(ctx context.Context, seq uint64) error {
	var timer *time.Timer
	for {
		ch := n.notifyChan()
		applied := n.applied.Load()
		if applied >= seq {
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(n.opts.MinSeqWait)
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-timer.C:
			applied = n.applied.Load()
			if applied >= seq {
				return nil
			}
			reason := fmt.Sprintf("this node has not applied it within %s", n.opts.MinSeqWait)
			if last := n.streamLast.Load(); seq > last {
				reason = fmt.Sprintf("the stream's last sequence this node knows is %d: retry, or read from the node that wrote it", last)
			}
			return &api.MinSeqError{Reason: reason, Applied: applied, Wanted: seq, Retryable: true}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Applied returns the last stream sequence this node has applied.
func (n *Node) Applied() uint64 { return n.applied.Load() }

// notReady returns why the node is not ready, or "".
func (n *Node) notReady() string {
	if p := n.setupErr.Load(); p != nil {
		return *p
	}
	if p := n.applyErr.Load(); p != nil {
		return "applying the stream stopped: " + *p
	}
	if !n.targetSet.Load() {
		return "reading the stream"
	}
	if a, t := n.applied.Load(), n.target.Load(); a < t {
		return fmt.Sprintf("catching up with the stream: applied %d of %d", a, t)
	}
	return ""
}

// Status reports the node's replication state (api.Cluster).
func (n *Node) Status(ctx context.Context, live bool) api.ClusterStatus {
	var st api.ClusterStatus
	st.Node = n.opts.Node
	st.Stream.Name = n.opts.Stream
	st.Stream.Replicas = n.replicas
	if p := n.stream.Load(); live && p != nil {
		info, err := (*p).Info(ctx)
		if err != nil {
			st.Stream.Error = err.Error()
		} else {
			n.streamLast.Store(max(n.streamLast.Load(), info.State.LastSeq))
			st.Stream.Replicas = info.Config.Replicas
			st.Stream.Messages, st.Stream.Bytes = info.State.Msgs, info.State.Bytes
			if info.Cluster != nil {
				st.Stream.Leader = info.Cluster.Leader
				for _, p := range info.Cluster.Replicas {
					s := p.Name
					if !p.Current || p.Offline {
						s += " (behind or offline)"
					}
					st.Stream.Peers = append(st.Stream.Peers, s)
				}
			}
		}
	}
	st.Applied, st.AppliedMessages = n.applied.Load(), n.appliedMsgs.Load()
	st.StreamLast = max(n.streamLast.Load(), st.Applied)
	st.Lag = st.StreamLast - st.Applied
	st.StartTarget = n.target.Load()
	st.NotReady = n.notReady()
	st.CaughtUp = n.targetSet.Load() && st.Applied >= st.StartTarget
	st.NATS.State = n.nc.Status().String()
	st.NATS.Connected = n.nc.ConnectedUrlRedacted()
	st.NATS.Servers = n.nc.Servers()
	st.PublishErrors = n.pubErrors.Load()
	return st
}

// Ready is the Writer's (api.Readiness): reads go on while the node
// catches up; /readyz asks Status for that.
func (n *Node) Ready() error { return n.w.Ready() }

// Dir is the Writer's (api.Readiness).
func (n *Node) Dir() string { return n.w.Dir() }

// Writable returns nil when the node takes writes: its Writer applies
// them and the stream is set up and connected (api.Readiness).
func (n *Node) Writable() error {
	if err := n.w.Writable(); err != nil {
		return err
	}
	if p := n.setupErr.Load(); p != nil {
		return fmt.Errorf("%w: %s", api.ErrReplication, *p)
	}
	if s := n.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("%w: not connected to NATS (%s)", api.ErrReplication, s)
	}
	return nil
}

// Reindex re-indexes this node's index from its own store, which mirrors
// the stream (api.Ingester): one node at a time, see the README.
func (n *Node) Reindex(ctx context.Context, opts api.ReindexOptions) (api.ReindexStats, error) {
	return n.w.Reindex(ctx, opts)
}

// jetStream returns the JetStream context once the stream is set up, or
// why writes cannot be published.
func (n *Node) jetStream() (jetstream.JetStream, error) {
	p := n.js.Load()
	if p == nil {
		why := "not connected"
		if s := n.setupErr.Load(); s != nil {
			why = *s
		}
		return nil, fmt.Errorf("%w: the cluster's stream is not reachable yet (%s): nothing was written", api.ErrReplication, why)
	}
	return *p, nil
}

// PutSeq checks and tags arts (a bad article is an error and nothing is
// published), publishes them to the stream with their entities, and
// returns once JetStream has acknowledged every one (a quorum of the
// stream's replicas has it), with the entities and the stream sequence
// of the last (api.Ingester). This node, as every other, indexes them
// when it applies the stream: a read with min_seq waits for that.
func (n *Node) PutSeq(ctx context.Context, arts []api.Article) ([][]tag.Entity, uint64, error) {
	if len(arts) == 0 {
		return nil, 0, nil
	}
	js, err := n.jetStream()
	if err != nil {
		return nil, 0, err
	}
	if err := n.w.Writable(); err != nil {
		return nil, 0, err
	}
	p, err := n.w.Prepare(ctx, arts)
	if err != nil {
		return nil, 0, err
	}
	ws := p.Written()
	msgs := make([]*nats.Msg, len(ws))
	ids := make([]string, len(ws))
	ents := make([][]tag.Entity, len(ws))
	limit := n.nc.MaxPayload()
	for i, w := range ws {
		m, err := Encode(n.prefix, Record{Article: w.Article, Entities: w.Entities})
		if err != nil {
			return nil, 0, err
		}
		// Headers and subject count towards the server's limit too.
		if size := int64(len(m.Data) + len(m.Subject) + 256); size > limit {
			return nil, 0, fmt.Errorf("%w: article %q is %d bytes compressed with its entities, and the NATS servers take at most %d bytes a message (their max_payload): shorten it, or raise max_payload on every NATS server",
				api.ErrTooLarge, api.Truncate(w.Article.ID, 100), size, limit)
		}
		msgs[i], ids[i], ents[i] = m, PutID(w.Article), w.Entities
	}
	var seq uint64
	if len(msgs) == 1 {
		seq, err = n.publish(ctx, js, msgs[0], ids[0])
	} else {
		seq, err = n.publishAll(ctx, js, msgs, ids)
	}
	if err != nil {
		return nil, 0, err
	}
	return ents, seq, nil
}

// publish publishes one message and waits for its acknowledgement.
func (n *Node) publish(ctx context.Context, js jetstream.JetStream, m *nats.Msg, id string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, n.opts.PublishTimeout)
	defer cancel()
	ack, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(id), jetstream.WithExpectStream(n.opts.Stream))
	if err != nil {
		return 0, n.publishErr(ctx, err)
	}
	if ack.Duplicate {
		return n.republish(ctx, js, m, id, ack.Sequence)
	}
	return ack.Sequence, nil
}

// republish handles a publish the stream took as a duplicate of a message
// with the same content published within the duplicate window: a retry,
// when that message is still the subject's last; else (the article was
// replaced or deleted since, and now put back as it was) it is published
// again under an id of its own, so that it replaces what came between.
func (n *Node) republish(ctx context.Context, js jetstream.JetStream, m *nats.Msg, id string, dupSeq uint64) (uint64, error) {
	st := n.stream.Load()
	last, err := (*st).GetLastMsgForSubject(ctx, m.Subject)
	if err != nil {
		return 0, n.publishErr(ctx, fmt.Errorf("look up the article's last message: %w", err))
	}
	if last.Sequence == dupSeq || last.Header.Get(nats.MsgIdHdr) == id {
		return last.Sequence, nil
	}
	m.Header.Del(nats.MsgIdHdr)
	ack, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(id+"-"+Nonce()), jetstream.WithExpectStream(n.opts.Stream))
	if err != nil {
		return 0, n.publishErr(ctx, err)
	}
	return ack.Sequence, nil
}

// publishAll publishes messages asynchronously and waits for every
// acknowledgement, for at most PublishTimeout after the last was sent.
func (n *Node) publishAll(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, ids []string) (uint64, error) {
	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i, m := range msgs {
		f, err := js.PublishMsgAsync(m, jetstream.WithMsgID(ids[i]), jetstream.WithExpectStream(n.opts.Stream), jetstream.WithStallWait(n.opts.PublishTimeout))
		if err != nil {
			return 0, n.publishErr(ctx, fmt.Errorf("publish %d of %d: %w", i+1, len(msgs), err))
		}
		futures[i] = f
	}
	timer := time.NewTimer(n.opts.PublishTimeout)
	defer timer.Stop()
	var seq uint64
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				s, err := n.republish(ctx, js, msgs[i], ids[i], ack.Sequence)
				if err != nil {
					return 0, err
				}
				ack.Sequence = s
			}
			seq = max(seq, ack.Sequence)
		case err := <-f.Err():
			return 0, n.publishErr(ctx, fmt.Errorf("message %d of %d: %w", i+1, len(msgs), err))
		case <-timer.C:
			return 0, n.publishErr(ctx, fmt.Errorf("%d of %d messages acknowledged: %w", i, len(msgs), context.DeadlineExceeded))
		case <-ctx.Done():
			return 0, n.publishErr(ctx, ctx.Err())
		}
	}
	return seq, nil
}

// publishErr counts a failed publish and wraps it as api.ErrReplication
// with what the client should know.
func (n *Node) publishErr(ctx context.Context, err error) error {
	n.pubErrors.Add(1)
	n.log.Warn("cluster: a write was not acknowledged by the stream", "err", err, "nats", n.nc.Status().String())
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.Canceled) {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: the request was cancelled while waiting for the acknowledgement: it may or may not be written", api.ErrReplication)
		}
		return fmt.Errorf("%w within %s: the NATS cluster has no quorum of the stream's %d replicas, or this node is not connected (%s); it may or may not be written: retry (a retried write is stored once)",
			api.ErrReplication, n.opts.PublishTimeout, n.replicas, n.nc.Status())
	}
	return fmt.Errorf("%w (%s): %w; it may or may not be written: retry (a retried write is stored once)", api.ErrReplication, n.nc.Status(), err)
}

// DeleteSeq publishes a tombstone of id and returns once JetStream has
// acknowledged it, with its stream sequence (api.Ingester). An id whose
// last message in the stream is not a put (no such article, in the whole
// cluster) is an error wrapping api.ErrNotFound: the stream, not this
// node's store, is asked, so a delete right after a put on another node
// is not refused for a lag.
func (n *Node) DeleteSeq(ctx context.Context, id string) (uint64, error) {
	js, err := n.jetStream()
	if err != nil {
		return 0, err
	}
	if err := n.w.Writable(); err != nil {
		return 0, err
	}
	if id == "" || len(id) > api.MaxIDLen {
		return 0, fmt.Errorf("article %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	}
	m, err := Encode(n.prefix, Record{Delete: true, Article: api.Article{ID: id}})
	if err != nil {
		return 0, err
	}
	lctx, cancel := context.WithTimeout(ctx, n.opts.PublishTimeout)
	defer cancel()
	last, err := (*n.stream.Load()).GetLastMsgForSubject(lctx, m.Subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return 0, fmt.Errorf("article %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	case err != nil:
		return 0, n.publishErr(lctx, fmt.Errorf("look up the article's last message: %w", err))
	case last.Header.Get(HeaderOp) == opDelete:
		return 0, fmt.Errorf("article %q: %w (deleted)", api.Truncate(id, 100), api.ErrNotFound)
	}
	return n.publish(ctx, js, m, DeleteID(id, Nonce()))
}

var (
	_ api.Ingester  = (*Node)(nil)
	_ api.SeqWaiter = (*Node)(nil)
	_ api.Cluster   = (*Node)(nil)
	_ api.Readiness = (*Node)(nil)
)
