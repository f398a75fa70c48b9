package watch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// FileName is the file of the watches and their queue in --data.
const FileName = "watches.db"

// Defaults of Options.
const (
	DefaultMinBackoff = 10 * time.Second
	DefaultMaxBackoff = time.Hour
	DefaultGiveUp     = 24 * time.Hour
	DefaultTimeout    = 10 * time.Second
	// MaxAttemptsKept is how many attempts per watch Deliveries returns.
	MaxAttemptsKept = 100
	maxNameLen      = 200
	maxURLLen       = 2000
	maxSearchLen    = 8000
)

var (
	bucketWatches  = []byte("watches")
	bucketQueue    = []byte("queue")
	bucketAttempts = []byte("attempts")
	bucketMeta     = []byte("meta")
	bucketArts     = []byte("articles")   // the articles of queued deliveries (see delivery)
	keyPercolated  = []byte("percolated") // the store sequence number percolated up to
)

// Options configure a Hub.
type Options struct {
	Schema *schema.Schema // schema.Default if nil
	Logger *slog.Logger   // slog.Default() if nil
	// AllowPrivate lets webhooks point at loopback, private, link-local
	// and other non-public addresses (tests, a private network).
	AllowPrivate bool
	// MinBackoff and MaxBackoff bound the wait before a retry (doubling
	// from MinBackoff, with jitter); GiveUp is the age at which a delivery
	// that still fails is dropped; Timeout is the longest wait for a
	// webhook's answer.
	MinBackoff, MaxBackoff, GiveUp, Timeout time.Duration
	// BaseURL prefixes the links to article pages in deliveries
	// ("http://127.0.0.1:8080").
	BaseURL string
	// Workers is the number of deliveries posted at once (4 if 0).
	Workers int

	// Cluster mode (see cluster.go); both nil in the embedded default.
	// Queue, if not nil, takes the deliveries instead of watches.db's
	// queue: one per watch and article version for the whole cluster,
	// posted by whichever node's dispatcher fetches it. Catalog, if not
	// nil, receives the watches created, deleted and disabled here, for
	// every node to mirror (MirrorWatch, ForgetWatch).
	Queue   Queue
	Catalog Catalog
}

// Source is the index.Writer whose writes the Hub percolates: where it
// reads the changes it has not percolated, and the live index it matches
// new articles in.
type Source interface {
	Seq() (uint64, error)
	ChangesSince(ctx context.Context, after, upTo uint64) (index.Change, error)
	Index() bleve.Index
	// Generation and Bitmaps let the matching filter with the facet
	// bitmaps, as /api/search does (see search.Options).
	Generation() uint64
	Bitmaps() (uint64, *index.Bitmaps)
}

// matchTimeout bounds one watch's search of a write's articles (it runs
// under the write lock; a failure fails the write).
const matchTimeout = 30 * time.Second

// Hub holds the watches, percolates writes against them and delivers the
// matches. It implements api.Watches.
type Hub struct {
	opts   Options
	schema *schema.Schema
	log    *slog.Logger
	db     *bolt.DB
	client *httpClient

	mu         sync.RWMutex // guards watches, percolated, src, live
	watches    map[string]*compiled
	percolated uint64
	src        Source
	live       *search.Service // the Source's index, searched as /api/search does
	ev         *search.Evaluator
	gone       []string // the watches deleted lately, newest last (cluster.go)

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	done   sync.WaitGroup
	start  sync.Once

	queued, delivered, retried, failed atomic.Uint64
	queueLen                           atomic.Int64
}

