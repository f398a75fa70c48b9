package sources

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// Defaults of Options.
const (
	DefaultInterval    = 30 * time.Minute
	DefaultMinInterval = time.Minute
	DefaultJitter      = 0.1
	DefaultBackoffBase = time.Minute
	DefaultBackoffMax  = 6 * time.Hour
	DefaultMaxItems    = 50
	DefaultWorkers     = 4
	// DefaultFilter keeps the articles that name an NHS organisation or
	// hospital (or say NHS) and speak of job cuts: a count of jobs cut or
	// at risk (the tagger's jobs), redundancies, job losses or posts axed.
	// Measured on generated NHS-cuts and off-topic articles (cutwatch eval
	// --filter; BENCHMARKS.md).
	DefaultFilter = `+(trust:* hospital:* NHS) +(jobs:>0 redundancy redundancies redundant "job losses" "job cuts" axed)`
	// KeepAll is the filter that keeps every article.
	KeepAll = "*"
)

// Writer is the write path the sources write through: *index.Writer.
type Writer interface {
	Schema() *schema.Schema
	Prepare(ctx context.Context, arts []api.Article) (*index.Prepared, error)
	PutPrepared(ctx context.Context, p *index.Prepared) ([][]tag.Entity, error)
}

// Options configure a Manager.
type Options struct {
	// Data is the --data directory; the sources are kept in its FileName.
	Data string
	// Writer writes the articles kept. Without one the Manager only
	// manages the sources (add, list, remove: 'cutwatch sources' on a
	// --data no server has open), with the kinds of Schema
	// (schema.Default if nil); it cannot poll.
	Writer Writer
	Schema *schema.Schema
	// Fetch configures the HTTP fetches.
	Fetch FetchOptions
	// DefaultInterval is the poll interval of a source added without one;
	// MinInterval the shortest one accepted.
	DefaultInterval, MinInterval time.Duration
	// DefaultFilter is the filter of a source added without one.
	DefaultFilter string
	// Jitter spreads polls: each wait is scaled by a random factor in
	// [1-Jitter, 1+Jitter] (0: DefaultJitter; negative: none).
	Jitter float64
	// BackoffBase and BackoffMax bound the wait after failed polls: base,
	// doubled per failure in a row, at most max (or a 429/503's
	// Retry-After if longer).
	BackoffBase, BackoffMax time.Duration
	// MaxItems is the most new items one poll takes; the rest wait for
	// the next poll.
	MaxItems int
	// Workers is how many sources are polled at once.
	Workers int
	// Now and Sleep are the clock (time.Now and a timer if nil).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives failed polls (slog.Default() if nil).
	Logger *slog.Logger
	// AfterPoll, if not nil, is called after every poll with the source's
	// id and the poll's error (tests wait on it).
	AfterPoll func(id string, err error)

	// Cluster mode (see cluster.go); all nil in the embedded default.
	// Lease, if not nil, is asked before each poll: a source is polled
	// only by the node holding its lease. States, if not nil, shares the
	// poll state (validators, next poll, items taken) between the nodes.
	// Ingest, if not nil, writes the articles kept instead of the Writer
	// (which still tags and filters them). Catalog, if not nil, receives
	// the sources added and removed here, for every node to mirror.
	Lease   Lease
	States  States
	Ingest  Ingester
	Catalog Catalog
}

// Manager keeps the feed sources of a --data directory, polls each on
// its own schedule, and writes the articles its filter keeps through the
// Writer. Polls never hold the Writer's lock longer than a write: searches
// and other writes go on meanwhile.
type Manager struct {
	opts  Options
	w     Writer
	st    *store
	fetch *fetcher
	log   *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry

	wake    chan struct{}
	slots   chan struct{}
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
	started bool
}

// entry is a source in memory: its record as last stored, and the lock
// of its polls.
type entry struct {
	rec     record
	running bool
	poll    sync.Mutex
}

