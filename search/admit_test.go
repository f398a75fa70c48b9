package search

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// holdingService returns a Service that admits one search at a time and
// queues queued more, whose admitted searches wait until release is
// closed (or their context ends).
func holdingService(queued int, wait time.Duration, gen func() uint64) (*Service, chan struct{}) {
	release := make(chan struct{})
	s := New(svc.idx, Options{MaxSearches: 1, MaxQueued: queued, QueueWait: wait, Generation: gen,
		Admitted: func(ctx context.Context) {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}})
	return s, release
}

// TestAdmission saturates a Service that runs one search at a time and
// queues one more: a third search is refused at once with ErrOverloaded
// (the test does not let the running one finish until it has the answer),
// and the queued one runs once the first is done.
func TestAdmission(t *testing.T) {
	s, release := holdingService(1, time.Hour, nil)
	ctx := context.Background()
	errc := make(chan error, 2)
	go func() { _, err := s.Search(ctx, api.Request{Q: "nurse"}); errc <- err }()
	waitFor(t, "one search running", func() bool { return s.AdmissionStats().Running == 1 })
	go func() { _, err := s.Search(ctx, api.Request{Q: "redundancy"}); errc <- err }()
	waitFor(t, "one search queued", func() bool { return s.AdmissionStats().Queued == 1 })

	for _, req := range []api.Request{{Q: "unison"}, {Q: "nurse"}} {
		_, err := s.Search(ctx, req)
		if !errors.Is(err, api.ErrOverloaded) {
			t.Errorf("search %q with one running and one queued: err %v, want ErrOverloaded", req.Q, err)
		}
	}
	if _, err := s.FacetValues(ctx, "union", "", 5); !errors.Is(err, api.ErrOverloaded) {
		t.Errorf("FacetValues when full: err %v, want ErrOverloaded", err)
	}
	// Article is admitted as a search is: a huge article's entities and
	// events take time.
	if _, err := s.Article(ctx, oxford); !errors.Is(err, api.ErrOverloaded) {
		t.Errorf("Article when full: err %v, want ErrOverloaded", err)
	}

	close(release)
	for range 2 {
		if err := <-errc; err != nil {
			t.Errorf("admitted search: %v", err)
		}
	}
	st := s.AdmissionStats()
	if st.Admitted != 2 || st.Rejected != 4 || st.Running != 0 || st.Queued != 0 || st.MaxSearches != 1 || st.MaxQueued != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestAdmissionQueueWait checks that a queued search gives up with
// ErrOverloaded after QueueWait, and with ErrTimeout when its caller goes
// away first.
func TestAdmissionQueueWait(t *testing.T) {
	s, release := holdingService(1, time.Millisecond, nil)
	defer close(release)
	ctx := context.Background()
	go func() { _, _ = s.Search(ctx, api.Request{Q: "nurse"}) }()
	waitFor(t, "one search running", func() bool { return s.AdmissionStats().Running == 1 })
	if _, err := s.Search(ctx, api.Request{Q: "unison"}); !errors.Is(err, api.ErrOverloaded) {
		t.Errorf("queued search past QueueWait: err %v, want ErrOverloaded", err)
	}

	s2, release2 := holdingService(1, time.Hour, nil)
	defer close(release2)
	go func() { _, _ = s2.Search(ctx, api.Request{Q: "nurse"}) }()
	waitFor(t, "one search running", func() bool { return s2.AdmissionStats().Running == 1 })
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { _, err := s2.Search(cctx, api.Request{Q: "unison"}); errc <- err }()
	waitFor(t, "one search queued", func() bool { return s2.AdmissionStats().Queued == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, api.ErrTimeout) {
		t.Errorf("queued search whose caller left: err %v, want ErrTimeout", err)
	}
	if st := s2.AdmissionStats(); st.Queued != 0 || st.Rejected != 0 {
		t.Errorf("after the caller left: %+v, want nothing queued and nothing counted as rejected", st)
	}
}

// TestCacheHitsNeedNoSlot checks that a cached answer is served while
// every slot is taken and the queue is full.
func TestCacheHitsNeedNoSlot(t *testing.T) {
	var hold atomic.Bool // the first search, which fills the cache, runs freely
	release := make(chan struct{})
	s := New(svc.idx, Options{MaxSearches: 1, MaxQueued: -1, Generation: func() uint64 { return 1 },
		Admitted: func(ctx context.Context) {
			if hold.Load() {
				<-release
			}
		}})
	ctx := context.Background()
	if _, err := s.Search(ctx, api.Request{}); err != nil {
		t.Fatal(err)
	}
	hold.Store(true)
	errc := make(chan error, 1)
	go func() { _, err := s.Search(ctx, api.Request{Q: "nurse"}); errc <- err }()
	waitFor(t, "one search running", func() bool { return s.AdmissionStats().Running == 1 })
	if _, err := s.Search(ctx, api.Request{Q: "unison"}); !errors.Is(err, api.ErrOverloaded) {
		t.Fatalf("uncached search when full: %v, want ErrOverloaded", err)
	}
	res, err := s.Search(ctx, api.Request{})
	if err != nil || res.Total != 5 {
		t.Errorf("cached search when full: %v, %v; want the cached answer", res, err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Error(err)
	}
}

func TestNoAdmissionLimit(t *testing.T) {
	s := New(svc.idx, Options{MaxSearches: -1})
	if s.limit != nil || s.AdmissionStats() != (api.AdmissionStats{}) {
		t.Errorf("MaxSearches -1: limiter %+v", s.AdmissionStats())
	}
	if _, err := s.Search(context.Background(), api.Request{Q: "nurse"}); err != nil {
		t.Error(err)
	}
	d := NewService(svc.idx).AdmissionStats()
	if d.MaxSearches < 2 || d.MaxQueued != 2*d.MaxSearches {
		t.Errorf("default limits %+v, want 2 × GOMAXPROCS running and twice that queued", d)
	}
}