// Open opens (or creates) the watches of the --data directory data.
func Open(data string, opts Options) (*Hub, error) {
	if opts.Schema == nil {
		opts.Schema = schema.Default
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	if opts.GiveUp <= 0 {
		opts.GiveUp = DefaultGiveUp
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("watches: %w", err)
	}
	path := filepath.Join(data, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("watches: open %s: %w", path, err)
	}
	ev, err := search.NewEvaluator(opts.Schema)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("watches: %w", err)
	}
	h := &Hub{opts: opts, schema: opts.Schema, log: opts.Logger, db: db, watches: map[string]*compiled{},
		ev: ev, wake: make(chan struct{}, 1), client: newHTTPClient(opts.Timeout, opts.AllowPrivate)}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketWatches, bucketQueue, bucketAttempts, bucketMeta, bucketArts} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if v := tx.Bucket(bucketMeta).Get(keyPercolated); len(v) == 8 {
			h.percolated = beUint64(v)
		} else {
			h.percolated = noSeq
		}
		err := tx.Bucket(bucketWatches).ForEach(func(k, v []byte) error {
			var w api.Watch
			if err := json.Unmarshal(v, &w); err != nil {
				return fmt.Errorf("watch %q: %w", k, err)
			}
			c, err := h.compile(w)
			if err != nil {
				return fmt.Errorf("watch %q: %w", k, err)
			}
			h.watches[w.ID] = c
			return nil
		})
		if err != nil {
			return err
		}
		h.queueLen.Store(int64(tx.Bucket(bucketQueue).Stats().KeyN))
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return h, nil
}

// noSeq marks a watches.db that has never percolated: Attach starts it at
// the store's current change instead of percolating the whole past.
const noSeq = ^uint64(0)

// Attach links the Hub to the Writer whose writes it percolates (whose
// BeforeAck hooks hold h.BeforeAck), and percolates the changes the store
// holds that the Hub has not: those of a write that was stored but whose
// matches were not queued (a crash, a failed hook). A new watches.db
// starts at the store's latest change. Call it before taking writes.
func (h *Hub) Attach(ctx context.Context, src Source) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.src = src
	h.live = search.New(src.Index(), search.Options{Schema: h.schema, Timeout: matchTimeout, MaxSearches: -1,
		CacheEntries: -1, Generation: src.Generation, Bitmaps: src.Bitmaps})
	seq, err := src.Seq()
	if err != nil {
		return fmt.Errorf("watches: %w", err)
	}
	if h.percolated == noSeq || h.percolated > seq {
		if h.percolated != noSeq {
			h.log.Warn("watches.db is ahead of the article store (another --data's?): percolating from the store's latest change", "percolated", h.percolated, "store", seq)
		}
		return h.setPercolated(seq)
	}
	if h.percolated == seq {
		return nil
	}
	ch, err := src.ChangesSince(ctx, h.percolated, seq)
	if err != nil {
		return fmt.Errorf("watches: read the changes since %d: %w", h.percolated, err)
	}
	ch.Seq = seq
	if err := h.percolateLocked(ctx, ch.Put, seq); err != nil {
		return err
	}
	h.log.Info("watches: percolated the writes stored since the last start", "articles", len(ch.Put), "up_to", seq)
	return nil
}

func (h *Hub) setPercolated(seq uint64) error {
	err := h.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyPercolated, beKey(seq))
	})
	if err != nil {
		return fmt.Errorf("watches: record the percolated change: %w", err)
	}
	h.percolated = seq
	return nil
}

// BeforeAck is the index.WriterOptions.BeforeAck hook: it matches the new
// and changed articles of ch (and those of any earlier change it missed)
// against every watch and queues the deliveries on disk (fsynced) before
// the write is acknowledged. An error fails the write; the next call (or
// the next Attach) percolates what this one could not.
func (h *Hub) BeforeAck(ch index.Change) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Not h.ctx: a write after Close must still be matched (or fail).
	ctx := context.Background()
	before := ch.Seq - uint64(len(ch.Put)+len(ch.Deleted)) // the change before this one
	var ws []index.Written
	gap := h.percolated != noSeq && h.percolated < before
	if gap && h.src != nil {
		missed, err := h.src.ChangesSince(ctx, h.percolated, before)
		if err != nil {
			return fmt.Errorf("watches: read the changes since %d: %w", h.percolated, err)
		}
		in := make(map[string]bool, len(ch.Put))
		for _, p := range ch.Put {
			in[p.Article.ID] = true
		}
		for _, p := range missed.Put {
			if !in[p.Article.ID] {
				ws = append(ws, p)
			}
		}
	}
	for _, p := range ch.Put {
		// After a gap, a re-send may be the retry of the write whose
		// matches were not queued: match it again (its deliveries get
		// the same ids as before, see deliveryID).
		if p.Changed || gap {
			ws = append(ws, p)
		}
	}
	return h.percolateLocked(ctx, ws, ch.Seq)
}