// Open opens (or creates) the sources of opts.Data. Start begins polling.
func Open(opts Options) (*Manager, error) {
	if opts.Writer != nil {
		opts.Schema = opts.Writer.Schema()
	} else if opts.Schema == nil {
		opts.Schema = schema.Default
	}
	if opts.DefaultInterval <= 0 {
		opts.DefaultInterval = DefaultInterval
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.DefaultFilter == "" {
		opts.DefaultFilter = DefaultFilter
	}
	if opts.Jitter == 0 {
		opts.Jitter = DefaultJitter
	}
	if opts.Jitter < 0 || opts.Jitter > 0.9 {
		opts.Jitter = max(0, min(opts.Jitter, 0.9))
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultMaxItems
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Manager{
		opts:    opts,
		w:       opts.Writer,
		log:     opts.Logger,
		fetch:   newFetcher(opts.Fetch, opts.Now, opts.Sleep),
		entries: map[string]*entry{},
		wake:    make(chan struct{}, 1),
		slots:   make(chan struct{}, opts.Workers),
		stop:    make(chan struct{}),
	}
	if _, err := m.parseFilter(opts.DefaultFilter); err != nil {
		return nil, fmt.Errorf("default filter: %w", err)
	}
	st, err := openStore(opts.Data)
	if err != nil {
		return nil, err
	}
	m.st = st
	recs, err := st.list()
	if err != nil {
		_ = st.close()
		return nil, err
	}
	for _, r := range recs {
		m.entries[r.ID] = &entry{rec: r}
	}
	return m, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Start begins polling each source when it is due. Close stops it.
func (m *Manager) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.stopped || m.w == nil {
		return
	}
	m.started = true
	m.wg.Add(1)
	go m.run()
}

// Close stops the polls, waits for those running, and closes the file.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return nil
	}
	m.stopped = true
	close(m.stop)
	m.mu.Unlock()
	m.wg.Wait()
	if m.opts.Lease != nil && m.w != nil {
		// Hand the sources over now rather than after the leases expire.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, id := range m.SourceIDs() {
			if err := m.opts.Lease.Release(ctx, id); err != nil {
				m.log.Warn("sources: cannot release a lease; it expires by itself", "source", id, "err", err)
			}
		}
		cancel()
	}
	if err := m.st.close(); err != nil {
		return fmt.Errorf("close %s: %w", FileName, err)
	}
	return nil
}

