package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/cutwatch/cutwatch/search/api"
)

// Why batches wait for persistence themselves: in its default mode a
// scorch Batch makes its segment searchable, waits for the persister to
// write it, and when that fails (a full disk) closes the segment, which
// stays part of the live index (bleve v2.6.3 index/scorch/scorch.go
// 597-601). Every later search that reads it panics (zapx v17
// inverted_text_cache.go: assignment to entry in nil map), some in
// goroutines of bleve's own that no recover reaches, so the process dies;
// and the persister retries the failed write for ever, at most of a core.
// Opened with unsafe_batch, a Batch returns once its segment is searchable
// and never closes it; durableBatch then waits for the batch's persisted
// callback (fired only after the segment and the root file are written and
// fsynced, persister.go) or for the persister's error (the async error
// callback), so a write is still acknowledged only once it is on disk, and
// a failed one leaves an index that can be closed and opened again from its
// last good snapshot (Writer.indexFailedLocked).

// asyncErrorCallback names cutwatch's entry in scorch's registry of async
// error callbacks.
const asyncErrorCallback = "cutwatch"

// persistTimeout bounds the wait for a batch to be persisted.
const persistTimeout = 2 * time.Minute

var (
	// asyncErrs routes the persister's and merger's errors to the index
	// whose store directory (<dir>/store) they name: path -> chan error.
	asyncErrs sync.Map
	// live maps each writable index opened by Open to its error channel.
	live sync.Map
)

// The registry is read by every scorch index at open and documented as to
// be filled during init, before any index opens.
func init() {
	scorch.RegistryAsyncErrorCallbacks[asyncErrorCallback] = func(err error, path string) {
		if ch, ok := asyncErrs.Load(path); ok {
			select {
			case ch.(chan error) <- err:
			default: // one is enough: the batch waiting learns it failed
			}
		}
	}
}

// watchAsyncErrors makes a channel for the async errors of the index in dir.
func watchAsyncErrors(dir string) {
	asyncErrs.Store(filepath.Join(dir, "store"), make(chan error, 1))
}

// forgetAsyncErrors drops the channel of the index in dir.
func forgetAsyncErrors(dir string) {
	asyncErrs.Delete(filepath.Join(dir, "store"))
}

// registerLive remembers that idx, opened from dir, reports its async
// errors on dir's channel.
func registerLive(idx bleve.Index, dir string) {
	live.Store(idx, dir)
}

// closeIndex closes idx, turning a panic of bleve's into an error, and
// forgets its error channel.
func closeIndex(idx bleve.Index) (err error) {
	if dir, ok := live.LoadAndDelete(idx); ok {
		defer forgetAsyncErrors(dir.(string))
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("closing the index panicked: %v", r)
		}
	}()
	return idx.Close()
}

// batch writes b to idx and returns once it is durable: persisted (written
// and fsynced) for an index opened by Open, or as bleve's Batch returns for
// another. A panic of bleve's is an error; a persist that fails for lack
// of space wraps api.ErrNoSpace.
func batch(idx bleve.Index, b *bleve.Batch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("index batch panicked: %v", r)
		}
	}()
	dir, ok := live.Load(idx)
	if !ok {
		return idx.Batch(b)
	}
	errs, _ := asyncErrs.Load(filepath.Join(dir.(string), "store"))
	if errs == nil {
		return idx.Batch(b)
	}
	ch := errs.(chan error)
	select { // an error of an earlier write is not this one's
	case <-ch:
	default:
	}
	done := make(chan error, 1)
	b.SetPersistedCallback(func(err error) {
		select {
		case done <- err:
		default:
		}
	})
	if err := idx.Batch(b); err != nil {
		return noSpace(err) // not introduced: nothing changed
	}
	timer := time.NewTimer(persistTimeout)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			return noSpace(err)
		case err := <-ch:
			var se *scorch.ScorchError
			if errors.As(err, &se) && se.Source != "persister" {
				continue // a merge failed: this batch may still persist
			}
			return noSpace(fmt.Errorf("persist: %w", err))
		case <-timer.C:
			return fmt.Errorf("the index did not persist a batch within %s", persistTimeout)
		}
	}
}

// noSpace wraps an error that says the disk is full (bleve flattens the
// system error into its text) as api.ErrNoSpace.
func noSpace(err error) error {
	if err == nil || errors.Is(err, api.ErrNoSpace) {
		return err
	}
	if isNoSpace(err) {
		return fmt.Errorf("%w: %w", api.ErrNoSpace, err)
	}
	return err
}

// isNoSpace reports whether err comes from a full disk or quota.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, api.ErrNoSpace) ||
		strings.Contains(err.Error(), "no space left on device") || strings.Contains(err.Error(), "disk quota exceeded")
}
