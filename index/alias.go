package index

import (
	"context"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"
)

// alias is the index searches see: a bleve.IndexAlias over the current
// index, whose reads wait (instead of failing on an empty alias) while
// the Writer closes the current index and opens its directory again after
// a failed write, which takes a few milliseconds. A re-index's swap needs
// no wait: the alias swaps one open index for another at once.
type alias struct {
	bleve.IndexAlias
	reopening sync.RWMutex // held for writing while the index is reopened
}

func newAlias() *alias { return &alias{IndexAlias: bleve.NewIndexAlias()} }

func (a *alias) Search(req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	return a.SearchInContext(context.Background(), req)
}

func (a *alias) SearchInContext(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	a.reopening.RLock()
	defer a.reopening.RUnlock()
	return a.IndexAlias.SearchInContext(ctx, req)
}

func (a *alias) Document(id string) (bindex.Document, error) {
	a.reopening.RLock()
	defer a.reopening.RUnlock()
	return a.IndexAlias.Document(id)
}

func (a *alias) DocCount() (uint64, error) {
	a.reopening.RLock()
	defer a.reopening.RUnlock()
	return a.IndexAlias.DocCount()
}

func (a *alias) GetInternal(key []byte) ([]byte, error) {
	a.reopening.RLock()
	defer a.reopening.RUnlock()
	return a.IndexAlias.GetInternal(key)
}
