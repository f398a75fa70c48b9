package search

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// DefaultQueueWait is how long a search may wait for a free slot when the
// maximum number of searches is running (Options.QueueWait).
const DefaultQueueWait = time.Second

// DefaultHeavyShare is the share of the search slots that expensive
// searches may hold or wait for at once (Options.HeavyShare).
const DefaultHeavyShare = 0.5

// limiter caps the searches that run at once. When all slots are taken, a
// bounded number of searches wait for one, in arrival order, for a bounded
// time; the others are refused at once. Refusing quickly is the point:
// without a cap, every search shares the cores with every other, all of
// them slow down together and, under enough load, all miss their deadline.
type limiter struct {
	slots    chan struct{}
	maxQueue int
	wait     time.Duration
	// heavy holds a token for each expensive search (queryCost at least
	// HeavyQueryCost) that runs or waits for a slot: at most its capacity
	// of them compete for the slots, so the rest stay for cheap searches.
	heavy chan struct{}

	queued                            atomic.Int64
	admitted, rejected, rejectedHeavy atomic.Uint64
}

func newLimiter(maxSearches, maxQueued int, wait time.Duration, heavyShare float64) *limiter {
	h := max(1, int(float64(maxSearches)*heavyShare))
	return &limiter{slots: make(chan struct{}, maxSearches), maxQueue: max(maxQueued, 0), wait: wait, heavy: make(chan struct{}, h)}
}

// acquireHeavy takes a slot for an expensive search: first one of the
// expensive searches' tokens, which is given up at once when all are
// taken (the client may retry later: the answer is 503 with
// Retry-After), then a slot as any search.
func (l *limiter) acquireHeavy(ctx context.Context) (release func(), err error) {
	select {
	case l.heavy <- struct{}{}:
	default:
		l.rejected.Add(1)
		l.rejectedHeavy.Add(1)
		return nil, fmt.Errorf("%w: %d expensive searches (wildcards, regular expressions, fuzzy terms, many phrases) already run or wait, the most allowed; cheaper searches are still served", api.ErrOverloaded, cap(l.heavy))
	}
	rel, err := l.acquire(ctx)
	if err != nil {
		<-l.heavy
		return nil, err
	}
	return func() { rel(); <-l.heavy }, nil
}

// acquire takes a slot, waiting in the queue if there is room, and returns
// the function that gives it back. It fails with api.ErrOverloaded when the
// queue is full or the wait too long, and with api.ErrTimeout when ctx ends
// first.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-l.slots }
	select {
	case l.slots <- struct{}{}:
		l.admitted.Add(1)
		return release, nil
	default:
	}
	if n := l.queued.Add(1); n > int64(l.maxQueue) {
		l.queued.Add(-1)
		l.rejected.Add(1)
		return nil, fmt.Errorf("%w: %d running and %d waiting, the most allowed", api.ErrOverloaded, cap(l.slots), l.maxQueue)
	}
	defer l.queued.Add(-1)
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		l.admitted.Add(1)
		return release, nil
	case <-t.C:
		l.rejected.Add(1)
		return nil, fmt.Errorf("%w: no search slot came free within %s", api.ErrOverloaded, l.wait)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w (while waiting for a search slot)", api.ErrTimeout)
	}
}

func (l *limiter) stats() api.AdmissionStats {
	if l == nil {
		return api.AdmissionStats{}
	}
	return api.AdmissionStats{
		MaxSearches: cap(l.slots), MaxQueued: l.maxQueue,
		Running: len(l.slots), Queued: int(l.queued.Load()),
		Admitted: l.admitted.Load(), Rejected: l.rejected.Load(),
		MaxHeavy: cap(l.heavy), RunningHeavy: len(l.heavy), RejectedHeavy: l.rejectedHeavy.Load(),
	}
}
