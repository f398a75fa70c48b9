package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// What a Manager needs to run in a cluster (cutwatch serve --nats), where
// every node has the same sources but each source must be polled by one
// node at a time. Each is an option of Options; without them (the
// embedded default) the Manager polls every source itself. The NATS
// implementations are in search/once.

// Lease decides which node polls a source: the Manager asks it before
// every poll, and polls only while it holds the source's lease.
type Lease interface {
	// Hold takes the lease of source id for this node, or renews it if
	// this node holds it already; false (and no error) when another node
	// holds it.
	Hold(ctx context.Context, id string) (bool, error)
	// Release gives the lease of source id up, if this node holds it (the
	// source was removed, or the Manager closes): another node may take
	// it at once instead of after the lease's time to live.
	Release(ctx context.Context, id string) error
	// Recheck is how long a node that does not hold a lease waits before
	// asking again: the holder's death is noticed this long after its
	// lease expires, at most.
	Recheck() time.Duration
}

// PollState is a source's poll state that the nodes of a cluster share:
// what the node that takes a source over from another needs so as not to
// fetch the feed before it is due, nor take its items again.
type PollState struct {
	// ETag and LastModified are the validators of the last 200 answer.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// LastPoll and NextPoll are when the feed was last fetched and when it
	// is due; Failures and LastError describe the failures in a row (the
	// backoff).
	LastPoll  time.Time `json:"last_poll,omitzero"`
	NextPoll  time.Time `json:"next_poll"`
	Failures  int       `json:"failures"`
	LastError string    `json:"last_error,omitempty"`
	// The counters of SourceStatus, over all nodes.
	Polls         int64 `json:"polls"`
	NotModified   int64 `json:"not_modified"`
	Kept          int64 `json:"kept"`
	Skipped       int64 `json:"skipped"`
	PageFallbacks int64 `json:"page_fallbacks"`
	// Seen are the hashes (SeenHash) of the latest feed items taken, the
	// newest last, at most MaxSeen: a feed lists its latest items, so
	// older ones do not come back.
	Seen []string `json:"seen"`
}

// MaxSeen is the most item hashes a PollState keeps.
const MaxSeen = 2000

// SeenHash is the hash of a feed item's key in PollState.Seen.
func SeenHash(itemKey string) string {
	s := sha256.Sum256([]byte(itemKey))
	return hex.EncodeToString(s[:8])
}

// States keeps the shared PollState of each source.
type States interface {
	// LoadState returns the state of source id; false if it has none yet.
	LoadState(ctx context.Context, id string) (PollState, bool, error)
	// SaveState stores the state of source id.
	SaveState(ctx context.Context, id string, st PollState) error
}

// Ingester is the cluster's write path (the api.Ingester of cutwatch serve
// --nats: a write published to the article stream and acknowledged by a
// quorum, then applied by every node). With one, the Manager still tags
// and filters with its Writer (Prepare), and writes what it keeps through
// the Ingester instead of the Writer.
type Ingester interface {
	Put(ctx context.Context, arts []api.Article) ([][]tag.Entity, error)
}

// Catalog keeps the sources themselves where every node sees them (a NATS
// KV bucket): AddSource and RemoveSource change it, and every node's
// Manager mirrors its changes with MirrorSource and ForgetSource.
type Catalog interface {
	PutSource(ctx context.Context, s api.SourceStatus) error
	DeleteSource(ctx context.Context, id string) error
}

func (r *record) state() PollState {
	return PollState{ETag: r.ETag, LastModified: r.LastModified, LastPoll: r.LastPoll, NextPoll: r.NextPoll,
		Failures: r.Failures, LastError: r.LastError, Polls: r.Polls, NotModified: r.NotModified, Kept: r.Kept,
		Skipped: r.Skipped, PageFallbacks: r.PageFallbacks}
}

func (r *record) setState(st PollState) {
	r.ETag, r.LastModified, r.LastPoll, r.NextPoll = st.ETag, st.LastModified, st.LastPoll, st.NextPoll
	r.Failures, r.LastError, r.Polls, r.NotModified = st.Failures, st.LastError, st.Polls, st.NotModified
	r.Kept, r.Skipped, r.PageFallbacks = st.Kept, st.Skipped, st.PageFallbacks
}

// spec is the part of a record that the Catalog keeps.
func (r *record) spec() api.SourceStatus {
	return api.SourceStatus{ID: r.ID, URL: r.URL, Interval: r.Interval, Filter: r.Filter, Added: r.Added}
}