func (m *Manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// run is the scheduler: it starts the polls that are due, up to Workers
// at once, and sleeps until the next one is.
func (m *Manager) run() {
	defer m.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("sources: scheduler panicked; polling stopped", "panic", r)
		}
	}()
	for {
		now := m.opts.Now()
		var due []*entry
		var next time.Time
		m.mu.Lock()
		for _, e := range m.entries {
			if e.running {
				continue
			}
			if !e.rec.NextPoll.After(now) {
				due = append(due, e)
			} else if next.IsZero() || e.rec.NextPoll.Before(next) {
				next = e.rec.NextPoll
			}
		}
		m.mu.Unlock()
		slices.SortFunc(due, func(a, b *entry) int { return a.rec.NextPoll.Compare(b.rec.NextPoll) })
		for _, e := range due {
			select {
			case m.slots <- struct{}{}:
			case <-m.stop:
				return
			}
			m.mu.Lock()
			if m.stopped {
				m.mu.Unlock()
				<-m.slots
				return
			}
			e.running = true
			id := e.rec.ID
			m.wg.Add(1)
			m.mu.Unlock()
			go func() {
				defer m.wg.Done()
				defer func() { <-m.slots }()
				defer func() {
					m.mu.Lock()
					e.running = false
					m.mu.Unlock()
					m.poke()
				}()
				ctx, cancel := m.stopContext()
				defer cancel()
				_ = m.Poll(ctx, id) // logged and recorded by Poll
			}()
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(m.opts.Now()), 0)
		}
		if len(due) > 0 {
			wait = min(wait, time.Second) // look again once those finish
		}
		t := time.NewTimer(wait)
		select {
		case <-m.stop:
			t.Stop()
			return
		case <-m.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// stopContext is a context cancelled by Close.
func (m *Manager) stopContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-m.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// ID is the id of the source of a feed URL.
func ID(feedURL string) string {
	sum := sha256.Sum256([]byte(feedURL))
	return "src-" + hex.EncodeToString(sum[:6])
}

// parseFilter turns a filter into the request the Percolator matches.
func (m *Manager) parseFilter(f string) (*api.Request, error) {
	if strings.TrimSpace(f) == KeepAll {
		return nil, nil
	}
	s := m.opts.Schema
	// Filters are written in bleve's syntax (DefaultFilter's trust:*,
	// jobs:>0 and +(groups)), as they were before the simple syntax.
	req, err := api.ParseRequest(s, url.Values{"q": {f}, "syntax": {api.SyntaxBleve}})
	if err != nil {
		return nil, err
	}
	if _, err := search.ParseQuery(s, req.Q); err != nil {
		return nil, err
	}
	return &req, nil
}

// AddSource adds a source, or changes the interval and filter of the one
// with the same URL; it is polled at once.
func (m *Manager) AddSource(ctx context.Context, spec api.SourceSpec) (api.SourceStatus, error) {
	raw := strings.TrimSpace(spec.URL)
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return api.SourceStatus{}, api.BadRequest("url", "not a URL: %q", raw)
	}
	if err := checkURL(u); err != nil {
		return api.SourceStatus{}, api.BadRequest("url", "%v", err)
	}
	if len(raw) > api.MaxURLLen {
		return api.SourceStatus{}, api.BadRequest("url", "longer than %d bytes", api.MaxURLLen)
	}
	interval := m.opts.DefaultInterval
	if spec.Interval != "" {
		interval, err = time.ParseDuration(spec.Interval)
		if err != nil {
			return api.SourceStatus{}, api.BadRequest("interval", "not a duration (like 30m): %q", spec.Interval)
		}
		if interval < m.opts.MinInterval {
			return api.SourceStatus{}, api.BadRequest("interval", "shorter than %s", m.opts.MinInterval)
		}
	}
	filter := strings.TrimSpace(spec.Filter)
	if filter == "" {
		filter = m.opts.DefaultFilter
	}
	if _, err := m.parseFilter(filter); err != nil {
		var br *api.BadRequestError
		if errors.As(err, &br) {
			return api.SourceStatus{}, api.BadRequest("filter", "%s", br.Msg)
		}
		return api.SourceStatus{}, api.BadRequest("filter", "%v", err)
	}
	id := ID(u.String())
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return api.SourceStatus{}, api.ErrClosed
	}
	e := m.entries[id]
	var r record
	if e != nil {
		r = e.rec
	} else {
		now := m.opts.Now().UTC()
		r = record{SourceStatus: api.SourceStatus{ID: id, URL: u.String(), Added: now, NextPoll: now}}
	}
	r.Interval, r.IntervalNS, r.Filter = interval.String(), interval, filter
	if m.opts.Catalog != nil {
		if err := m.opts.Catalog.PutSource(ctx, r.spec()); err != nil {
			return api.SourceStatus{}, fmt.Errorf("add source: %w", err)
		}
	}
	if err := m.st.put(r); err != nil {
		return api.SourceStatus{}, fmt.Errorf("add source: %w", err)
	}
	if e == nil {
		m.entries[id] = &entry{rec: r}
	} else {
		e.rec.Interval, e.rec.IntervalNS, e.rec.Filter = r.Interval, r.IntervalNS, r.Filter
	}
	m.poke()
	return r.SourceStatus, nil
}

