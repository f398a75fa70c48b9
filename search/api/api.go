package api

import (
	"context"
	"errors"
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
type Ingester interface {
	// Put tags, stores and indexes articles (decoded with DecodeIngest),
	// replacing those with the same ids, and returns their entities.
	Put(ctx context.Context, arts []Article) ([][]tag.Entity, error)
	// Delete removes an article; the error wraps ErrNotFound for an
	// unknown id.
	Delete(ctx context.Context, id string) error
	// Reindex rebuilds the whole index from the article store and swaps
	// it in while searches go on; it stops early, leaving the current
	// index, when ctx is cancelled.
	Reindex(ctx context.Context, opts ReindexOptions) (ReindexStats, error)
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
	// ErrClosed: the index is closed (shutting down). 503.
	ErrClosed = errors.New("index is closed")
	// ErrReindexRunning: another re-index runs. 409.
	ErrReindexRunning = errors.New("a re-index is already running")
	// ErrWouldShrink: a re-index would serve markedly fewer articles than
	// the index it replaces; it is refused unless forced. 409.
	ErrWouldShrink = errors.New("the new index would hold fewer articles")
)