// percolateLocked matches ws against the watches, and queues the
// deliveries and records seq as percolated in one transaction. h.mu must
// be held.
func (h *Hub) percolateLocked(ctx context.Context, ws []index.Written, seq uint64) error {
	ds, err := h.match(ctx, ws)
	if err != nil {
		return fmt.Errorf("watches: %w", err)
	}
	if h.opts.Queue != nil {
		return h.enqueueLocked(ctx, ds, seq)
	}
	now := time.Now().UTC()
	added := 0
	err = h.db.Update(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketQueue)
		var queue []delivery
		for _, d := range ds {
			if q.Get([]byte(d.ID)) != nil {
				continue // queued already (the same write matched again)
			}
			d.Created, d.Next = now, now
			v, err := encodeDelivery(d)
			if err != nil {
				return err
			}
			if err := q.Put([]byte(d.ID), v); err != nil {
				return err
			}
			queue = append(queue, d)
		}
		added = len(queue)
		if err := holdArticles(tx, queue); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyPercolated, beKey(seq))
	})
	if err != nil {
		return fmt.Errorf("watches: queue %d deliveries: %w", len(ds), err)
	}
	h.percolated = seq
	if len(ds) > 0 {
		h.queued.Add(uint64(len(ds)))
		h.queueLen.Add(int64(added))
		h.poke()
	}
	return nil
}

// poke wakes the dispatcher.
func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// CreateWatch implements api.Watches.
func (h *Hub) CreateWatch(ctx context.Context, spec api.WatchSpec) (api.Watch, error) {
	if len(spec.Name) > maxNameLen || !utf8.ValidString(spec.Name) {
		return api.Watch{}, api.BadRequest("name", "must be valid UTF-8 of at most %d bytes", maxNameLen)
	}
	if len(spec.Search) > maxSearchLen {
		return api.Watch{}, api.BadRequest("search", "at most %d bytes", maxSearchLen)
	}
	vals, err := url.ParseQuery(spec.Search)
	if err != nil {
		return api.Watch{}, api.BadRequest("search", "not a query string: %v", err)
	}
	if _, err := api.ParseRequest(h.schema, vals); err != nil {
		return api.Watch{}, err
	}
	if len(spec.URL) > maxURLLen {
		return api.Watch{}, api.BadRequest("url", "at most %d bytes", maxURLLen)
	}
	if err := checkTarget(ctx, spec.URL, h.opts.AllowPrivate); err != nil {
		return api.Watch{}, err
	}
	w := api.Watch{ID: "w_" + randomHex(12), Name: spec.Name, Search: canonicalSearch(h.schema, vals), URL: spec.URL,
		Secret: "whsec_" + randomHex(24), Created: time.Now().UTC().Truncate(time.Second)}
	c, err := h.compile(w)
	if err != nil {
		return api.Watch{}, err
	}
	v, err := json.Marshal(w)
	if err != nil {
		return api.Watch{}, err
	}
	if h.opts.Catalog != nil {
		if err := h.opts.Catalog.PutWatch(ctx, w); err != nil {
			return api.Watch{}, fmt.Errorf("save watch: %w", err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	err = h.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketWatches).Put([]byte(w.ID), v) })
	if err != nil {
		return api.Watch{}, fmt.Errorf("save watch: %w", err)
	}
	h.watches[w.ID] = c
	return w, nil
}

// canonicalSearch keeps the parameters of a search that decide what it
// matches, in a stable order.
func canonicalSearch(s *schema.Schema, v url.Values) string {
	keep := url.Values{}
	names := append([]string{"q", "syntax"}, s.TermNames()...)
	for _, n := range s.NumericNames() {
		names = append(names, n+"_min", n+"_max")
	}
	names = append(names, "published_from", "published_to")
	for _, n := range names {
		if vs, ok := v[n]; ok {
			keep[n] = vs
		}
	}
	return keep.Encode()
}

