package watch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/search/api"
)

// Headers of a delivery.
const (
	// HeaderSignature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" keyed with the watch's secret>".
	HeaderSignature = "Cutwatch-Signature"
	// HeaderDelivery is the delivery's id, the same on every retry: a
	// receiver drops a delivery whose id it has seen.
	HeaderDelivery = "Cutwatch-Delivery"
	// HeaderWatch is the watch's id.
	HeaderWatch = "Cutwatch-Watch"
)

// Sign returns the value of HeaderSignature for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a HeaderSignature value against body and secret, and that
// its time is within tolerance of now: what a receiver does.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range bytes.SplitSeq([]byte(header), []byte(",")) {
		k, v, _ := bytes.Cut(part, []byte("="))
		switch string(k) {
		case "t":
			ts = string(v)
		case "v1":
			sig = string(v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("malformed signature header %q", header)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature time %s is too far from now", time.Unix(sec, 0).UTC())
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return fmt.Errorf("signature does not match")
	}
	return nil
}

// Start starts the dispatcher, which posts the queued deliveries that are
// due until Close. Starting again does nothing.
func (h *Hub) Start() {
	h.start.Do(func() {
		h.done.Add(1)
		if h.opts.Queue != nil {
			go h.dispatchQueue()
			return
		}
		go h.dispatch()
	})
}

// dispatch posts due deliveries, Workers at once, and sleeps until the
// next is due or a write queues more.
func (h *Hub) dispatch() {
	defer h.done.Done()
	for {
		wait := h.safeRound()
		t := time.NewTimer(wait)
		select {
		case <-h.ctx.Done():
			t.Stop()
			return
		case <-h.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// safeRound runs one round, turning a panic into a log line and a pause.
func (h *Hub) safeRound() (wait time.Duration) {
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("watch dispatcher panicked", "panic", r)
			wait = time.Second
		}
	}()
	return h.round()
}

// round posts every delivery due now and returns how long to wait for the
// next one.
func (h *Hub) round() time.Duration {
	now := time.Now()
	var due []delivery
	next := time.Hour
	err := h.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQueue).ForEach(func(k, v []byte) error {
			d, err := decodeDelivery(v)
			if err != nil {
				h.log.Error("watches: unreadable queued delivery", "key", string(k), "err", err)
				return nil
			}
			if w := d.Next.Sub(now); w > 0 {
				next = min(next, w)
				return nil
			}
			due = append(due, d)
			return nil
		})
	})
	if err != nil {
		h.log.Error("watches: read the delivery queue", "err", err)
		return time.Second
	}
	slices.SortFunc(due, func(a, b delivery) int { return a.Next.Compare(b.Next) })
	due = due[:min(len(due), maxRound)]
	sem := make(chan struct{}, h.opts.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var outs []outcome
	for _, d := range due {
		if h.ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					h.log.Error("watch delivery panicked", "delivery", d.ID, "panic", r)
				}
				<-sem
				wg.Done()
			}()
			if o, ok := h.deliver(d); ok {
				mu.Lock()
				outs = append(outs, o)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// One transaction (one fsync) records the round's outcomes: a crash
	// before it sends the round's deliveries again, with their ids.
	h.record(outs)
	if len(due) > 0 {
		return 0 // look again: more may have become due
	}
	return next
}

// maxRound is the most deliveries one round posts before recording
// their outcomes.
const maxRound = 256

// outcome is what became of one delivery in a round.
type outcome struct {
	d       delivery     // with its attempts and next time updated
	at      *api.Attempt // nil: nothing to record (its watch is gone)
	retry   bool         // keep it queued for d.Next; else remove it
	disable string       // disable its watch, saying why
}

// deliver posts d once and returns the outcome (none when d is no longer
// queued).
func (h *Hub) deliver(d delivery) (outcome, bool) {
	h.mu.RLock()
	c, ok := h.watches[d.Watch]
	h.mu.RUnlock()
	if !ok || c.w.Disabled != "" {
		return outcome{d: d}, true
	}
	var found bool
	err := h.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketQueue).Get([]byte(d.ID))
		if v == nil {
			return nil
		}
		found = true
		var err error
		if d, err = decodeDelivery(v); err != nil {
			return err
		}
		return composeBody(tx, &d)
	})
	if err != nil {
		h.log.Error("watches: read a queued delivery", "delivery", d.ID, "err", err)
		return outcome{}, false
	}
	if !found {
		return outcome{}, false // its watch was deleted meanwhile
	}
	now := time.Now()
	status, retryAfter, err := h.post(c.w, d, now)
	d.Attempts++
	at := api.Attempt{Delivery: d.ID, Attempt: d.Attempts, At: now.UTC(), Status: status}
	if err != nil {
		at.Error = err.Error()
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		at.Result = "delivered"
		h.delivered.Add(1)
		return outcome{d: d, at: &at}, true
	case status == http.StatusGone:
		at.Result = "disabled"
		h.failed.Add(1)
		return outcome{d: d, at: &at, disable: fmt.Sprintf("the webhook answered 410 Gone at %s", now.UTC().Format(time.RFC3339))}, true
	case err == nil && status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
		at.Result = "failed"
		at.Error = "the webhook refused it: " + http.StatusText(status)
		h.failed.Add(1)
		return outcome{d: d, at: &at}, true
	default:
		wait := h.backoff(d.Attempts, retryAfter)
		nextAt := now.Add(wait)
		if nextAt.Sub(d.Created) > h.opts.GiveUp {
			at.Result = "failed"
			if at.Error == "" {
				at.Error = fmt.Sprintf("status %d", status)
			}
			at.Error += fmt.Sprintf("; given up after %s", h.opts.GiveUp)
			h.failed.Add(1)
			return outcome{d: d, at: &at}, true
		}
		at.Result = "retry"
		n := nextAt.UTC()
		at.Next = &n
		d.Next = n
		h.retried.Add(1)
		return outcome{d: d, at: &at, retry: true}, true
	}
}

