package search

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cutwatch/cutwatch/search/api"
)

// Defaults of the cache (Options.CacheEntries, Options.CacheBytes).
const (
	DefaultCacheEntries = 2000
	DefaultCacheBytes   = 64 << 20
)

// cache is an LRU of computed results bounded by entries and by their
// approximate size in bytes. Every entry belongs to one generation of the
// index: an entry is only served to a search of the same generation, and
// the first use of a newer generation drops all older entries.
type cache struct {
	maxEntries int
	maxBytes   int64

	mu    sync.Mutex
	gen   uint64
	ll    *list.List // front = most recently used
	items map[string]*list.Element
	bytes int64

	hits, misses, facetHits, facetMisses, shared, evictions atomic.Uint64
}

type cacheEntry struct {
	key  string
	val  any
	size int64
}

func newCache(maxEntries int, maxBytes int64) *cache {
	return &cache{maxEntries: maxEntries, maxBytes: maxBytes, ll: list.New(), items: make(map[string]*list.Element)}
}

// advance moves the cache to generation gen, dropping every entry, if gen
// is newer, and reports whether gen is the current generation (false for
// a search that started before the last write). c.mu must be held.
func (c *cache) advance(gen uint64) bool {
	if gen > c.gen {
		c.gen = gen
		c.ll.Init()
		clear(c.items)
		c.bytes = 0
	}
	return gen == c.gen
}

// get returns the value of key computed at generation gen.
func (c *cache) get(key string, gen uint64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.advance(gen) {
		return nil, false
	}
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).val, true
}

// put stores the value of key computed at generation gen, unless a newer
// generation has been seen meanwhile (the value may then be stale) or the
// value alone would take more than an eighth of the byte budget.
func (c *cache) put(key string, gen uint64, val any, size int64) {
	if size > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.advance(gen) {
		return
	}
	if e, ok := c.items[key]; ok {
		old := e.Value.(*cacheEntry)
		c.bytes += size - old.size
		old.val, old.size = val, size
		c.ll.MoveToFront(e)
	} else {
		c.items[key] = c.ll.PushFront(&cacheEntry{key: key, val: val, size: size})
		c.bytes += size
	}
	for c.ll.Len() > c.maxEntries || c.bytes > c.maxBytes {
		e := c.ll.Back()
		old := e.Value.(*cacheEntry)
		c.ll.Remove(e)
		delete(c.items, old.key)
		c.bytes -= old.size
		c.evictions.Add(1)
	}
}

func (c *cache) stats() api.CacheStats {
	c.mu.Lock()
	n, b := c.ll.Len(), c.bytes
	c.mu.Unlock()
	return api.CacheStats{
		Hits: c.hits.Load(), Misses: c.misses.Load(),
		FacetHits: c.facetHits.Load(), FacetMisses: c.facetMisses.Load(),
		Shared: c.shared.Load(), Evictions: c.evictions.Load(),
		Entries: n, Bytes: b,
	}
}

// flight runs each computation once for all the callers that ask for the
// same key at the same time (like golang.org/x/sync/singleflight), so that
// a burst of identical requests after a write, say the landing page's
// match-all query, costs one search instead of one each. Unlike
// singleflight, a caller that gives up does not cancel the computation for
// the others; the computation is cancelled when every caller has gone.
type flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done    chan struct{}
	val     any
	err     error
	waiters int // guarded by flight.mu
	cancel  context.CancelFunc
}

// do returns the result of fn for key, run once in its own goroutine with
// a context that keeps ctx's values but not its cancellation. shared
// reports whether the caller joined a computation another caller started.
// When ctx ends first, do returns ctx.Err().
func (f *flight) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (val any, shared bool, err error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[string]*call)
	}
	c, ok := f.calls[key]
	if ok {
		c.waiters++
	} else {
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call{done: make(chan struct{}), waiters: 1, cancel: cancel}
		f.calls[key] = c
		go func() {
			defer cancel()
			c.val, c.err = recovered(cctx, fn)
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			close(c.done)
		}()
	}
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.val, ok, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			// Nobody wants it any more: stop it, and let the next caller
			// start afresh rather than join a cancelled computation.
			c.cancel()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
		}
		f.mu.Unlock()
		return nil, ok, ctx.Err()
	}
}

// waiting returns the number of callers waiting for key (for tests).
func (f *flight) waiting(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// resultSize is the approximate memory held by r, for the cache's byte
// budget: rough, but proportional.
func resultSize(r *api.Result) int64 {
	n := int64(64 + 24)
	for _, h := range r.Hits {
		n += h.Size()
	}
	for _, f := range r.Facets {
		n += facetSize(f)
	}
	n += int64(len(r.Histogram)) * (16 + 10 + 8 + 8)
	return n
}

// facetSize is the approximate memory held by f.
func facetSize(f api.Facet) int64 {
	n := int64(2*24 + 16 + len(f.Name))
	for _, t := range f.Terms {
		n += 16 + 8 + 8 + int64(len(t.Value))
		if t.Jobs != nil {
			n += 8
		}
	}
	for _, r := range f.Ranges {
		n += 2*16 + 3*8 + int64(len(r.Key)+len(r.Label))
	}
	return n
}

// recovered runs fn, turning a panic (of bleve's, on a damaged or failed
// index) into an error: it runs in a goroutine that no HTTP middleware
// covers, and must not take the process down.
func recovered(ctx context.Context, fn func(context.Context) (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("search panicked: %v", r)
		}
	}()
	return fn(ctx)
}