// ListSources returns the sources ordered by id.
func (m *Manager) ListSources(context.Context) ([]api.SourceStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]api.SourceStatus, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, e.rec.SourceStatus)
	}
	slices.SortFunc(out, func(a, b api.SourceStatus) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// RemoveSource removes the source id (or the one of URL id). Its articles
// stay.
func (m *Manager) RemoveSource(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[id]; !ok {
		for k, e := range m.entries {
			if e.rec.URL == id {
				id = k
			}
		}
	}
	if _, ok := m.entries[id]; !ok {
		return fmt.Errorf("source %q: %w", id, api.ErrNotFound)
	}
	if m.opts.Catalog != nil {
		if err := m.opts.Catalog.DeleteSource(ctx, id); err != nil {
			return fmt.Errorf("remove source %s: %w", id, err)
		}
	}
	if _, err := m.st.remove(id); err != nil {
		return err
	}
	delete(m.entries, id)
	if m.opts.Lease != nil {
		if err := m.opts.Lease.Release(ctx, id); err != nil {
			m.log.Warn("sources: cannot release the lease of a removed source; it expires by itself", "source", id, "err", err)
		}
	}
	return nil
}

// jitter scales d by a random factor in [1-Jitter, 1+Jitter].
func (m *Manager) jitter(d time.Duration) time.Duration {
	j := m.opts.Jitter
	if j <= 0 {
		return d
	}
	return time.Duration(float64(d) * (1 - j + 2*j*rand.Float64())) //nolint:gosec // scheduling, not security
}

// backoff is the wait after the n-th failed poll in a row.
func (m *Manager) backoff(n int, err error) time.Duration {
	d := m.opts.BackoffBase
	for i := 1; i < n && d < m.opts.BackoffMax; i++ {
		d *= 2
	}
	d = m.jitter(min(d, m.opts.BackoffMax))
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > d {
		d = min(se.RetryAfter, 24*time.Hour)
	}
	return d
}

// item is a new feed item on its way to becoming an article.
type item struct {
	key      string
	art      api.Article
	fallback bool // made from the feed's content, not the page
}

// Poll polls the source id now: fetches its feed (conditionally), takes
// the items not taken before, reads their pages, keeps those the filter
// matches and writes them, and records the poll. Its error is also the
// source's LastError.
func (m *Manager) Poll(ctx context.Context, id string) (err error) {
	m.mu.Lock()
	e := m.entries[id]
	m.mu.Unlock()
	if e == nil {
		return fmt.Errorf("source %q: %w", id, api.ErrNotFound)
	}
	if m.w == nil {
		return errors.New("sources: opened without a writer: cannot poll")
	}
	e.poll.Lock()
	defer e.poll.Unlock()
	polled := true
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("poll panicked: %v", r)
			m.log.Error("sources: poll panicked", "source", id, "panic", r)
			m.record(id, nil, func(r *record) { m.failed(r, err) })
		}
		if m.opts.AfterPoll != nil && polled {
			m.opts.AfterPoll(id, err)
		}
	}()
	if m.opts.Lease != nil {
		polled, err = m.clusterPoll(ctx, e)
	} else {
		m.mu.Lock()
		rec := e.rec
		m.mu.Unlock()
		err = m.poll(ctx, rec, nil)
	}
	if err != nil && ctx.Err() == nil {
		m.log.Warn("sources: poll failed", "source", id, "err", err)
	}
	return err
}

func (m *Manager) failed(r *record, err error) {
	now := m.opts.Now().UTC()
	r.LastPoll = now
	r.Failures++
	r.LastError = err.Error()
	r.NextPoll = now.Add(m.backoff(r.Failures, err))
}

// record stores a poll's outcome and updates the entry in memory.
func (m *Manager) record(id string, items map[string]string, update func(*record)) {
	if err := m.st.finish(id, items, update); err != nil {
		m.log.Error("sources: cannot record a poll", "source", id, "err", err)
	}
	m.mu.Lock()
	if e := m.entries[id]; e != nil {
		update(&e.rec)
	}
	m.mu.Unlock()
	m.poke()
}

