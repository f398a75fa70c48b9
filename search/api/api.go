package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Searcher answers reads. The real one is *search.Service.
type Searcher interface {
	// Schema returns the entity kinds of the index being searched.
	Schema() *schema.Schema
	// Search runs one search request.
	Search(ctx context.Context, req Request) (*Result, error)
	// Article returns one article with its entities, or an error wrapping
	// ErrNotFound.
	Article(ctx context.Context, id string) (*TaggedArticle, error)
	// FacetValues lists the values of one name facet over all articles
	// with their counts, most frequent first.
	FacetValues(ctx context.Context, field, prefix string, size int) ([]TermCount, error)
	// DocCount returns the number of articles in the index.
	DocCount() (uint64, error)
	// Export streams every article a search matches.
	Exporter
}

// Ingester is the one write path: every way an article enters or leaves
// cutwatch goes through it. The real one is *index.Writer.
//
// A change is acknowledged when Put or Delete returns nil: it is then
// committed to the article store (fsynced), applied to the index
// (fsynced, searchable), and every after-write hook has run. A call that
// returns an error may or may not have taken effect; repeating it is safe
// (the same id replaces the same article).
//
// Each write returns its sequence number ("seq" in the write API's
// answers): the store's change number in the embedded mode, the
// replicated log's message number in cluster mode (index/cluster, where
// the acknowledgement means the NATS cluster's quorum has the change
// and every node applies it soon). A read waits for it with SeqWaiter.
type Ingester interface {
	// PutSeq tags, stores and indexes articles (decoded with
	// DecodeIngest), replacing those with the same ids, and returns their
	// entities and the sequence number of the last.
	PutSeq(ctx context.Context, arts []Article) ([][]tag.Entity, uint64, error)
	// DeleteSeq removes an article and returns the deletion's sequence
	// number; the error wraps ErrNotFound for an unknown id.
	DeleteSeq(ctx context.Context, id string) (uint64, error)
	// Reindex rebuilds the whole index from the article store and swaps
	// it in while searches go on; it stops early, leaving the current
	// index, when ctx is cancelled.
	Reindex(ctx context.Context, opts ReindexOptions) (ReindexStats, error)
}

// SeqWaiter lets a read wait until this server has applied a write
// ("min_seq"): *index.Writer in the embedded mode (nothing to wait for),
// *cluster.Node in cluster mode.
type SeqWaiter interface {
	// WaitSeq returns nil once the server has applied the write numbered
	// seq, or a *MinSeqError when it has not within its bound (or never
	// will: a number this server never gave).
	WaitSeq(ctx context.Context, seq uint64) error
}

// MinSeqError says a read asked for a write (min_seq) this server has not
// applied. The web layer answers it 503 (Retryable: it may come) or 400.
type MinSeqError struct {
	Reason    string
	Applied   uint64 // the last sequence number applied here
	Wanted    uint64 // min_seq
	Retryable bool
}

func (e *MinSeqError) Error() string {
	return fmt.Sprintf("min_seq %d not applied on this node (applied: %d): %s", e.Wanted, e.Applied, e.Reason)
}

// Cluster is the state of a node of the cluster mode, for /api/cluster,
// /readyz and /metrics. The real one is *cluster.Node.
type Cluster interface {
	// Status reports the node's replication state; live asks the NATS
	// cluster for the stream's state (a request with a short timeout),
	// else the last known values are reported.
	Status(ctx context.Context, live bool) ClusterStatus
}