// Watches implements api.Watches.
func (h *Hub) Watches(ctx context.Context) ([]api.Watch, error) {
	h.mu.RLock()
	out := make([]api.Watch, 0, len(h.watches))
	for _, c := range h.watches {
		out = append(out, c.w)
	}
	h.mu.RUnlock()
	counts := h.queuedPerWatch()
	for i := range out {
		out[i].Secret = ""
		out[i].Queued = counts[out[i].ID]
	}
	slices.SortFunc(out, func(a, b api.Watch) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (h *Hub) queuedPerWatch() map[string]int {
	counts := map[string]int{}
	_ = h.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQueue).ForEach(func(k, v []byte) error {
			if d, err := decodeDelivery(v); err == nil {
				counts[d.Watch]++
			}
			return nil
		})
	})
	return counts
}

// Watch implements api.Watches.
func (h *Hub) Watch(ctx context.Context, id string) (api.Watch, error) {
	h.mu.RLock()
	c, ok := h.watches[id]
	h.mu.RUnlock()
	if !ok {
		return api.Watch{}, fmt.Errorf("watch %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	}
	w := c.w
	w.Secret = ""
	w.Queued = h.queuedPerWatch()[id]
	return w, nil
}

// DeleteWatch implements api.Watches.
func (h *Hub) DeleteWatch(ctx context.Context, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.watches[id]; !ok {
		return fmt.Errorf("watch %q: %w", api.Truncate(id, 100), api.ErrNotFound)
	}
	if h.opts.Catalog != nil {
		if err := h.opts.Catalog.DeleteWatch(ctx, id); err != nil {
			return fmt.Errorf("delete watch %q: %w", id, err)
		}
	}
	return h.forgetLocked(id)
}

// forgetLocked removes the watch id, its queued deliveries and attempts.
// h.mu must be held.
func (h *Hub) forgetLocked(id string) error {
	dropped := 0
	err := h.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketWatches).Delete([]byte(id)); err != nil {
			return err
		}
		var err error
		if dropped, err = dropQueued(tx, id); err != nil {
			return err
		}
		return dropAttempts(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete watch %q: %w", id, err)
	}
	delete(h.watches, id)
	h.queueLen.Add(-int64(dropped))
	h.noteGone(id)
	return nil
}

// dropQueued removes the queued deliveries of the watch id, and returns
// how many.
func dropQueued(tx *bolt.Tx, id string) (int, error) {
	q := tx.Bucket(bucketQueue)
	var drop []delivery
	err := q.ForEach(func(k, v []byte) error {
		if d, err := decodeDelivery(v); err == nil && d.Watch == id {
			drop = append(drop, d)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, d := range drop {
		if err := q.Delete([]byte(d.ID)); err != nil {
			return 0, err
		}
		if err := releaseArticles(tx, d); err != nil {
			return 0, err
		}
	}
	return len(drop), nil
}

// Deliveries implements api.Watches.
func (h *Hub) Deliveries(ctx context.Context, id string) ([]api.Attempt, error) {
	if _, err := h.Watch(ctx, id); err != nil {
		return nil, err
	}
	var out []api.Attempt
	err := h.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAttempts).Cursor()
		prefix := attemptPrefix(id)
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			var a api.Attempt
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deliveries of watch %q: %w", id, err)
	}
	slices.Reverse(out)
	return out, nil
}

// WatchStats implements api.Watches.
func (h *Hub) WatchStats() api.WatchStats {
	h.mu.RLock()
	n := len(h.watches)
	h.mu.RUnlock()
	return api.WatchStats{Watches: n, Queue: int(h.queueLen.Load()), Queued: h.queued.Load(),
		Delivered: h.delivered.Load(), Retried: h.retried.Load(), Failed: h.failed.Load()}
}

// Close stops the dispatcher, waits for it and closes watches.db.
func (h *Hub) Close() error {
	h.cancel()
	h.done.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", FileName, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func beKey(v uint64) []byte {
	var b [8]byte
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
	return b[:]
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func hasPrefix(k, p []byte) bool { return len(k) >= len(p) && string(k[:len(p)]) == string(p) }

var _ api.Watches = (*Hub)(nil)
