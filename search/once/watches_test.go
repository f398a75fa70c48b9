package once_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/cluster/natstest"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/once"
	"github.com/cutwatch/cutwatch/search/watch"
)

// watchNode is a node's watches: its Hub, matching the writes of its own
// Writer (every node applies every article), fed and drained through the
// cluster's delivery queue, mirroring the cluster's watches.
type watchNode struct {
	*node
	hub *watch.Hub
	w   *index.Writer
}

func startWatchNode(t *testing.T, ctx context.Context, c *natstest.Cluster, i int, name string, cfg once.Config) *watchNode {
	t.Helper()
	n := &watchNode{node: connect(t, c, i, name, cfg)}
	hub, err := watch.Open(t.TempDir(), watch.Options{AllowPrivate: true, MinBackoff: 200 * time.Millisecond,
		MaxBackoff: time.Second, GiveUp: time.Minute, Timeout: 5 * time.Second, BaseURL: "http://" + name,
		Queue: n.cl.Deliveries(), Catalog: n.cl.WatchCatalog(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Close() })
	n.hub = hub
	n.w = openWriter(t, index.WriterOptions{BeforeAck: []func(index.Change) error{hub.BeforeAck}})
	if err := hub.Attach(ctx, n.w); err != nil {
		t.Fatal(err)
	}
	if err := n.cl.MirrorWatches(ctx, hub); err != nil {
		t.Fatal(err)
	}
	hub.Start()
	return n
}

// hook is a webhook that records every request it gets, answers 503 to
// the first failFirst, and checks each signature with the watch's secret.
type hook struct {
	t         *testing.T
	srv       *httptest.Server
	mu        sync.Mutex
	secret    string
	failFirst int
	got       []hookHit
}

type hookHit struct {
	delivery string
	status   int
	articles []string
}

func newHook(t *testing.T, failFirst int) *hook {
	h := &hook{t: t, failFirst: failFirst}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := watch.Verify(h.secret, r.Header.Get(watch.HeaderSignature), body, time.Now(), time.Minute); err != nil {
			t.Errorf("delivery %s: %v", r.Header.Get(watch.HeaderDelivery), err)
		}
		var p watch.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("delivery body %s: %v", body, err)
		}
		hit := hookHit{delivery: r.Header.Get(watch.HeaderDelivery), status: 200}
		for _, a := range p.Articles {
			hit.articles = append(hit.articles, a.ID)
		}
		if p.Delivery != hit.delivery {
			t.Errorf("delivery header %s, body %s", hit.delivery, p.Delivery)
		}
		if len(h.got) < h.failFirst {
			hit.status = 503
		}
		h.got = append(h.got, hit)
		w.WriteHeader(hit.status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) hits() []hookHit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func (h *hook) setSecret(s string) {
	h.mu.Lock()
	h.secret = s
	h.mu.Unlock()
}

// putEverywhere writes a to every node's Writer, as the cluster's apply
// loop does with each article of the stream.
func putEverywhere(t *testing.T, ns []*watchNode, a api.Article) {
	t.Helper()
	var wg sync.WaitGroup
	for _, n := range ns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := n.w.Put(context.Background(), []api.Article{a}); err != nil {
				t.Errorf("%s: put %s: %v", n.name, a.ID, err)
			}
		}()
	}
	wg.Wait()
}

// queueEmpty reports whether the delivery stream holds nothing: every
// delivery queued was acknowledged or given up.
func queueEmpty(t *testing.T, n *node) (bool, uint64) {
	t.Helper()
	s, err := n.js.Stream(context.Background(), once.StreamDeliveries)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs == 0, info.State.LastSeq
}

func article(id, text string) api.Article {
	return api.Article{ID: id, Title: "Trust " + id, Text: text, URL: "https://news.example.org/" + id,
		Published: time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC)}
}

