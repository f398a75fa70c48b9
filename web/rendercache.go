package web

import (
	"container/list"
	"sync"
	"weak"

	"github.com/cutwatch/cutwatch/search/api"
)

// Bounds of the cache of rendered article pages.
const (
	renderCacheEntries = 128
	renderCacheBytes   = 16 << 20
)

// renderCache keeps the rendered pages of the articles read last. A page
// is the page of one *api.TaggedArticle: the search layer hands out the
// same article value until the index changes (its cache), so a page is
// reused exactly as long as its article is current, and a write makes the
// next read render anew. The cache holds the article only weakly.
type renderCache struct {
	mu    sync.Mutex
	lru   *list.List // of *rendered, most recent first
	byID  map[string]*list.Element
	bytes int
}

type rendered struct {
	id   string
	art  weak.Pointer[api.TaggedArticle]
	body []byte
}

func newRenderCache() *renderCache {
	return &renderCache{lru: list.New(), byID: map[string]*list.Element{}}
}

// get returns the page rendered for a, if kept.
func (c *renderCache) get(a *api.TaggedArticle) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[a.ID]
	if !ok {
		return nil, false
	}
	r := e.Value.(*rendered)
	if r.art != weak.Make(a) {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return r.body, true
}

// put keeps body as the page of a, dropping the least recent pages beyond
// the bounds. A page larger than a quarter of the bytes is not kept.
func (c *renderCache) put(a *api.TaggedArticle, body []byte) {
	if len(body) > renderCacheBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[a.ID]; ok {
		c.bytes -= len(e.Value.(*rendered).body)
		c.lru.Remove(e)
	}
	c.byID[a.ID] = c.lru.PushFront(&rendered{id: a.ID, art: weak.Make(a), body: body})
	c.bytes += len(body)
	for c.lru.Len() > renderCacheEntries || c.bytes > renderCacheBytes {
		old := c.lru.Back()
		r := old.Value.(*rendered)
		c.lru.Remove(old)
		delete(c.byID, r.id)
		c.bytes -= len(r.body)
	}
}
