package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// ErrLocked is returned (wrapped) by Open and Create when another process
// holds the index. bleve takes an exclusive lock on its directory; the
// bolt_timeout option makes a second opener fail after lockTimeout rather
// than wait for ever.
var ErrLocked = errors.New("locked by another cutwatch process")

// lockTimeout is how long Open waits for the index lock.
const lockTimeout = "1s"

// internalVersionKey holds the mapping version inside the index.
var internalVersionKey = []byte("cutwatch.mapping")

// mode is how an index is opened.
type mode int

const (
	// modeDefault: bleve's defaults; a Batch returns once it is
	// persisted. For tools and tests.
	modeDefault mode = iota
	// modeReadOnly: no persister or merger goroutines (nothing to pay
	// while the disk is full); a Batch would wait for ever.
	modeReadOnly
	// modeLive: the Writer's. A Batch returns once searchable, and batch
	// waits for it to be persisted (see durable.go). Writes by other
	// means are lost at Close if not yet persisted.
	modeLive
)

// runtimeConfig is the configuration an index is opened with in mode m. It
// is not saved in the index (bleve saves the one given at creation, which
// holds only the lock timeout).
func runtimeConfig(m mode) map[string]any {
	switch m {
	case modeReadOnly:
		return map[string]any{"bolt_timeout": lockTimeout, "read_only": true}
	case modeLive:
		return map[string]any{"bolt_timeout": lockTimeout, "unsafe_batch": true, "asyncErrorCallbackName": asyncErrorCallback}
	}
	return map[string]any{"bolt_timeout": lockTimeout}
}

// Exists reports whether dir holds a bleve index.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "index_meta.json"))
	return err == nil
}

// Create makes a new, empty scorch index with the cutwatch mapping of the
// kinds of s in dir, which must not hold an index yet.
func Create(dir string, s *schema.Schema) (bleve.Index, error) {
	idx, err := bleve.NewUsing(dir, NewMapping(s), scorch.Name, scorch.Name, runtimeConfig(modeDefault))
	if err != nil {
		return nil, wrapOpenErr("create", dir, err)
	}
	if err := idx.SetInternal(internalVersionKey, []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	return idx, nil
}

// createLive makes a new index as Create does and opens it for the Writer.
func createLive(dir string, s *schema.Schema) (bleve.Index, error) {
	idx, err := Create(dir, s)
	if err != nil {
		return nil, err
	}
	if err := idx.Close(); err != nil {
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	return open(dir, modeLive)
}

// Open opens the index in dir. It fails within about a second with an error
// wrapping ErrLocked when another process has the index open, with one
// wrapping api.ErrDamaged (never opening it as a smaller or empty index)
// when the index is damaged or half-written (see
// verifySegments and check), and refuses an index built with another
// mapping version (rebuild it with `cutwatch index --rebuild`).
func Open(dir string) (bleve.Index, error) { return open(dir, modeDefault) }

func open(dir string, m mode) (bleve.Index, error) {
	if !Exists(dir) {
		return nil, fmt.Errorf("open index %s: %w", dir, os.ErrNotExist)
	}
	if err := verifySegments(dir); err != nil {
		return nil, wrapOpenErr("open", dir, err)
	}
	if m == modeLive {
		watchAsyncErrors(dir)
	}
	idx, err := bleve.OpenUsing(dir, runtimeConfig(m))
	if err != nil {
		forgetAsyncErrors(dir)
		return nil, wrapOpenErr("open", dir, err)
	}
	if m == modeLive {
		registerLive(idx, dir)
	}
	v, err := idx.GetInternal(internalVersionKey)
	if err != nil {
		_ = closeIndex(idx)
		return nil, fmt.Errorf("open index %s: read version: %w", dir, err)
	}
	if v == nil {
		_ = closeIndex(idx)
		return nil, wrapOpenErr("open", dir, errors.New("no cutwatch mapping version in it"))
	}
	if string(v) != mappingVersion {
		_ = closeIndex(idx)
		return nil, fmt.Errorf("open index %s: built by another version of cutwatch (mapping %q, want %q): rebuild it with 'cutwatch index --rebuild'", dir, v, mappingVersion)
	}
	if err := check(idx); err != nil {
		_ = closeIndex(idx)
		return nil, wrapOpenErr("open", dir, err)
	}
	return idx, nil
}

// check reads every segment of idx once (a match-all search that loads the
// stored fields of one hit), so that a damaged segment file is found when
// the index is opened rather than served as a smaller or empty index.
func check(idx bleve.Index) (err error) {
	defer func() {
		// A damaged segment can make bleve's decoders panic.
		if r := recover(); r != nil {
			err = fmt.Errorf("reading segments: %v", r)
		}
	}()
	n, err := idx.DocCount()
	if err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	req.Fields = []string{"*"}
	res, err := idx.Search(req)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if res.Total != n || (n > 0 && len(res.Hits) == 0) {
		return fmt.Errorf("segments hold %d documents, the index says %d", res.Total, n)
	}
	return nil
}

func wrapOpenErr(op, dir string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("index %s is %w (stop the other process, e.g. a running 'cutwatch serve', or use another --data)", dir, ErrLocked)
	}
	if op == "open" {
		return fmt.Errorf("open index %s: it is %w (%w): rebuild it from the store with 'cutwatch index --rebuild'", dir, api.ErrDamaged, err)
	}
	return fmt.Errorf("%s index %s: %w", op, dir, err)
}