// poll fetches the feed of rec and writes its new items; cs, in cluster
// mode, holds the items other nodes took and collects those taken.
func (m *Manager) poll(ctx context.Context, rec record, cs *clusterSeen) error {
	u, err := url.Parse(rec.URL)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		if ctx.Err() != nil {
			return err // closing: not the source's fault
		}
		m.record(rec.ID, nil, func(r *record) { r.Polls++; m.failed(r, err) })
		return err
	}
	filter, err := m.parseFilter(rec.Filter)
	if err != nil {
		return fail(fmt.Errorf("filter: %w", err))
	}
	resp, err := m.fetch.get(ctx, u, rec.ETag, rec.LastModified, feedAccept)
	if err != nil {
		return fail(err)
	}
	done := func(r *record) {
		now := m.opts.Now().UTC()
		r.Polls++
		r.LastPoll, r.LastError, r.Failures = now, "", 0
		r.NextPoll = now.Add(m.jitter(r.IntervalNS))
	}
	if resp.status == 304 {
		m.record(rec.ID, nil, func(r *record) { done(r); r.NotModified++ })
		return nil
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(resp.body))
	if err != nil {
		return fail(fmt.Errorf("parse feed: %w", err))
	}
	items, more, err := m.newItems(rec.ID, feed, cs)
	if err != nil {
		return fail(err)
	}
	for i := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.readPage(ctx, &items[i], resp.url)
	}
	taken, kept, skipped, fallbacks, err := m.write(ctx, filter, items)
	if err != nil {
		return fail(fmt.Errorf("write: %w", err))
	}
	if cs != nil {
		for k := range taken {
			*cs.taken = append(*cs.taken, SeenHash(k))
		}
		slices.Sort(*cs.taken)
	}
	m.record(rec.ID, taken, func(r *record) {
		done(r)
		r.Kept += kept
		r.Skipped += skipped
		r.PageFallbacks += fallbacks
		if more {
			// Items wait for the next poll: it must not be answered 304.
			r.ETag, r.LastModified = "", ""
		} else {
			r.ETag, r.LastModified = resp.etag, resp.lastModified
		}
	})
	return nil
}

const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"

// itemKey names a feed item across polls: its guid, else its link, else
// a hash of its title and content.
func itemKey(it *gofeed.Item) string {
	switch {
	case strings.TrimSpace(it.GUID) != "":
		return "guid:" + strings.TrimSpace(it.GUID)
	case strings.TrimSpace(it.Link) != "":
		return "link:" + strings.TrimSpace(it.Link)
	}
	return "text:" + api.ContentID(it.Title+"\n"+it.Description+"\n"+it.Content)
}

// newItems returns the feed's items not taken before (at most MaxItems,
// more is true when others wait) as articles made from the feed alone.
func (m *Manager) newItems(id string, feed *gofeed.Feed, cs *clusterSeen) (items []item, more bool, err error) {
	keys := make([]string, len(feed.Items))
	for i, it := range feed.Items {
		keys[i] = itemKey(it)
	}
	seen, err := m.st.seen(id, keys)
	if err != nil {
		return nil, false, err
	}
	dup := map[string]bool{}
	for i, it := range feed.Items {
		k := keys[i]
		if seen[k] || dup[k] || (cs != nil && cs.seen[SeenHash(k)]) {
			continue
		}
		dup[k] = true
		if len(items) == m.opts.MaxItems {
			return items, true, nil
		}
		a := api.Article{Title: htmlText(it.Title), URL: strings.TrimSpace(it.Link)}
		a.Text = htmlText(it.Content)
		if len(a.Text) < len(htmlText(it.Description)) {
			a.Text = htmlText(it.Description)
		}
		switch {
		case it.PublishedParsed != nil:
			a.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			a.Published = it.UpdatedParsed.UTC()
		}
		items = append(items, item{key: k, art: a, fallback: true})
	}
	return items, false, nil
}