// post sends d to the watch's webhook and returns the status and the
// Retry-After it asked for.
func (h *Hub) post(w api.Watch, d delivery, now time.Time) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cutwatch-webhook/1")
	req.Header.Set(HeaderSignature, Sign(w.Secret, now, d.Body))
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderWatch, w.ID)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), now), nil
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the wait before attempt n+1: MinBackoff doubled n-1 times,
// at most MaxBackoff, with jitter (between half and all of it), or what
// the webhook asked with Retry-After if that is longer.
func (h *Hub) backoff(n int, asked time.Duration) time.Duration {
	d := h.opts.MinBackoff
	for i := 1; i < n && d < h.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, h.opts.MaxBackoff)
	d = d/2 + rand.N(d/2+1)
	return max(d, min(asked, h.opts.GiveUp))
}

// record applies the outcomes of a round in one transaction: a retried
// delivery stays queued with its new time, the others leave the queue;
// each attempt is recorded, and a watch whose webhook answered 410 is
// disabled, with its other deliveries dropped.
func (h *Hub) record(outs []outcome) {
	if len(outs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	removed := 0
	disabled := map[string]string{}
	err := h.db.Update(func(tx *bolt.Tx) error {
		removed = 0
		clear(disabled)
		q := tx.Bucket(bucketQueue)
		for _, o := range outs {
			k := []byte(o.d.ID)
			cur := q.Get(k)
			if cur == nil {
				continue // dropped meanwhile (its watch deleted or disabled)
			}
			if o.at != nil {
				if err := addAttempt(tx, o.d.Watch, *o.at); err != nil {
					return err
				}
			}
			old, err := decodeDelivery(cur)
			if err != nil {
				return err
			}
			if o.retry {
				old.Attempts, old.Next = o.d.Attempts, o.d.Next
				v, err := encodeDelivery(old)
				if err != nil {
					return err
				}
				if err := q.Put(k, v); err != nil {
					return err
				}
				continue
			}
			if err := q.Delete(k); err != nil {
				return err
			}
			if err := releaseArticles(tx, old); err != nil {
				return err
			}
			removed++
			c, ok := h.watches[o.d.Watch]
			if o.disable == "" || !ok {
				continue
			}
			w := c.w
			w.Disabled = o.disable
			v, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketWatches).Put([]byte(w.ID), v); err != nil {
				return err
			}
			n, err := dropQueued(tx, w.ID)
			if err != nil {
				return err
			}
			removed += n
			disabled[w.ID] = o.disable
		}
		return nil
	})
	if err != nil {
		h.log.Error("watches: record the outcomes of deliveries (they will be sent again)", "deliveries", len(outs), "err", err)
		return
	}
	for id, why := range disabled {
		if c, ok := h.watches[id]; ok {
			nc := *c
			nc.w.Disabled = why
			h.watches[id] = &nc
			h.log.Warn("watch disabled", "watch", id, "reason", why)
		}
	}
	h.queueLen.Add(-int64(removed))
}

// attemptPrefix is the key prefix of the attempts of watch id.
func attemptPrefix(id string) []byte { return append([]byte(id), 0) }

// addAttempt records a, keeping the latest MaxAttemptsKept of the watch.
func addAttempt(tx *bolt.Tx, watch string, a api.Attempt) error {
	b := tx.Bucket(bucketAttempts)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	prefix := attemptPrefix(watch)
	if err := b.Put(append(slices.Clone(prefix), beKey(seq)...), v); err != nil {
		return err
	}
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	for _, k := range keys[:max(0, len(keys)-MaxAttemptsKept)] {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// dropAttempts removes the attempts of watch id.
func dropAttempts(tx *bolt.Tx, id string) error {
	b := tx.Bucket(bucketAttempts)
	prefix := attemptPrefix(id)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
