package watch_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
	"github.com/cutwatch/cutwatch/search/watch"
)

func testTagger(t testing.TB) *tag.Tagger {
	return indextest.Tagger(t)
}

// received is one POST a receiver got.
type received struct {
	body    []byte
	header  http.Header
	payload watch.Payload
}

// receiver is a real webhook server on loopback that answers with the
// statuses of answer in turn (200 once they run out) and hands each POST
// to got.
type receiver struct {
	srv *httptest.Server
	got chan received

	mu     sync.Mutex
	answer []int
	calls  int
}

func newReceiver(t *testing.T, answer ...int) *receiver {
	r := &receiver{got: make(chan received, 100), answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := http.StatusOK
		if r.calls < len(r.answer) {
			status = r.answer[r.calls]
		}
		r.calls++
		r.mu.Unlock()
		var p watch.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("delivery body is not a payload: %v: %s", err, body)
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		r.got <- received{body: body, header: req.Header.Clone(), payload: p}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// next waits for the next POST.
func (r *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case g := <-r.got:
		return g
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery within 30 s")
		return received{}
	}
}

// none checks that nothing is waiting to be received.
func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case g := <-r.got:
		t.Fatalf("unexpected delivery %s", g.body)
	default:
	}
}

// fixture is a Writer over the seeds whose writes a Hub percolates.
type fixture struct {
	w   *index.Writer
	hub *watch.Hub
}

func newFixture(t *testing.T, opts watch.Options) *fixture {
	t.Helper()
	data := indextest.SeedData(t)
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 5 * time.Millisecond
		opts.MaxBackoff = 20 * time.Millisecond
	}
	opts.BaseURL = "http://cutwatch.test"
	hub, err := watch.Open(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t),
		BeforeAck: []func(index.Change) error{hub.BeforeAck}})
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Attach(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	hub.Start()
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
		if err := hub.Close(); err != nil {
			t.Error(err)
		}
	})
	return &fixture{w: w, hub: hub}
}