// TestWatchDeliveredOncePerCluster runs three nodes' Hubs on one
// three-server NATS cluster. A watch created on node-0 is mirrored to
// node-2; an article all three nodes write (and match) reaches its webhook
// once, signed, and nothing stays queued; a fourth node that starts later
// with an empty --data and replays the article (after JetStream's
// duplicate window) delivers nothing, nor does a node told the article
// is older than the markers' memory; a webhook that fails twice gets the
// delivery again (from whichever node) and takes it once; the delivery
// of a watch deleted while it is retried is dropped at once.
func TestWatchDeliveredOncePerCluster(t *testing.T) {
	const window = time.Second
	nc := natstest.Start(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := once.Config{DedupeWindow: window, AckWait: 10 * time.Second}
	var ns []*watchNode
	for i := range 3 {
		ns = append(ns, startWatchNode(t, ctx, nc, i, fmt.Sprintf("node-%d", i), cfg))
	}
	ok, failing := newHook(t, 0), newHook(t, 2)
	create := func(on *watchNode, search string, h *hook) api.Watch {
		w, err := on.hub.CreateWatch(ctx, api.WatchSpec{Name: search, Search: search, URL: h.srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		h.setSecret(w.Secret)
		for _, n := range ns {
			waitFor(t, 10*time.Second, n.name+" mirrors watch "+w.ID, func() bool {
				return slices.Contains(n.hub.WatchIDs(), w.ID)
			})
		}
		return w
	}
	wOK := create(ns[0], url.Values{"q": {"redundancies"}}.Encode(), ok)

	// Matched on node-2 (and the others): delivered once.
	putEverywhere(t, ns, article("a1", "The NHS trust plans 300 redundancies among nurses."))
	putEverywhere(t, ns, article("a2", "The council repaired the roads."))
	waitFor(t, 20*time.Second, "the webhook gets the match", func() bool { return len(ok.hits()) >= 1 })
	waitFor(t, 20*time.Second, "the queue drained", func() bool { e, _ := queueEmpty(t, ns[0].node); return e })
	if hs := ok.hits(); len(hs) != 1 || !slices.Equal(hs[0].articles, []string{"a1"}) {
		t.Fatalf("webhook of %s got %+v: want one delivery of a1", wOK.ID, hs)
	}
	for _, n := range ns {
		if st := n.hub.WatchStats(); st.Queued != 1 {
			t.Errorf("%s offered %d deliveries, want 1 (every node matches)", n.name, st.Queued)
		}
	}
	_, last := queueEmpty(t, ns[0].node)

	// A late node replays the corpus after the duplicate window: nothing
	// is queued again.
	time.Sleep(window + window/2)
	late := startWatchNode(t, ctx, nc, 2, "node-late", cfg)
	waitFor(t, 10*time.Second, "node-late mirrors the watch", func() bool { return slices.Contains(late.hub.WatchIDs(), wOK.ID) })
	putEverywhere(t, []*watchNode{late}, article("a1", "The NHS trust plans 300 redundancies among nurses."))
	if st := late.hub.WatchStats(); st.Queued != 1 {
		t.Fatalf("node-late matched %d deliveries, want 1", st.Queued)
	}
	if _, l := queueEmpty(t, ns[0].node); l != last {
		t.Errorf("node-late's replay published to the delivery stream (last sequence %d, was %d)", l, last)
	}

	// A node told that an article was written long ago (by the article
	// stream: Config.WrittenAt) does not deliver its first match.
	oldCfg := cfg
	oldCfg.MarkerTTL = time.Hour
	oldCfg.WrittenAt = func(context.Context, string) (time.Time, error) { return time.Now().Add(-time.Hour), nil }
	old := startWatchNode(t, ctx, nc, 0, "node-old", oldCfg)
	_, last = queueEmpty(t, ns[0].node)
	waitFor(t, 10*time.Second, "node-old mirrors the watch", func() bool { return slices.Contains(old.hub.WatchIDs(), wOK.ID) })
	putEverywhere(t, []*watchNode{old}, article("a3", "Another trust announced 40 redundancies."))
	if st := old.hub.WatchStats(); st.Queued != 1 {
		t.Fatalf("node-old matched %d deliveries, want 1", st.Queued)
	}
	if _, l := queueEmpty(t, ns[0].node); l != last {
		t.Errorf("node-old published the match of an old article (last sequence %d, was %d)", l, last)
	}

	// A webhook that fails twice: retried by any node, taken once.
	create(ns[1], url.Values{"q": {"closure"}}.Encode(), failing)
	putEverywhere(t, append(ns, late), article("b1", "The ward closure was confirmed by the trust."))
	waitFor(t, 20*time.Second, "the failing webhook takes the delivery", func() bool {
		hs := failing.hits()
		return len(hs) > 0 && hs[len(hs)-1].status == 200
	})
	waitFor(t, 20*time.Second, "the queue drained", func() bool { e, _ := queueEmpty(t, ns[0].node); return e })
	hs := failing.hits()
	if len(hs) != 3 {
		t.Errorf("failing webhook got %d requests, want 3 (two 503s, then taken): %+v", len(hs), hs)
	}
	for _, h := range hs {
		if h.delivery != hs[0].delivery || !slices.Equal(h.articles, []string{"b1"}) {
			t.Errorf("failing webhook got %+v: want the same delivery of b1 each time", hs)
			break
		}
	}
	if n := len(ok.hits()); n != 1 {
		t.Errorf("the first webhook got %d requests in all, want 1", n)
	}

	// A watch deleted on one node while its delivery is being retried:
	// the delivery is dropped by whichever node fetches it next.
	down := newHook(t, 1<<30)
	wDown := create(ns[2], url.Values{"q": {"outsourcing"}}.Encode(), down)
	putEverywhere(t, ns, article("c1", "The trust confirmed the outsourcing of its cleaners."))
	waitFor(t, 20*time.Second, "the failing webhook is tried", func() bool { return len(down.hits()) > 0 })
	if err := ns[0].hub.DeleteWatch(ctx, wDown.ID); err != nil {
		t.Fatal(err)
	}
	for _, n := range append(ns, late, old) {
		waitFor(t, 10*time.Second, n.name+" forgets the deleted watch", func() bool { return !slices.Contains(n.hub.WatchIDs(), wDown.ID) })
	}
	waitFor(t, 10*time.Second, "the deleted watch's delivery dropped", func() bool { e, _ := queueEmpty(t, ns[0].node); return e })
	tried := len(down.hits())
	time.Sleep(time.Second)
	if n := len(down.hits()); n != tried {
		t.Errorf("the deleted watch's webhook got %d more requests", n-tried)
	}
}