// ClusterStatus is the body of GET /api/cluster.
type ClusterStatus struct {
	Node string `json:"node"`
	// Applied is the stream sequence of the last message this node has
	// applied to its store and index; AppliedMessages how many it has
	// applied in all (each once).
	Applied         uint64 `json:"applied_seq"`
	AppliedMessages uint64 `json:"applied_messages"`
	// StreamLast is the stream's last sequence as last known; Lag the
	// messages between it and Applied.
	StreamLast uint64 `json:"stream_last_seq"`
	Lag        uint64 `json:"lag"`
	// StartTarget is the stream's last sequence when the node started: it
	// is ready (CaughtUp) once it has applied it.
	StartTarget uint64 `json:"start_target_seq"`
	CaughtUp    bool   `json:"caught_up"`
	// NotReady says why the node is not ready ("" when it is).
	NotReady string `json:"not_ready,omitempty"`
	NATS     struct {
		State     string   `json:"state"` // CONNECTED, RECONNECTING, ...
		Connected string   `json:"connected_url,omitempty"`
		Servers   []string `json:"servers"`
	} `json:"nats"`
	Stream struct {
		Name     string   `json:"name"`
		Replicas int      `json:"replicas"`
		Leader   string   `json:"leader,omitempty"`
		Peers    []string `json:"peers,omitempty"`
		Messages uint64   `json:"messages"`
		Bytes    uint64   `json:"bytes"`
		Error    string   `json:"error,omitempty"` // why the live state could not be read
	} `json:"stream"`
	PublishErrors uint64 `json:"publish_errors"`
}

// Readiness is what /readyz and the routes ask of the index and the store
// besides searching. The real one is *index.Writer. Its methods only read
// flags: a probe may call them as often as it likes.
type Readiness interface {
	// Ready returns nil when the index can serve reads, or why not: an
	// error wrapping ErrDamaged (no index to search), ErrStoreUnusable
	// (the article store is missing, empty or damaged beside an index:
	// reads go on, writes stop), ErrSwapping (a re-index is swapping in
	// its index: reads go on), ErrClosed.
	Ready() error
	// Writable returns nil when writes are taken, or why not (wrapping
	// ErrNoSpace while the disk is full, or one of Ready's errors).
	Writable() error
	// Dir returns the directory of the index being served.
	Dir() string
}

// ReindexOptions configure a re-index.
type ReindexOptions struct {
	// Force swaps in the new index even when it holds markedly fewer
	// articles than the one served (see ErrWouldShrink).
	Force bool
}

// ReindexStats describe a finished re-index.
type ReindexStats struct {
	Dir       string        `json:"dir"`        // the new index directory
	Documents uint64        `json:"documents"`  // articles in it
	Stored    int           `json:"from_store"` // articles read from the store
	Duration  time.Duration `json:"duration_ns"`
}

// Errors that cross package boundaries. Callers test them with errors.Is;
// the web layer maps each to its status.
var (
	// ErrNotFound: no article (or other thing) with that id. 404.
	ErrNotFound = errors.New("not found")
	// ErrTimeout: a search did not finish within its time. 503.
	ErrTimeout = errors.New("search took too long")
	// ErrOverloaded: a search was refused because as many as allowed run
	// and the queue is full. 503 with Retry-After.
	ErrOverloaded = errors.New("too many searches at once")
	// ErrDamaged: the index directory is damaged or half-written and is
	// not served; it must be rebuilt from the store. 503.
	ErrDamaged = errors.New("damaged or half-written")
	// ErrStoreUnusable: the article store, the source of truth, is
	// missing, empty or damaged beside a non-empty index. Reads go on from
	// the index; writes and re-indexes stop until 'cutwatch store recover'
	// rebuilds the store. 503.
	ErrStoreUnusable = errors.New("article store unusable")
	// ErrNoSpace: the disk of --data is full (or below the reserve):
	// writes are off until space returns; reads go on. 507.
	ErrNoSpace = errors.New("not enough disk space")
	// ErrSwapping: a re-index is swapping in its new index. Reads go on.
	ErrSwapping = errors.New("a re-index is swapping in the new index")
	// ErrReplication: the replicated log (cluster mode) did not take a
	// write within its time: no NATS connection, or no quorum. Nothing
	// was acknowledged; reads go on. 503.
	ErrReplication = errors.New("the replicated log did not acknowledge the write")
	// ErrTooLarge: a write is larger than the replicated log takes in
	// one message. 413.
	ErrTooLarge = errors.New("too large for the replicated log")
	// ErrClosed: the index is closed (shutting down). 503.
	ErrClosed = errors.New("index is closed")
	// ErrReindexRunning: another re-index runs. 409.
	ErrReindexRunning = errors.New("a re-index is already running")
	// ErrWouldShrink: a re-index would serve markedly fewer articles than
	// the index it replaces; it is refused unless forced. 409.
	ErrWouldShrink = errors.New("the new index would hold fewer articles")
)