func (f *fixture) put(t *testing.T, arts ...api.Article) {
	t.Helper()
	if _, err := f.w.Put(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) watch(t *testing.T, search, url string) api.Watch {
	t.Helper()
	w, err := f.hub.CreateWatch(context.Background(), api.WatchSpec{Name: "test", Search: search, URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func art(id, text string) api.Article {
	return api.Article{ID: id, Title: id, Text: text, Published: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
}

// TestDeliversMatchOnceSigned: an article the watch's search matches is
// posted once, signed with the watch's secret; one it does not match, and
// a re-send of the same article, are not.
func TestDeliversMatchOnceSigned(t *testing.T) {
	f := newFixture(t, watch.Options{AllowPrivate: true})
	rcv := newReceiver(t)
	w := f.watch(t, "q=porters&union=Unison", rcv.srv.URL)
	if w.Secret == "" || w.ID == "" {
		t.Fatalf("created watch without id or secret: %+v", w)
	}
	match := art("leeds-porters", "Unison says 40 porters at Leeds Teaching Hospitals NHS Trust face cuts.")
	f.put(t, art("gmb-porters", "GMB says 40 porters at Leeds face cuts."), art("unison-nurses", "Unison says nurses at Leeds face cuts."))
	f.put(t, match)
	got := rcv.next(t)
	if err := watch.Verify(w.Secret, got.header.Get(watch.HeaderSignature), got.body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := watch.Verify("whsec_wrong", got.header.Get(watch.HeaderSignature), got.body, time.Now(), 5*time.Minute); err == nil {
		t.Error("a wrong secret verifies")
	}
	p := got.payload
	if p.Watch != w.ID || p.Delivery == "" || got.header.Get(watch.HeaderDelivery) != p.Delivery || len(p.Articles) != 1 || p.Articles[0].ID != match.ID {
		t.Fatalf("payload %s", got.body)
	}
	a := p.Articles[0]
	if a.Link != "http://cutwatch.test/articles/leeds-porters" || a.Published == nil || !strings.Contains(string(got.body), `"unions":["Unison"]`) {
		t.Errorf("article of the payload: %s", got.body)
	}
	// A re-send changes nothing; a later matching article is the next
	// delivery, so nothing came in between.
	f.put(t, match)
	f.put(t, art("leeds-porters-2", "Unison: 12 more porters at Leeds to go."))
	got = rcv.next(t)
	if len(got.payload.Articles) != 1 || got.payload.Articles[0].ID != "leeds-porters-2" {
		t.Fatalf("second delivery: %s", got.body)
	}
	waitFor(t, func() bool { return f.hub.WatchStats().Delivered == 2 })
	rcv.none(t)
	atts, err := f.hub.Deliveries(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 || atts[0].Result != "delivered" || atts[0].Status != 200 {
		t.Errorf("deliveries: %+v", atts)
	}
	if n := watch.QueuedArticles(f.hub); n != 0 {
		t.Errorf("the queue keeps %d articles after every delivery was made", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetriesUntilDelivered: a receiver that fails three times (a 500, a
// 503, a 429 with Retry-After) gets the delivery on the fourth try, with
// the same delivery id each time.
func TestRetriesUntilDelivered(t *testing.T) {
	f := newFixture(t, watch.Options{AllowPrivate: true})
	rcv := newReceiver(t, 500, 503, 429)
	w := f.watch(t, "q=porters", rcv.srv.URL)
	f.put(t, art("p", "Unison says 40 porters at Leeds face cuts."))
	var ids []string
	for range 4 {
		ids = append(ids, rcv.next(t).header.Get(watch.HeaderDelivery))
	}
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("delivery ids differ between retries: %v", ids)
		}
	}
	waitFor(t, func() bool { return f.hub.WatchStats().Delivered == 1 })
	atts, err := f.hub.Deliveries(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for _, a := range atts {
		results = append(results, a.Result)
	}
	if strings.Join(results, ",") != "delivered,retry,retry,retry" || atts[3].Status != 500 || atts[0].Attempt != 4 || atts[3].Next == nil {
		t.Errorf("attempts (newest first): %+v", atts)
	}
	st := f.hub.WatchStats()
	if st.Retried != 3 || st.Queued != 1 || st.Queue != 0 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	rcv.none(t)
}

// TestGoneDisablesWatch: a 410 disables the watch, which then delivers
// nothing more; another 4xx fails the delivery without a retry.
func TestGoneDisablesWatch(t *testing.T) {
	f := newFixture(t, watch.Options{AllowPrivate: true})
	gone := newReceiver(t, 410)
	bad := newReceiver(t, 400, 400)
	wg := f.watch(t, "q=porters", gone.srv.URL)
	wb := f.watch(t, "q=porters", bad.srv.URL)
	f.put(t, art("p1", "40 porters at Leeds face cuts."))
	gone.next(t)
	bad.next(t)
	waitFor(t, func() bool { return f.hub.WatchStats().Failed == 2 })
	got, err := f.hub.Watch(context.Background(), wg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Disabled, "410") {
		t.Fatalf("watch after a 410: %+v", got)
	}
	f.put(t, art("p2", "Twelve more porters at Leeds face cuts."))
	bad.next(t) // the other watch still delivers (and fails once more)
	waitFor(t, func() bool { return f.hub.WatchStats().Failed == 3 })
	gone.none(t)
	if n := watch.QueuedArticles(f.hub); n != 0 {
		t.Errorf("the queue keeps %d articles after every delivery ended", n)
	}
	for _, id := range []string{wg.ID, wb.ID} {
		atts, err := f.hub.Deliveries(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range atts {
			if a.Result == "retry" {
				t.Errorf("watch %s: a 4xx was retried: %+v", id, atts)
			}
		}
	}
}

// TestRefusesPrivateTargets: without AllowPrivate, webhooks to loopback
// and private addresses are refused when the watch is created, and the
// dialer refuses them when connecting.
func TestRefusesPrivateTargets(t *testing.T) {
	f := newFixture(t, watch.Options{})
	for _, u := range []string{"http://127.0.0.1:9/x", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "http://localhost/", "ftp://example.com/", "http://user:pw@example.com/"} {
		_, err := f.hub.CreateWatch(context.Background(), api.WatchSpec{Search: "q=porters", URL: u})
		if !api.IsBadRequest(err) {
			t.Errorf("%s: got %v, want a bad request", u, err)
		}
	}
	for _, s := range []string{"q=unions:Unison", "size=1000", "amount_min=abc", "union=" + strings.Repeat("x", 600)} {
		_, err := f.hub.CreateWatch(context.Background(), api.WatchSpec{Search: s, URL: "http://93.184.215.14/"})
		if !api.IsBadRequest(err) {
			t.Errorf("search %s: got %v, want a bad request", s, err)
		}
	}
	rcv := newReceiver(t)
	if err := watch.CheckDial(rcv.srv.URL); err == nil || !strings.Contains(err.Error(), "not public") {
		t.Errorf("posting to %s without AllowPrivate: %v", rcv.srv.URL, err)
	}
	rcv.none(t)
}

// TestAttachPercolatesMissedWrites: writes stored while no Hub queued
// their matches (a crash between the store's commit and the queue's, or a
// failed hook) are percolated at the next Attach.
func TestAttachPercolatesMissedWrites(t *testing.T) {
	data := indextest.SeedData(t)
	rcv := newReceiver(t)
	opts := watch.Options{AllowPrivate: true, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	hub, err := watch.Open(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	fail := errors.New("disk trouble")
	failing := true
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t),
		BeforeAck: []func(index.Change) error{func(c index.Change) error {
			if failing {
				return fail
			}
			return hub.BeforeAck(c)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Attach(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	wt, err := hub.CreateWatch(context.Background(), api.WatchSpec{Search: "q=porters", URL: rcv.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Put(context.Background(), []api.Article{art("missed", "40 porters at Leeds face cuts.")}); !errors.Is(err, fail) {
		t.Fatalf("put with the failing hook: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := hub.Close(); err != nil {
		t.Fatal(err)
	}
	// Restart: the missed write is matched at Attach.
	hub, err = watch.Open(data, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	w, err = index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t), BeforeAck: []func(index.Change) error{hub.BeforeAck}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := hub.Attach(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	hub.Start()
	got := rcv.next(t)
	if got.payload.Watch != wt.ID || len(got.payload.Articles) != 1 || got.payload.Articles[0].ID != "missed" {
		t.Fatalf("delivery after restart: %s", got.body)
	}
	// The client's retry of the failed write (a re-send) queues the same
	// delivery again, with the same id, not a new one... and is not
	// delivered twice when it was already percolated.
	if _, err := w.Put(context.Background(), []api.Article{art("missed", "40 porters at Leeds face cuts.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Put(context.Background(), []api.Article{art("next", "Nine porters at York face cuts.")}); err != nil {
		t.Fatal(err)
	}
	if got := rcv.next(t); got.payload.Articles[0].ID != "next" {
		t.Fatalf("the re-send was delivered again: %s", got.body)
	}
}

// TestRetryOfFailedWriteRequeues: when the hook fails and the client
// sends the same write again, the retry (a re-send to the store) is
// matched and delivered.
func TestRetryOfFailedWriteRequeues(t *testing.T) {
	data := indextest.SeedData(t)
	rcv := newReceiver(t)
	hub, err := watch.Open(data, watch.Options{AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	fail := errors.New("disk trouble")
	failing := true
	w, err := index.OpenWriter(context.Background(), data, index.WriterOptions{Tagger: testTagger(t),
		BeforeAck: []func(index.Change) error{func(c index.Change) error {
			if failing {
				return fail
			}
			return hub.BeforeAck(c)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := hub.Attach(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	hub.Start()
	if _, err := hub.CreateWatch(context.Background(), api.WatchSpec{Search: "q=porters", URL: rcv.srv.URL}); err != nil {
		t.Fatal(err)
	}
	a := art("retried", "40 porters at Leeds face cuts.")
	if _, err := w.Put(context.Background(), []api.Article{a}); !errors.Is(err, fail) {
		t.Fatalf("put with the failing hook: %v", err)
	}
	failing = false
	if _, err := w.Put(context.Background(), []api.Article{a}); err != nil {
		t.Fatal(err)
	}
	if got := rcv.next(t); len(got.payload.Articles) != 1 || got.payload.Articles[0].ID != "retried" {
		t.Fatalf("delivery of the retried write: %s", got.body)
	}
}

// TestWatchKeepsDates: a watch's search keeps its publication dates
// (they decide what it matches) and drops what does not (page, histogram).
func TestWatchKeepsDates(t *testing.T) {
	f := newFixture(t, watch.Options{AllowPrivate: true})
	rcv := newReceiver(t)
	w, err := f.hub.CreateWatch(context.Background(), api.WatchSpec{Search: "q=porters&published_from=2020-01-01&published_to=2020-12-31T12:00:00Z&size=5&histogram=year", URL: rcv.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if want := "published_from=2020-01-01&published_to=2020-12-31T12%3A00%3A00Z&q=porters"; w.Search != want {
		t.Errorf("search %q, want %q", w.Search, want)
	}
}