// readPage fetches an item's page and, when it can be read, makes the
// article of it: its text, title and date from the page, its URL the
// canonical one. Otherwise the item keeps the feed's content.
func (m *Manager) readPage(ctx context.Context, it *item, feedURL *url.URL) {
	canon := func(u *url.URL) {
		it.art.URL = CanonicalURL(u)
		it.art.ID = URLID(it.art.URL)
	}
	if it.art.URL == "" {
		return
	}
	u, err := feedURL.Parse(it.art.URL)
	if err != nil || checkURL(u) != nil {
		it.art.URL = ""
		return
	}
	canon(u)
	resp, err := m.fetch.get(ctx, u, "", "", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	if err != nil || resp.status != 200 {
		m.log.Info("sources: page not read; the feed's content stands in", "url", u.Redacted(), "err", err)
		return
	}
	page, err := Extract(resp.body, resp.url)
	if page.Canonical != nil {
		canon(page.Canonical)
	} else {
		canon(resp.url)
	}
	if err != nil || len(strings.Fields(page.Text)) < len(strings.Fields(it.art.Text)) {
		return // the feed says more than the page we could read
	}
	it.art.Text = page.Text
	if page.Title != "" {
		it.art.Title = page.Title
	}
	if !page.Published.IsZero() {
		it.art.Published = page.Published.UTC()
	}
	it.fallback = false
}

// write tags the items, keeps those the filter matches, and writes them
// through the Writer. taken maps every item key to its article id ("" for
// an item skipped).
func (m *Manager) write(ctx context.Context, filter *api.Request, items []item) (taken map[string]string, kept, skipped, fallbacks int64, err error) {
	taken = make(map[string]string, len(items))
	var arts []api.Article
	at := map[string]int{}
	byKey := map[string]string{}
	for _, it := range items {
		a := it.art
		if a.ID == "" {
			a.ID = api.ContentID(a.Text)
		}
		if a.Normalize() != nil {
			taken[it.key] = "" // no text: nothing to take
			skipped++
			continue
		}
		if it.fallback {
			fallbacks++
		}
		byKey[it.key] = a.ID
		if i, ok := at[a.ID]; ok {
			arts[i] = a // the same story twice in one feed: one article
			continue
		}
		at[a.ID] = len(arts)
		arts = append(arts, a)
	}
	if len(arts) == 0 {
		return taken, kept, skipped, fallbacks, nil
	}
	p, err := m.w.Prepare(ctx, arts)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	keep := map[string]bool{}
	if filter == nil {
		for _, a := range arts {
			keep[a.ID] = true
		}
	} else {
		perc, err := search.NewPercolator(m.opts.Schema, p.Written())
		if err != nil {
			return nil, 0, 0, 0, err
		}
		ids, err := perc.Match(ctx, *filter)
		_ = perc.Close()
		if err != nil {
			return nil, 0, 0, 0, fmt.Errorf("filter: %w", err)
		}
		for _, id := range ids {
			keep[id] = true
		}
	}
	var keptIDs []string
	for _, a := range arts {
		if keep[a.ID] {
			keptIDs = append(keptIDs, a.ID)
		}
	}
	if m.opts.Ingest != nil {
		sel := p.Select(keptIDs).Written()
		put := make([]api.Article, len(sel))
		for i, w := range sel {
			put[i] = w.Article
		}
		if len(put) > 0 {
			if _, err := m.opts.Ingest.Put(ctx, put); err != nil {
				return nil, 0, 0, 0, err
			}
		}
	} else if _, err := m.w.PutPrepared(ctx, p.Select(keptIDs)); err != nil {
		return nil, 0, 0, 0, err
	}
	for k, id := range byKey {
		if keep[id] {
			taken[k] = id
			kept++
		} else {
			taken[k] = ""
			skipped++
		}
	}
	return taken, kept, skipped, fallbacks, nil
}