// clusterPoll runs a poll in a cluster: only while this node holds the
// source's lease, only when the shared state says it is due, and with the
// items other nodes took counted as seen. It saves the shared state after
// the poll.
func (m *Manager) clusterPoll(ctx context.Context, e *entry) (polled bool, err error) {
	id := e.rec.ID
	held, err := m.opts.Lease.Hold(ctx, id)
	if err != nil || !held {
		if err != nil {
			m.log.Warn("sources: cannot take the lease of a source; trying again later", "source", id, "err", err)
		} else if m.opts.States != nil {
			// Another node polls it: show its polls here too.
			if st, ok, err := m.opts.States.LoadState(ctx, id); err == nil && ok {
				m.mu.Lock()
				e.rec.setState(st)
				m.mu.Unlock()
			}
		}
		m.reschedule(id, m.opts.Now().Add(m.jitter(m.opts.Lease.Recheck())))
		return false, nil
	}
	var shared PollState
	if m.opts.States != nil {
		st, ok, err := m.opts.States.LoadState(ctx, id)
		if err != nil {
			m.reschedule(id, m.opts.Now().Add(m.jitter(m.opts.Lease.Recheck())))
			return false, fmt.Errorf("load the shared state of %s: %w", id, err)
		}
		if ok {
			shared = st
			due := !st.NextPoll.After(m.opts.Now())
			m.mu.Lock()
			e.rec.setState(st)
			m.mu.Unlock()
			if !due {
				m.poke()
				return false, nil // another node polled it; not due yet
			}
		}
	}
	seen := make(map[string]bool, len(shared.Seen))
	for _, h := range shared.Seen {
		seen[h] = true
	}
	m.mu.Lock()
	rec := e.rec
	m.mu.Unlock()
	var taken []string
	err = m.poll(ctx, rec, &clusterSeen{seen: seen, taken: &taken})
	if ctx.Err() != nil || m.opts.States == nil {
		return true, err
	}
	m.mu.Lock()
	st := e.rec.state()
	m.mu.Unlock()
	st.Seen = append(slices.Clone(shared.Seen), taken...)
	if n := len(st.Seen) - MaxSeen; n > 0 {
		st.Seen = st.Seen[n:]
	}
	if serr := m.opts.States.SaveState(ctx, id, st); serr != nil {
		m.log.Error("sources: cannot save the shared poll state; the next holder may fetch again", "source", id, "err", serr)
	}
	return true, err
}

// clusterSeen are the items other nodes took, and collects those this
// poll takes.
type clusterSeen struct {
	seen  map[string]bool
	taken *[]string
}

// reschedule sets when source id is looked at next, without a poll.
func (m *Manager) reschedule(id string, next time.Time) {
	m.mu.Lock()
	if e := m.entries[id]; e != nil {
		e.rec.NextPoll = next.UTC()
	}
	m.mu.Unlock()
	m.poke()
}

// MirrorSource adds or changes a source as another node added it (a
// change of the Catalog): its spec, not its poll state.
func (m *Manager) MirrorSource(s api.SourceStatus) error {
	interval, err := time.ParseDuration(s.Interval)
	if err != nil || s.ID == "" || s.URL == "" {
		return fmt.Errorf("source %q from the catalog: bad spec (interval %q)", s.ID, s.Interval)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return api.ErrClosed
	}
	e := m.entries[s.ID]
	var r record
	if e != nil {
		r = e.rec
	} else {
		r = record{SourceStatus: api.SourceStatus{ID: s.ID, URL: s.URL, Added: s.Added, NextPoll: m.opts.Now().UTC()}}
	}
	r.Interval, r.IntervalNS, r.Filter = interval.String(), interval, s.Filter
	if e != nil && e.rec.Interval == r.Interval && e.rec.Filter == r.Filter {
		return nil
	}
	if err := m.st.put(r); err != nil {
		return fmt.Errorf("mirror source %s: %w", s.ID, err)
	}
	if e == nil {
		m.entries[s.ID] = &entry{rec: r}
	} else {
		e.rec.Interval, e.rec.IntervalNS, e.rec.Filter = r.Interval, r.IntervalNS, r.Filter
	}
	m.poke()
	return nil
}

// ForgetSource removes a source another node removed (a change of the
// Catalog), and gives up its lease if this node held it; nothing if it is
// not here.
func (m *Manager) ForgetSource(id string) error {
	m.mu.Lock()
	if _, ok := m.entries[id]; !ok {
		m.mu.Unlock()
		return nil
	}
	if _, err := m.st.remove(id); err != nil {
		m.mu.Unlock()
		return err
	}
	delete(m.entries, id)
	m.mu.Unlock()
	if m.opts.Lease != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.opts.Lease.Release(ctx, id); err != nil {
			return fmt.Errorf("release the lease of removed source %s: %w", id, err)
		}
	}
	return nil
}

// SourceIDs returns the ids of the sources here (the Catalog's mirror
// drops those the catalog no longer has).
func (m *Manager) SourceIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.entries))
	for id := range m.entries {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
